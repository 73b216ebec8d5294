import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { isConflict, isNotFound, kube } from './kube-error';

/** `deployment.apps/web`, as kubectl names an object in its output. */
export function objectRef(object: KubernetesObject): string {
  const group = object.apiVersion?.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind?.toLowerCase()}${group}/${object.metadata?.name}`;
}

/**
 * Creates the object, or replaces it when it exists, so that applying the same objects again
 * converges instead of failing. Returns kubectl's word for what happened.
 */
export async function createOrReplace(
  api: KubernetesObjectApi,
  object: KubernetesObject,
): Promise<'created' | 'configured'> {
  for (let attempt = 0; ; attempt++) {
    try {
      const existing = await kube(() =>
        api.read({
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: object.metadata!.name!, namespace: object.metadata?.namespace },
        }),
      );
      const replacement = {
        ...object,
        metadata: { ...object.metadata, resourceVersion: existing.metadata?.resourceVersion },
      };
      await kube(() => api.replace(replacement));
      return 'configured';
    } catch (error) {
      if (isNotFound(error)) {
        try {
          await kube(() => api.create(object));
          return 'created';
        } catch (createError) {
          if (!isConflict(createError) || attempt > 2) throw createError;
          continue;
        }
      }
      // Someone changed it between our read and our write: read again.
      if (isConflict(error) && attempt < 3) continue;
      throw error;
    }
  }
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
