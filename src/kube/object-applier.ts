import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
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
