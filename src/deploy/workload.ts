import type { KubernetesObject, V1Container, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { AppVersion } from '../app/app-version';
import { nodeLabelKey } from '../cluster/node.service';
import { CONTAINER_SECURITY_CONTEXT } from '../common/pod-policy';
import { pullSecretName, RegistryCredentials, renderPullSecret } from '../registry/pull-secret';

export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const VERSION_LABEL = 'app.kubernetes.io/version';

export interface WorkloadTarget {
  deployName: string;
  namespace: string;
  nodeLabel: string;
  /** The credentials of the application's external repository, when it names one (SPEC §6). */
  pullCredentials?: RegistryCredentials | null;
}

const labelsFor = (app: AppVersion, deployName: string): Record<string, string> => ({
  [INSTANCE_LABEL]: deployName,
  'app.kubernetes.io/name': app.appName,
  [VERSION_LABEL]: app.version,
  'app.kubernetes.io/managed-by': 'ote-stack',
});

/** CPU percent of a core as millicores ("10" percent → "100m"), memory MiB as a quantity. */
const cpu = (percent: number) => `${percent * 10}m`;
const memory = (mebibytes: number) => `${mebibytes}Mi`;

function container(app: AppVersion): V1Container {
  const limits: Record<string, string> = { cpu: cpu(app.maxCPU), memory: memory(app.maxMemory) };
  if (app.GPU > 0) limits['nvidia.com/gpu'] = String(app.GPU);
  return {
    name: app.appName,
    image: app.image,
    ...(app.command ? { command: ['/bin/sh', '-c', app.command] } : {}),
    ports: app.port.map((port) => ({
      containerPort: port.port,
      ...(port.hostPort ? { hostPort: port.hostPort } : {}),
    })),
    env: app.env.map((variable) => ({ name: variable.name, value: variable.value })),
    volumeMounts: app.volume.map((volume, index) => ({
      name: `volume-${index}`,
      mountPath: volume.path,
      readOnly: volume.readOnly ?? false,
    })),
    resources: { requests: { cpu: cpu(app.minCPU), memory: memory(app.minMemory) }, limits },
    securityContext: { ...CONTAINER_SECURITY_CONTEXT },
  };
}

function podTemplate(app: AppVersion, target: WorkloadTarget): V1PodTemplateSpec {
  const selectsNodes = target.nodeLabel && target.nodeLabel !== 'all';
  return {
    metadata: { labels: labelsFor(app, target.deployName) },
    spec: {
      containers: [container(app)],
      volumes: app.volume.map((volume, index) => ({
        name: `volume-${index}`,
        hostPath: { path: volume.hostPath },
      })),
      ...(selectsNodes ? { nodeSelector: { [nodeLabelKey(target.nodeLabel)]: 'true' } } : {}),
      ...(target.pullCredentials ? { imagePullSecrets: [{ name: pullSecretName(target.deployName) }] } : {}),
    },
  };
}

/**
 * SPEC §6: the objects one application version becomes in one cluster, named after the deployment,
 * in the business's namespace. Rendering is pure, so applying the result twice changes nothing.
 */
export function renderWorkload(app: AppVersion, target: WorkloadTarget): KubernetesObject[] {
  const metadata = {
    name: target.deployName,
    namespace: target.namespace,
    labels: labelsFor(app, target.deployName),
  };
  const selector = { matchLabels: { [INSTANCE_LABEL]: target.deployName } };
  const template = podTemplate(app, target);
  // The Secret comes first, so that the pods find it when they start.
  const pullSecrets: KubernetesObject[] = target.pullCredentials
    ? [renderPullSecret(target.pullCredentials, { ...metadata, name: pullSecretName(target.deployName) })]
    : [];
  if (app.deployType === 'daemonset') {
    return [
      ...pullSecrets,
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata,
        spec: {
          selector,
          template,
          minReadySeconds: app.minReadySeconds,
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: daemonSetRollingUpdate(app) },
        },
      } as KubernetesObject,
    ];
  }
  const objects: KubernetesObject[] = [
    ...pullSecrets,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        // With an HPA the replicas are the autoscaler's: a server-side apply that leaves the field out
        // never owns it, so an upgrade keeps the count the HPA chose.
        ...(app.isHPA ? {} : { replicas: app.replicas }),
        selector,
        template,
        minReadySeconds: app.minReadySeconds,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: app.maxUnavailable, maxSurge: app.maxSurge },
        },
      },
    } as KubernetesObject,
  ];
  if (app.isHPA) {
    objects.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.deployName },
        minReplicas: app.minReplicas,
        maxReplicas: app.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: app.targetCPUUtilization },
            },
          },
          {
            type: 'Resource',
            resource: {
              name: 'memory',
              target: { type: 'Utilization', averageUtilization: app.targetMemUtilization },
            },
          },
        ],
      },
    } as KubernetesObject);
  }
  return objects;
}

/**
 * A DaemonSet replaces its pod on each node. Surging there runs two pods on a node at once, which a
 * host port forbids, so it surges only when the application allows no node to be without its pod
 * (maxUnavailable 0), the one strategy Kubernetes accepts then.
 */
function daemonSetRollingUpdate(app: Pick<AppVersion, 'maxUnavailable' | 'maxSurge'>) {
  return app.maxUnavailable === 0
    ? { maxUnavailable: 0, maxSurge: app.maxSurge }
    : { maxUnavailable: app.maxUnavailable };
}
