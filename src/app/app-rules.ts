import { hostPathProblem, HostPathRules } from '../common/pod-policy';
import { PackageStatus } from './app-version';

/** A DNS label (RFC 1123): the name becomes a Kubernetes label value. */
export const APP_NAME_RULE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** SPEC §5: dotted numbers, 2 to 4 parts (`1.2`, `1.2.3.4`). */
export const VERSION_RULE = /^\d{1,9}(\.\d{1,9}){1,3}$/;
/** An environment variable name: a C identifier. */
export const ENV_NAME_RULE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An absolute path without NUL characters. */
export const ABSOLUTE_PATH_RULE = /^\/[^\0]*$/;
/**
 * What a request may send as `image`: printable ASCII without spaces, starting like a host or a name.
 * The package worker parses it properly; one that passes this but does not parse becomes `corrupt`.
 */
export const PLAUSIBLE_IMAGE_RULE = /^[A-Za-z0-9[][\x21-\x7e]*$/;
export const UINT32_MAX = 4_294_967_295;

export interface ImageReference {
  /** The registry host (with port), `docker.io` when the reference names none. */
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

/**
 * Parses an image reference by the grammar of distribution/reference:
 * `[host[:port]/]path[/path...][:tag][@digest]`. Returns why it cannot when it cannot.
 */
export function parseImageReference(reference: string): ImageReference | { error: string } {
  let rest = reference;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: `invalid digest "${digest}"` };
  }
  let tag: string | null = null;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) return { error: `invalid tag "${tag}"` };
  }
  if (rest.length === 0) return { error: 'no repository name' };
  if (rest.length > MAX_NAME_LENGTH)
    return { error: `repository name longer than ${MAX_NAME_LENGTH} characters` };
  const parts = rest.split('/');
  const first = parts[0];
  const hasDomain =
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let registry = 'docker.io';
  if (hasDomain) {
    if (!DOMAIN.test(first)) return { error: `invalid registry host "${first}"` };
    registry = first;
    parts.shift();
  }
  const bad = parts.find((part) => !PATH_COMPONENT.test(part));
  if (bad !== undefined) {
    return {
      error: `invalid repository path component "${bad}" (lower-case letters, digits and separators)`,
    };
  }
  return { registry, repository: parts.join('/'), tag, digest };
}

export interface PackageVerdict {
  status: PackageStatus;
  detail: string;
}

/** An image in the platform's registry: what to resolve there. */
export interface ManagedImage {
  repository: string;
  /** The digest the reference pins, else its tag (`latest` when it names none). */
  reference: string;
}

/** The repository and reference to resolve when `image` is in the registry at `registryHost`; else null. */
export function managedImage(image: string, registryHost: string | null): ManagedImage | null {
  const parsed = parseImageReference(image);
  if ('error' in parsed || !registryHost || parsed.registry.toLowerCase() !== registryHost.toLowerCase())
    return null;
  return { repository: parsed.repository, reference: parsed.digest ?? parsed.tag ?? 'latest' };
}

/**
 * SPEC §5 for an image in a registry the platform does not manage: recorded without a digest, and
 * available; an image reference that does not parse is corrupt.
 */
export function verdictForImage(image: string): PackageVerdict {
  const parsed = parseImageReference(image);
  if ('error' in parsed) {
    return {
      status: PackageStatus.Corrupt,
      detail: `image reference "${image}" cannot be parsed: ${parsed.error}`,
    };
  }
  return {
    status: PackageStatus.Available,
    detail: `image in an unmanaged registry (${parsed.registry}): no digest recorded`,
  };
}

/** SPEC §5 for an image in the platform's registry: available with its manifest digest, or incomplete. */
export function verdictForManagedImage(
  image: ManagedImage,
  digest: string | null,
): PackageVerdict & { imageDigest: string | null } {
  if (!digest) {
    return {
      status: PackageStatus.Incomplete,
      detail: `image ${image.repository}:${image.reference} is not in the platform's registry`,
      imageDigest: null,
    };
  }
  return { status: PackageStatus.Available, detail: `image digest ${digest}`, imageDigest: digest };
}

/** An image's verdict, with its digest when the platform's registry resolved it. */
export type ImageVerdict = PackageVerdict & { imageDigest?: string | null };

/** The images an application version runs: a workload's one, a chart's (stored comma-separated). */
export function appImages(app: { deployType: string; image: string }): string[] {
  return app.deployType === 'chart' ? app.image.split(',').filter((image) => image !== '') : [app.image];
}

/**
 * SPEC §5 for a chart, from its images' verdicts in order: the first image that is not available
 * decides (naming it), else the chart is available.
 */
