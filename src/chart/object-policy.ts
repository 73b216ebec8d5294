import type { KubernetesObject, V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';
import { HostPathRules, items, podSpecProblems } from '../common/pod-policy';

/**
 * SPEC §12 for what a tenant's chart renders: only namespaced kinds that cannot reach beyond the
 * business's namespace. No cluster-scoped kinds (Namespace, ClusterRole, CRDs, ...), and no RBAC at all,
 * since a RoleBinding to a built-in ClusterRole would let a service account create pods past our checks.
 */
const ALLOWED_KINDS = new Set([
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'apps/v1/DaemonSet',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'v1/Service',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/PersistentVolumeClaim',
  'v1/ServiceAccount',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'networking.k8s.io/v1/Ingress',
  'networking.k8s.io/v1/NetworkPolicy',
  'policy/v1/PodDisruptionBudget',
]);

/** The allowed kinds that run pods, each from one pod template. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

/** Kubernetes object names: DNS-1123 subdomains. */
const NAME_RULE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Spec = Record<string, unknown> | undefined;

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** The pod templates an object runs, with where they sit, for the pod policy and for our labels. */
export function podTemplates(object: KubernetesObject): V1PodTemplateSpec[] {
  const spec = (object as { spec?: Spec }).spec;
  if (!isObject(spec)) return [];
  const template =
    object.kind === 'CronJob'
      ? (spec.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template
      : spec.template;
  return isObject(template) ? [template as V1PodTemplateSpec] : [];
}

/** An object's annotations as a chart rendered them: none unless they are an object. */
const annotationsOf = (metadata: { annotations?: unknown } | undefined): Record<string, unknown> =>
  isObject(metadata?.annotations) ? (metadata.annotations as Record<string, unknown>) : {};

const describeObject = (object: KubernetesObject) =>
  `${object.kind ?? '(no kind)'} ${object.metadata?.name ?? '(no name)'}`;

/**
 * Every reason the rendered objects may not run in `namespace`, each naming the object; empty when
 * they may. Call it on the objects as they will be applied (after `adoptObjects`).
 */
export function objectPolicyProblems(
  objects: KubernetesObject[],
  namespace: string,
  rules: HostPathRules,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    const what = describeObject(object);
    if (!ALLOWED_KINDS.has(`${object.apiVersion}/${object.kind}`)) {
      problems.push(`${what}: ${object.apiVersion}/${object.kind} may not be deployed by a business`);
      continue;
    }
    const name = object.metadata?.name;
    if (typeof name !== 'string' || name.length > 253 || !NAME_RULE.test(name)) {
      problems.push(`${what}: needs a lower-case DNS name`);
      continue;
    }
    const key = `${object.kind}/${name}`;
    if (seen.has(key)) problems.push(`${what}: rendered twice`);
    seen.add(key);
    if (object.metadata?.namespace !== namespace)
      problems.push(`${what}: namespace ${object.metadata?.namespace} is not the business's (${namespace})`);
    const spec = (object as { spec?: Spec }).spec;
    if (object.kind === 'Service' && Array.isArray(spec?.externalIPs) && spec.externalIPs.length > 0)
      problems.push(`${what}: externalIPs are not allowed`);
    // An ExternalName Service behind an ingress makes the controller proxy to any name the chart gives,
    // inside the cluster's network, and show the tenant the answer.
    if (object.kind === 'Service' && spec?.type === 'ExternalName')
      problems.push(`${what}: ExternalName Services are not allowed`);
    // Snippet annotations are configuration text the ingress controller (which reads every Secret of
    // the cluster) takes in as its own.
    const snippets = Object.keys(annotationsOf(object.metadata)).filter((key) => /-snippets?$/.test(key));
    if (object.kind === 'Ingress' && snippets.length > 0)
      problems.push(`${what}: annotations ${snippets.join(', ')} are not allowed`);
    // A claim binds to the volume it names even when another business's data is on it.
    const claims =
      object.kind === 'PersistentVolumeClaim'
        ? [object]
        : object.kind === 'StatefulSet'
          ? spec?.volumeClaimTemplates
          : [];
    if (
      items(claims as unknown[]).some(
        (claim) => (claim as { spec?: { volumeName?: unknown } })?.spec?.volumeName,
      )
    )
      problems.push(`${what}: may not claim a given persistent volume (volumeName)`);
    const templates = podTemplates(object);
    if (templates.length === 0 && WORKLOAD_KINDS.has(object.kind ?? ''))
      problems.push(`${what}: needs a pod template`);
    for (const template of templates) {
      problems.push(...podSpecProblems((template.spec ?? {}) as V1PodSpec, rules, what));
      // The annotation form of an AppArmor profile, which kubelets still honour.
      const unconfined = Object.entries(annotationsOf(template.metadata)).filter(
        ([key, value]) =>
          key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value === 'unconfined',
      );
      if (unconfined.length > 0)
        problems.push(`${what}: ${unconfined.map(([key]) => key).join(', ')}: unconfined is not allowed`);
    }
  }
  return problems;
}

/**
 * The rendered objects as the platform applies them: in the business's namespace unless a template
 * named another (which the policy then refuses), with our labels on each object and pod template, so
 * status reading and clean-up find them like any other deployment's, and every container that leaves
 * allowPrivilegeEscalation unset (Kubernetes then allows it) running without it, as SPEC §12 says.
 */
export function adoptObjects(
  objects: KubernetesObject[],
  namespace: string,
  labels: Record<string, string>,
): KubernetesObject[] {
  return objects.map((original) => {
    const object = structuredClone(original);
    object.metadata = {
      ...object.metadata,
      namespace: object.metadata?.namespace ?? namespace,
      labels: { ...object.metadata?.labels, ...labels },
    };
    for (const template of podTemplates(object)) {
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...labels } };
      const spec = template.spec;
      for (const container of [spec?.initContainers, spec?.containers, spec?.ephemeralContainers].flatMap(
        (list) => items(list),
      )) {
        if (!isObject(container)) continue;
        container.securityContext ??= {};
        // Anything else than an object the policy refuses, naming it.
        if (isObject(container.securityContext)) container.securityContext.allowPrivilegeEscalation ??= false;
      }
    }
    return object;
  });
}
