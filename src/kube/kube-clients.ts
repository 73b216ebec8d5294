import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  KubernetesObjectApi,
  RequestContext,
  ResponseContext,
  SecurityAuthentication,
  ServerConfiguration,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { setImmediate } from 'node:timers/promises';
import { Agent } from 'undici';
import type { VettedKubeConfig } from './kubeconfig';

const DEFAULT_KUBE_TIMEOUT_MS = 10_000;
/**
 * How long a connection to a cluster is kept open while idle. undici's default, 4 s, closes it between
 * one fan-out or sync and the next, and each new connection to an https cluster costs a TLS handshake on
 * both ends. kube-apiserver closes idle connections after 90 s (and sends no Keep-Alive hint); 55 s stays
 * under that and under the 60 s idle timeout of common load balancers in front of an API server.
 */
const CLUSTER_KEEP_ALIVE_MS = 55_000;
/**
 * The largest answer read from a cluster. An edge cluster's API server is not ours to trust (an edge can
 * be taken over), and within the deadline it could send gigabytes into a worker's memory. A list of
 * thousands of pods or nodes is a few tens of megabytes.
 */
const MAX_CLUSTER_ANSWER_BYTES = 64 * 1024 * 1024;

/** How the clients talk to their cluster; each has a default fit for production. */
export interface KubeClientOptions {
  /** The deadline of a request, its answer read whole. */
  timeoutMs?: number;
  /** How long an idle connection is kept. */
  keepAliveMs?: number;
  /** The largest answer read (bytes of its body); a larger one fails the request. */
  maxAnswerBytes?: number;
}

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
  /**
   * A request with a JSON body (a patch), the same way: its answer's body is only read as JSON when
   * `read` asks for it (an apply's echo of the object is not used). Non-2xx throws as getJson does.
   */
  sendJson(request: JsonRequest): Promise<unknown>;
  /** Closes the clients' connections; for a client that will not be used again (kubeconfig replaced, cluster removed). */
  close(): Promise<void>;
}

interface JsonRequest {
  method: 'PATCH' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  /** The body, sent as JSON (JSON is YAML too: a server-side apply takes it as its YAML). */
  body: unknown;
  contentType: string;
  /** Parse the answer's body; otherwise it is read (to free the connection) and dropped. */
  read?: boolean;
}

/** What a request to the cluster carries: its credentials' headers and the connection pool (TLS options) to use. */
interface Connection {
  headers: Record<string, string>;
  dispatcher: Agent;
}

/**
 * The kubeconfig's authentication, worked out once per set of clients. client-node's KubeConfig does
 * it on every request, and builds a new connection pool (undici Agent) each time whenever the cluster
 * has TLS options: every request then opens a new connection (a TLS handshake for https). A vetted
 * kubeconfig holds static inline credentials only (no exec, no auth provider, no files), so the headers
 * and the pool can be kept and shared by every request of these clients. The pool is our own, with
 * client-node's TLS options, our keep-alive and our cap on answers.
 */
class CachedAuthentication implements SecurityAuthentication {
  private connection: Promise<Connection> | null = null;

  constructor(
    private readonly kc: VettedKubeConfig,
    private readonly server: string,
    private readonly pool: { keepAliveMs: number; maxAnswerBytes: number },
  ) {}

  getName(): string {
    return 'kubeconfig authentication (cached)';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    // The credentials only: every request goes through the pool itself (makeKubeClients' exchange).
    const { headers } = await this.resolve();
    for (const [key, value] of Object.entries(headers)) context.setHeaderParam(key, value);
  }

  /** Closes the pool once its requests are done; a request after this opens a new one (idle, it closes itself). */
  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => null);
    this.connection = null;
    await connection?.dispatcher.close().catch(() => undefined);
  }

  resolve(): Promise<Connection> {
    if (!this.connection) {
      const probe = new RequestContext(this.server, HttpMethod.GET);
      this.connection = this.kc.applySecurityAuthentication(probe).then(async () => {
        // The pool client-node made for the probe has opened nothing yet: ours takes its place.
        await probe.getDispatcher()?.close();
        const { keepAliveMs, maxAnswerBytes } = this.pool;
        return {
          headers: { ...probe.getHeaders() },
          dispatcher: new Agent({
            keepAliveTimeout: keepAliveMs,
            keepAliveMaxTimeout: keepAliveMs,
            maxResponseSize: maxAnswerBytes,
            connect: this.kc.connectOptions,
          }),
        };
      });
      // A failure is not kept: the next request tries again.
      this.connection.catch(() => (this.connection = null));
    }
    return this.connection;
  }
}

