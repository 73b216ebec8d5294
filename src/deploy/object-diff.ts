import type { KubernetesObject } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

/** Objects as one YAML stream in a stable order, so that only real changes show in a diff. */
function asYaml(objects: KubernetesObject[]): string {
  const sorted = [...objects].sort((a, b) =>
    `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`),
  );
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
