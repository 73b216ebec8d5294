import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

/**
 * A Secret's values are never shown; a short digest of each still tells an auditor which ones change.
 */
function withoutSecrets(object: KubernetesObject): KubernetesObject {
  if (object.kind !== 'Secret') return object;
  const hidden = (values: unknown) =>
    values && typeof values === 'object'
      ? Object.fromEntries(
          Object.entries(values).map(([key, value]) => [
            key,
            `(hidden, sha256 ${createHash('sha256').update(String(value)).digest('hex').slice(0, 12)})`,
          ]),
        )
      : values;
  const secret = object as KubernetesObject & { data?: unknown; stringData?: unknown };
  return { ...secret, data: hidden(secret.data), stringData: hidden(secret.stringData) } as KubernetesObject;
}

/** Objects as one YAML stream in a stable order, so that only real changes show in a diff. */
function asYaml(objects: KubernetesObject[]): string {
  const sorted = objects
    .map(withoutSecrets)
    .sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));
  return sorted.map((object) => `---\n${stringify(object, { sortMapEntries: true })}`).join('');
}

/**
 * A unified diff of what a cluster runs now and what a request would make it run, headed with the
 * cluster and the versions (`--- edge-1/web (running 1.0)`).
 */
export function objectsDiff(
  where: string,
  running: { label: string; objects: KubernetesObject[] },
  requested: { label: string; objects: KubernetesObject[] },
): string {
  return createTwoFilesPatch(
    `${where} (${running.label})`,
    `${where} (${requested.label})`,
    asYaml(running.objects),
    asYaml(requested.objects),
    undefined,
    undefined,
    { context: 3 },
  );
}
