import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { KubeError, KubeErrorKind } from './kube-error';

export const DEFAULT_KUBE_TIMEOUT_MS = 10_000;

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  objects: KubernetesObjectApi;
  server: string;
}

/**
 * What is wrong with kubeconfig text, without quoting it: a YAML error's message carries a snippet of
 * the offending lines, which in a kubeconfig are often the token or the client key.
 */
function yamlProblem(error: unknown): string {
  const { reason, mark } = error as { reason?: string; mark?: { line: number; column: number } };
  if (typeof reason === 'string' && mark)
    return `${reason} at line ${mark.line + 1}, column ${mark.column + 1}`;
  return (error as Error).name === 'YAMLException' ? 'unparsable YAML' : (error as Error).message;
}

/** Parses kubeconfig text and checks it names a current context with a cluster and a user. */
export function parseKubeconfig(text: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (error) {
    throw new KubeError(KubeErrorKind.Invalid, `kubeconfig is not valid YAML: ${yamlProblem(error)}`);
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  if (!context) throw new KubeError(KubeErrorKind.Invalid, 'kubeconfig has no current context');
  if (!kc.getCurrentCluster())
    throw new KubeError(KubeErrorKind.Invalid, 'kubeconfig current context names no cluster');
  if (!kc.getCurrentUser())
    throw new KubeError(KubeErrorKind.Invalid, 'kubeconfig current context names no user');
  return kc;
}

/**
 * API clients for the current context of a kubeconfig, like KubeConfig.makeApiClient but with a
 * deadline on every request, so that a cluster that stops answering cannot hold a worker forever.
 */
export function makeKubeClients(kc: KubeConfig, timeoutMs = DEFAULT_KUBE_TIMEOUT_MS): KubeClients {
  const server = kc.getCurrentCluster()!.server;
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
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
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    autoscaling: new AutoscalingV2Api(configuration),
    objects,
    server,
  };
}
