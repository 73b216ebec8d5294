import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { PatchStrategy } from '@kubernetes/client-node';
import type { KubeClients } from './kube-clients';
import { isNotFound, kube } from './kube-error';

/** `deployment.apps/web`, as kubectl names an object in its output. */
export function objectRef(object: KubernetesObject): string {
  const group = object.apiVersion?.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind?.toLowerCase()}${group}/${object.metadata?.name}`;
}

/** Deletes the object; one that is already gone is success. */
export async function deleteIfExists(
  api: KubernetesObjectApi,
  object: KubernetesObject,
): Promise<'deleted' | 'absent'> {
  try {
    await kube(() => api.delete(object));
    return 'deleted';
  } catch (error) {
    if (isNotFound(error)) return 'absent';
    throw error;
  }
}

/** A resource's REST name and scope, as discovery reports them. */
interface ResourceName {
  plural: string;
  namespaced: boolean;
}

/**
 * The built-in resources our workloads and charts commonly hold, by `apiVersion/kind`. Their names and
 * scopes are fixed by Kubernetes itself, so their paths need no discovery request (kubectl's discovery
 * cache serves them the same way); any other kind (a CRD, a rarer built-in) is looked up by discovery.
 */
const BUILT_IN_RESOURCES = new Map<string, ResourceName>(
  (
    [
      ['v1', 'ConfigMap', 'configmaps', true],
      ['v1', 'Secret', 'secrets', true],
      ['v1', 'Service', 'services', true],
      ['v1', 'ServiceAccount', 'serviceaccounts', true],
      ['v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true],
      ['v1', 'Pod', 'pods', true],
      ['v1', 'Namespace', 'namespaces', false],
      ['apps/v1', 'Deployment', 'deployments', true],
      ['apps/v1', 'StatefulSet', 'statefulsets', true],
      ['apps/v1', 'DaemonSet', 'daemonsets', true],
      ['autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true],
      ['batch/v1', 'Job', 'jobs', true],
      ['batch/v1', 'CronJob', 'cronjobs', true],
      ['networking.k8s.io/v1', 'Ingress', 'ingresses', true],
      ['policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true],
      ['rbac.authorization.k8s.io/v1', 'Role', 'roles', true],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true],
    ] as const
  ).map(([apiVersion, kind, plural, namespaced]) => [`${apiVersion}/${kind}`, { plural, namespaced }]),
);

/** The object's REST path, as KubernetesObjectApi builds it (a namespaced object without a namespace is in `default`). */
function builtInPath(object: KubernetesObject): string | null {
  const apiVersion = object.apiVersion ?? 'v1';
  const resource = BUILT_IN_RESOURCES.get(`${apiVersion}/${object.kind}`);
  if (!resource) return null;
  const parts = [apiVersion.includes('/') ? '/apis' : '/api', apiVersion];
  if (resource.namespaced)
    parts.push('namespaces', encodeURIComponent(object.metadata?.namespace || 'default'));
  parts.push(resource.plural, encodeURIComponent(object.metadata?.name ?? ''));
  return parts.join('/');
}

/**
 * One server-side apply of the object as `fieldManager`, taking over conflicting fields (force). A
 * built-in kind goes straight to its path with the object's JSON as we built it, and the cluster's echo
 * of the applied object is not parsed (nothing reads it); any other kind goes through client-node's
 * KubernetesObjectApi, which finds its path by discovery.
 */
export async function serverSideApply(
  clients: KubeClients,
  object: KubernetesObject,
  fieldManager: string,
): Promise<void> {
  const path = builtInPath(object);
  await kube(() =>
    path
      ? clients.sendJson({
          method: 'PATCH',
          path,
          query: { fieldManager, force: 'true' },
          body: object,
          contentType: PatchStrategy.ServerSideApply,
        })
      : clients.objects.patch(
          object,
          undefined,
          undefined,
          fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        ),
  );
}
