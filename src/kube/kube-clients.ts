import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  RequestContext,
  SecurityAuthentication,
  ServerConfiguration,
} from '@kubernetes/client-node';

const DEFAULT_KUBE_TIMEOUT_MS = 10_000;

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  objects: KubernetesObjectApi;
  server: string;
  /**
   * GET of a path as plain JSON (the clients' credentials, pool and deadline), without client-node's
   * ObjectSerializer: for lists read on the hot path, where building a typed model of every object
   * (dates parsed, every property copied) costs more CPU than the request. A non-2xx answer throws
   * the ApiException client-node would (see toKubeError).
   */
  getJson(path: string, query?: Record<string, string>): Promise<unknown>;
  /** Closes the clients' connections; for a client that will not be used again (kubeconfig replaced, cluster removed). */
  close(): Promise<void>;
}

/** What a request to the cluster carries: its credentials' headers and the connection pool (TLS options) to use. */
interface Connection {
  headers: Record<string, string>;
  dispatcher: ReturnType<RequestContext['getDispatcher']>;
}

/**
 * The kubeconfig's authentication, worked out once per set of clients. client-node's KubeConfig does
 * it on every request, and builds a new connection pool (undici Agent) each time whenever the cluster
 * has TLS options: every request then opens a new connection (a TLS handshake for https). A vetted
 * kubeconfig holds static inline credentials only (no exec, no auth provider, no files), so the headers
 * and the pool can be kept and shared by every request of these clients.
 */
class CachedAuthentication implements SecurityAuthentication {
  private connection: Promise<Connection> | null = null;

  constructor(
    private readonly kc: KubeConfig,
    private readonly server: string,
  ) {}

  getName(): string {
    return 'kubeconfig authentication (cached)';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const { headers, dispatcher } = await this.resolve();
    for (const [key, value] of Object.entries(headers)) context.setHeaderParam(key, value);
    if (dispatcher) context.setDispatcher(dispatcher);
  }

  /** Closes the pool once its requests are done; a request after this opens a new one (idle, it closes itself). */
  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => null);
    this.connection = null;
    await connection?.dispatcher?.close().catch(() => undefined);
  }

  private resolve(): Promise<Connection> {
    if (!this.connection) {
      const probe = new RequestContext(this.server, HttpMethod.GET);
      this.connection = this.kc.applySecurityAuthentication(probe).then(() => ({
        headers: { ...probe.getHeaders() },
        dispatcher: probe.getDispatcher(),
      }));
      // A failure is not kept: the next request tries again.
      this.connection.catch(() => (this.connection = null));
    }
    return this.connection;
  }
}

/**
 * API clients for the current context of a vetted kubeconfig (see vetKubeconfig), like KubeConfig.makeApiClient but with a
 * deadline on every request, so that a cluster that stops answering cannot hold a worker forever, and
 * with one connection pool shared by all of them (see CachedAuthentication).
 */
export function makeKubeClients(kc: KubeConfig, timeoutMs = DEFAULT_KUBE_TIMEOUT_MS): KubeClients {
  const server = kc.getCurrentCluster()!.server;
  const authentication = new CachedAuthentication(kc, server);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: authentication },
    promiseMiddleware: [
      {
        pre: async (context) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return context;
        },
        post: async (response) => response,
      },
    ],
  });
  const objects = new KubernetesObjectApi(configuration);
  const getJson = async (path: string, query: Record<string, string> = {}) => {
    const context = configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    context.setHeaderParam('Accept', 'application/json');
    for (const [key, value] of Object.entries(query)) context.setQueryParam(key, value);
    context.setSignal(AbortSignal.timeout(timeoutMs));
    await authentication.applySecurityAuthentication(context);
    const response = await configuration.httpApi.send(context).toPromise();
    const body = await response.body.text();
    const code = response.httpStatusCode;
    if (code < 200 || code > 299)
      throw new ApiException(code, 'HTTP error', code === 401 ? undefined : body, response.headers);
    return JSON.parse(body) as unknown;
  };
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    autoscaling: new AutoscalingV2Api(configuration),
    objects,
    server,
    getJson,
    close: () => authentication.close(),
  };
}