export function verdictForChart(images: ImageVerdict[]): PackageVerdict {
  const failing = images.find((image) => image.status !== PackageStatus.Available);
  if (failing) return { status: failing.status, detail: failing.detail };
  if (images.length === 0) return { status: PackageStatus.Available, detail: 'the chart runs no images' };
  return { status: PackageStatus.Available, detail: images.map((image) => image.detail).join('; ') };
}

/** The scaling fields of a create request, before defaults. */
export interface ScalingRequest {
  replicas?: number | null;
  minReplicas?: number | null;
  maxReplicas?: number | null;
  isHPA: boolean;
  minCPU: number;
  maxCPU: number;
  minMemory: number;
  maxMemory: number;
  maxUnavailable: number;
  maxSurge: number;
  targetCPUUtilization: number;
  targetMemUtilization: number;
}

export interface Scaling {
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * Fills the optional replica counts: `replicas` defaults to `minReplicas` or 1, an absent bound to the
 * replica count, so that only bounds the client sent can contradict each other.
 */
export function resolveScaling(request: ScalingRequest): Scaling {
  const replicas = request.replicas ?? request.minReplicas ?? 1;
  const minReplicas = request.minReplicas ?? Math.min(replicas, request.maxReplicas ?? replicas);
  const maxReplicas = request.maxReplicas ?? Math.max(replicas, minReplicas);
  return { replicas, minReplicas, maxReplicas };
}

/** The cross-field rules of SPEC §5, each problem naming its fields; empty when the request is consistent. */
export function scalingProblems(request: ScalingRequest, scaling: Scaling): string[] {
  const problems: string[] = [];
  const notAbove = (low: string, lowValue: number, high: string, highValue: number) => {
    if (lowValue > highValue)
      problems.push(`${low} (${lowValue}) must not be greater than ${high} (${highValue})`);
  };
  notAbove('minReplicas', scaling.minReplicas, 'maxReplicas', scaling.maxReplicas);
  notAbove('minCPU', request.minCPU, 'maxCPU', request.maxCPU);
  notAbove('minMemory', request.minMemory, 'maxMemory', request.maxMemory);
  // Kubernetes refuses a rolling update that may neither add nor remove a pod.
  if (request.maxUnavailable === 0 && request.maxSurge === 0) {
    problems.push('maxUnavailable and maxSurge must not both be 0');
  }
  if (request.isHPA) {
    if (scaling.minReplicas < 1) problems.push('minReplicas must be at least 1 when isHPA is true');
    // The autoscaler's utilization targets are percentages Kubernetes requires to be above 0.
    for (const target of ['targetCPUUtilization', 'targetMemUtilization'] as const) {
      if (request[target] < 1) problems.push(`${target} must be at least 1 when isHPA is true`);
    }
    const inRange = scaling.replicas >= scaling.minReplicas && scaling.replicas <= scaling.maxReplicas;
    if (scaling.minReplicas <= scaling.maxReplicas && !inRange) {
      problems.push(
        `replicas (${scaling.replicas}) must be within minReplicas..maxReplicas (${scaling.minReplicas}..${scaling.maxReplicas}) when isHPA is true`,
      );
    }
  }
  return problems;
}

/** Two ports of one container cannot share a number, nor two mounts a path. */
export function duplicateProblems(spec: {
  port: { port: number; hostPort?: number | null }[];
  volume?: { path: string }[] | null;
  env?: { name: string }[] | null;
}): string[] {
  const problems: string[] = [];
  const repeated = <T>(values: T[]) => [
    ...new Set(values.filter((value, index) => values.indexOf(value) !== index)),
  ];
  for (const port of repeated(spec.port.map((entry) => entry.port)))
    problems.push(`port: port ${port} appears twice`);
  const hostPorts = spec.port.flatMap((entry) => (entry.hostPort == null ? [] : [entry.hostPort]));
  for (const port of repeated(hostPorts)) problems.push(`port: hostPort ${port} appears twice`);
  for (const path of repeated((spec.volume ?? []).map((entry) => entry.path))) {
    problems.push(`volume: path ${path} appears twice`);
  }
  for (const name of repeated((spec.env ?? []).map((entry) => entry.name)))
    problems.push(`env: name ${name} appears twice`);
  return problems;
}

/** SPEC §12 for the host paths an application mounts, each problem naming its volume. */
export function volumeProblems(
  volumes: { hostPath: string; readOnly?: boolean | null }[],
  rules: HostPathRules,
): string[] {
  return volumes.flatMap((volume, index) => {
    const problem = hostPathProblem(volume.hostPath, volume.readOnly ?? false, rules);
    return problem ? [`volume[${index}]: ${problem}`] : [];
  });
}
