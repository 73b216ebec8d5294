import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
} from '@kubernetes/client-node';

const DEFAULT_KUBE_TIMEOUT_MS = 10_000;

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  objects: KubernetesObjectApi;
  server: string;
}

/**
 * API clients for the current context of a vetted kubeconfig (see vetKubeconfig), like KubeConfig.makeApiClient but with a
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
