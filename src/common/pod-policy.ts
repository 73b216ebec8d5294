import { posix } from 'node:path';
import type { V1PodSpec } from '@kubernetes/client-node';

/**
 * SPEC §12, what a tenant may run on a node. One rule set for the workloads we render from an
 * application's fields and for the objects a tenant's Helm chart renders, so that neither is a way
 * around the other.
 */

/** Host paths a tenant may not mount at all, nor any folder above them (mounting `/var` exposes `/var/run`). */
const DENIED_HOST_PATHS = [
  '/etc',
  '/root',
  '/home',
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/var/run',
  '/var/lib/kubelet',
  '/var/lib/docker',
  '/var/lib/containerd',
];
/** Device files a tenant may use: cameras and GPUs are what edge inference runs on. */
const ALLOWED_DEVICE_PREFIXES = ['/dev/video', '/dev/nvidia'];

/** Capabilities that Pod Security's baseline level allows a container to add. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** Pod Security admission label that business namespaces carry, so a cluster's own checks warn too. */
export const POD_SECURITY_LABELS = { 'pod-security.kubernetes.io/warn': 'baseline' } as const;

const isWithin = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** Why a host path may not be mounted this way, or null when it may. */
export function hostPathProblem(
  hostPath: string,
  readOnly: boolean,
  writablePrefixes: string[],
): string | null {
  // `//etc/../etc/` is /etc: judge the path the kubelet will mount, not its spelling.
  const path = posix.normalize(hostPath).replace(/(.)\/+$/, '$1');
  if (!path.startsWith('/')) return `hostPath ${hostPath} is not an absolute path`;
  if (path === '/') return 'hostPath / (the whole node) may not be mounted';
  if (path.split('/').some((part) => part.endsWith('.sock')))
    return `hostPath ${hostPath} is a socket, which would hand the node's daemons to the container`;
  const allowedDevice = ALLOWED_DEVICE_PREFIXES.some((prefix) => path.startsWith(prefix));
  const denied = DENIED_HOST_PATHS.find(
    (folder) => (isWithin(path, folder) && !allowedDevice) || isWithin(folder, path),
  );
  if (denied) return `hostPath ${hostPath} may not be mounted (${denied} belongs to the node)`;
  if (!readOnly && !writablePrefixes.some((prefix) => isWithin(path, posix.normalize(prefix))))
    return `hostPath ${hostPath} may only be mounted read-only (writable under ${writablePrefixes.join(', ')})`;
  return null;
}

/**
 * Every way a pod spec breaks SPEC §12, each naming where: privileged or escalating containers,
 * capabilities beyond Pod Security's baseline, the node's namespaces, and host paths.
 */
export function podSpecProblems(spec: V1PodSpec, writablePrefixes: string[], where = 'pod'): string[] {
  const problems: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field]) problems.push(`${where}: ${field} is not allowed`);
  }
  const containers = [
    ...(spec.initContainers ?? []),
    ...spec.containers,
    ...(spec.ephemeralContainers ?? []),
  ];
  for (const container of containers) {
    const context = container.securityContext;
    const name = `${where} container ${container.name}`;
    if (context?.privileged) problems.push(`${name}: privileged containers are not allowed`);
    if (context?.allowPrivilegeEscalation) problems.push(`${name}: allowPrivilegeEscalation must be false`);
    const added = (context?.capabilities?.add ?? []).filter(
      (capability) => !BASELINE_CAPABILITIES.has(capability.replace(/^CAP_/, '')),
    );
    if (added.length > 0) problems.push(`${name}: capabilities ${added.join(', ')} may not be added`);
  }
  for (const volume of spec.volumes ?? []) {
    if (!volume.hostPath) continue;
    const mounts = containers.flatMap((container) =>
      (container.volumeMounts ?? []).filter((mount) => mount.name === volume.name),
    );
    const readOnly = mounts.every((mount) => mount.readOnly === true);
    const problem = hostPathProblem(volume.hostPath.path, readOnly, writablePrefixes);
    if (problem) problems.push(`${where} volume ${volume.name}: ${problem}`);
  }
  return problems;
}

/** The security context every container we render runs with. */
export const CONTAINER_SECURITY_CONTEXT = { privileged: false, allowPrivilegeEscalation: false } as const;