/** A cluster's answer, read whole. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** An answer's headers as client-node keeps them: one text each (repeated ones joined, as fetch does). */
function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

/**
 * Runs a request with a deadline that ends with it. AbortSignal.timeout's timer outlives the request: it
 * fires `timeoutMs` later all the same, and builds a DOMException, and undici an error with its stack, for
 * a request long answered (2 % of a worker's CPU in bench/deploy-fanout).
 */
export async function withDeadline<T>(
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('the cluster did not answer in time', 'TimeoutError')),
    timeoutMs,
  );
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * API clients for the current context of a vetted kubeconfig (see openStoredKubeconfig), like KubeConfig.makeApiClient but with a
 * deadline on every request (its answer read whole within it), so that a cluster that stops answering,
 * or trickles its answer, cannot hold a worker forever, and with one connection pool shared by all of
 * them (see CachedAuthentication).
 */
export function makeKubeClients(
  kc: VettedKubeConfig,
  {
    timeoutMs = DEFAULT_KUBE_TIMEOUT_MS,
    keepAliveMs = CLUSTER_KEEP_ALIVE_MS,
    maxAnswerBytes = MAX_CLUSTER_ANSWER_BYTES,
  }: KubeClientOptions = {},
): KubeClients {
  const server = kc.getCurrentCluster()!.server;
  const authentication = new CachedAuthentication(kc, server, { keepAliveMs, maxAnswerBytes });
  /**
   * One request to the cluster through the clients' connection pool (undici's Dispatcher.request, not
   * client-node's fetch, whose Request/Response objects and web streams cost more CPU than the small JSON
   * a request carries), its answer read whole within the deadline.
   */
  const exchange = async (
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Answer> => {
    const { dispatcher } = await authentication.resolve();
    const answer = await withDeadline(timeoutMs, async (signal) => {
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as HttpMethod,
        headers,
        body,
        signal,
      });
      return {
        status: response.statusCode,
        headers: response.headers,
        text: await response.body.text(),
      };
    });
    // undici frees the connection for another request only a turn of the event loop after the answer
    // was read: the next request of the same job (a placement's pods read right after its apply) would
    // otherwise open a connection of its own, with a TLS handshake of its own to an https cluster.
    await setImmediate();
    return answer;
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: authentication },
    // The typed clients' requests take the same way (their bodies are JSON text).
    httpApi: wrapHttpLibrary({
      send: async (context: RequestContext) => {
        const body = context.getBody();
        if (body !== undefined && typeof body !== 'string')
          throw new TypeError('a request body must be text');
        const answer = await exchange(
          context.getHttpMethod(),
          new URL(context.getUrl()),
          context.getHeaders(),
          body,
        );
        return new ResponseContext(answer.status, flatHeaders(answer.headers), {
          text: async () => answer.text,
          binary: async () => Buffer.from(answer.text),
          stream: () => null,
        });
      },
    }),
  });
  const objects = new KubernetesObjectApi(configuration);
  /** A request of getJson or sendJson: an answer other than 2xx throws client-node's ApiException. */
  const send = async (
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body: string | undefined,
    contentType: string | undefined,
    read: boolean,
  ): Promise<unknown> => {
    const { headers } = await authentication.resolve();
    const context = configuration.baseServer.makeRequestContext(path, method);
    for (const [key, value] of Object.entries(query)) context.setQueryParam(key, value);
    const answer = await exchange(
      method,
      new URL(context.getUrl()),
      { ...headers, accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    );
    const code = answer.status;
    if (code < 200 || code > 299)
      throw new ApiException(
        code,
        'HTTP error',
        code === 401 ? undefined : answer.text,
        flatHeaders(answer.headers),
      );
    return read ? (JSON.parse(answer.text) as unknown) : undefined;
  };
  const getJson = (path: string, query: Record<string, string> = {}) =>
    send(HttpMethod.GET, path, query, undefined, undefined, true);
  const sendJson = ({ method, path, query = {}, body, contentType, read = false }: JsonRequest) =>
    send(HttpMethod[method], path, query, JSON.stringify(body), contentType, read);
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    autoscaling: new AutoscalingV2Api(configuration),
    objects,
    server,
    getJson,
    sendJson,
    close: () => authentication.close(),
  };
}
