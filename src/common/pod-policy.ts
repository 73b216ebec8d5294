import { posix } from 'node:path';
import type { V1PodSecurityContext, V1PodSpec, V1SecurityContext } from '@kubernetes/client-node';
import type { AppConfig } from '../config/app-config';

/**
 * SPEC §12, what a tenant may run on a node. One rule set for the workloads we render from an
 * application's fields and for the objects a tenant's Helm chart renders, so that neither is a way
 * around the other.
 */

/**
 * Host paths a tenant may not mount at all, nor any folder above them (mounting `/var` exposes `/var/run`):
 * SPEC §12's list, plus what holds a cluster's own credentials, a runtime's socket or other tenants'
 * containers on the distributions edges run: k3s and RKE2 under /var/lib/rancher, k0s, etcd's data,
 * snaps (MicroK8s keeps its containerd socket, an admin kubeconfig and its kubelet's pods under
 * /var/snap; LXD its socket), KubeEdge's node database (every pod's Secrets), CRI-O's and Podman's
 * storage, LXD's and Incus's own, and other tenants' pod logs. A read-only mount does not stop a
 * container from connecting to a socket in it, so a folder holding one is as dangerous as the socket
 * (the node's temporary folders hold SSH agents' and X11's). And the folders where node-local storage
 * provisioners keep persistent volumes (Rancher's local-path, OpenEBS LocalPV, Longhorn, Rook's keyrings,
 * the local static provisioner's disks): a tenant writes in its volume there through a claim, so it
 * could leave a link there to `/` that the node follows when it mounts a path through it, and other
 * tenants' volumes are there too.
 */
const DENIED_HOST_PATHS = [
  '/etc',
  '/root',
  '/home',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/run',
  '/var/run',
  '/var/lib/kubelet',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/rancher',
  '/var/lib/k0s',
  '/var/lib/etcd',
  '/var/log/pods',
  '/var/log/containers',
  '/var/snap',
  '/snap',
  '/var/lib/kubeedge',
  '/var/lib/containers',
  '/var/lib/lxd',
  '/var/lib/incus',
  '/tmp',
  '/var/tmp',
  '/opt/local-path-provisioner',
  '/var/openebs',
  '/var/lib/longhorn',
  '/var/lib/rook',
  '/mnt/disks',
];
/**
 * The taints that keep workloads off a cluster's control-plane nodes: Kubernetes' own (the second before
 * 1.24), and `CriticalAddonsOnly`, with which RKE2 (and AKS's system pools) keep them off its servers.
 */
const CONTROL_PLANE_TAINTS = new Set([
  'node-role.kubernetes.io/control-plane',
  'node-role.kubernetes.io/master',
  'CriticalAddonsOnly',
]);
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

/** SELinux types Pod Security's baseline level allows (spc_t, say, runs a container unconfined). */
const BASELINE_SELINUX_TYPES = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

/** The sysctls Pod Security's baseline level allows: namespaced to the pod, harmless to its node. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/** Pod Security admission label that business namespaces carry, so a cluster's own checks warn too. */
export const POD_SECURITY_LABELS = { 'pod-security.kubernetes.io/warn': 'baseline' } as const;

const isWithin = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/**
 * Where tenants' host paths may go, as the operator configured it: read-write only in folders directly
 * in a `writable` prefix (HOSTPATH_WRITABLE_PREFIXES), not at all in a `denied` folder
 * (HOSTPATH_DENIED_PREFIXES: the node folders a cluster's own storage keeps volumes in, say) nor in
 * DENIED_HOST_PATHS.
 */
export interface HostPathRules {
  writable: string[];
  denied: string[];
}

export const hostPathRules = (
  config: Pick<AppConfig, 'hostPathWritablePrefixes' | 'hostPathDeniedPrefixes'>,
): HostPathRules => ({ writable: config.hostPathWritablePrefixes, denied: config.hostPathDeniedPrefixes });

/** Why a host path may not be mounted this way, or null when it may. */
export function hostPathProblem(hostPath: string, readOnly: boolean, rules: HostPathRules): string | null {
  // `//etc/../etc/` is /etc: judge the path the kubelet will mount, not its spelling.
  const path = normalizedPath(hostPath);
  if (!path.startsWith('/')) return `hostPath ${hostPath} is not an absolute path`;
  if (path === '/') return 'hostPath / (the whole node) may not be mounted';
  if (path.split('/').some((part) => part.endsWith('.sock') || part.endsWith('.socket')))
    return `hostPath ${hostPath} is a socket, which would hand the node's daemons to the container`;
  const allowedDevice = ALLOWED_DEVICE_PREFIXES.some((prefix) => path.startsWith(prefix));
  const denied = [...DENIED_HOST_PATHS, ...rules.denied.map(normalizedPath)].find(
    (folder) => (isWithin(path, folder) && !allowedDevice) || isWithin(folder, path),
  );
  if (denied) return `hostPath ${hostPath} may not be mounted (${denied} belongs to the node)`;
  const prefixes = rules.writable.map(normalizedPath);
  // A tenant can write a link into any folder it mounts writable, and the node follows links in a host
  // path when it mounts one: a pod that turns `/data/a/x` into a link to `/` gets the node's root at
  // its mount of `/data/a/x` on its next start. So only folders directly in a writable prefix may be
  // mounted: the folder above each is then one that no tenant can write, and the prefix itself is
  // mounted read-only only.
  const deep = prefixes.find(
    (prefix) => path.startsWith(`${prefix}/`) && path.indexOf('/', prefix.length + 1) > 0,
  );
  if (deep) {
    const folder = path.slice(0, path.indexOf('/', deep.length + 1));
    return `hostPath ${hostPath} lies below ${folder}, a folder tenants may write (and leave a link in that the node would follow): mount ${folder} itself`;
  }
  if (!readOnly && prefixes.includes(path))
    return `hostPath ${hostPath} may only be mounted read-only (writable: the folders in it, such as ${path}/<name>)`;
  if (!readOnly && !prefixes.some((prefix) => isWithin(path, prefix)))
    return `hostPath ${hostPath} may only be mounted read-only (writable under ${rules.writable.join(', ')})`;
  return null;
}

const normalizedPath = (path: string) => posix.normalize(path).replace(/(.)\/+$/, '$1');

/**
 * The volume sources a tenant's pod may use: its namespace's own objects and claims, scratch space, and
 * host paths as hostPathProblem allows. The others reach past the namespace or the platform's checks:
 * nfs, iscsi, rbd, cephfs and the like make the node connect wherever the pod says, gitRepo ran
 * commands on the node (CVE-2024-10220), and an inline csi volume does whatever its driver does.
 */
const ALLOWED_VOLUME_SOURCES = new Set([
  'hostPath',
  'emptyDir',
  'configMap',
  'secret',
  'persistentVolumeClaim',
  'projected',
  'downwardAPI',
  'ephemeral',
]);

/** A field a chart may have rendered as anything: its items when it is a list, none otherwise. */
export const items = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

/**
 * Every way a pod spec breaks SPEC §12, each naming where: privileged or escalating containers,
 * capabilities beyond Pod Security's baseline, the node's namespaces, volume sources and host paths.
 * A chart renders whatever it likes, so no field is trusted to have its type.
 */
export function podSpecProblems(spec: V1PodSpec, rules: HostPathRules, where = 'pod'): string[] {
  const problems: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field]) problems.push(`${where}: ${field} is not allowed`);
  }
  // Pods go to the nodes their node selector picks, through the scheduler: a node named outright (a
  // control-plane node, say) or a system priority class (which evicts others) is the cluster's to give.
  if (spec.nodeName) problems.push(`${where}: nodeName is not allowed`);
  // Nor by tolerating the taints that keep workloads off control-plane nodes (a toleration without a key
  // tolerates every taint).
  for (const toleration of items(spec.tolerations)) {
    const key = toleration?.key ?? '';
    if (key === '' || CONTROL_PLANE_TAINTS.has(key))
      problems.push(`${where}: may not tolerate ${key === '' ? 'every taint' : `the taint ${key}`}`);
  }
  if (String(spec.priorityClassName ?? '').startsWith('system-'))
    problems.push(`${where}: priority class ${spec.priorityClassName} is the cluster's own`);
  problems.push(...securityContextProblems(spec.securityContext, where));
  const unsafe = items(spec.securityContext?.sysctls)
    .map((sysctl) => String(sysctl?.name))
    .filter((name) => !SAFE_SYSCTLS.has(name));
  if (unsafe.length > 0) problems.push(`${where}: sysctls ${unsafe.join(', ')} are not allowed`);
  if (items(spec.containers).length === 0) problems.push(`${where}: needs a list of containers`);
  const containers = [
    ...items(spec.initContainers),
    ...items(spec.containers),
    ...items(spec.ephemeralContainers),
  ];
  for (const container of containers) {
    const context = container?.securityContext;
    const name = `${where} container ${container?.name}`;
    if (context?.privileged) problems.push(`${name}: privileged containers are not allowed`);
    // Unset is Kubernetes' default, true: a setuid binary in the image would make the container root.
    if (context?.allowPrivilegeEscalation !== false)
      problems.push(`${name}: allowPrivilegeEscalation must be false`);
    const add = context?.capabilities?.add;
    if (add !== undefined && !Array.isArray(add)) problems.push(`${name}: capabilities.add must be a list`);
    const added = items(add).filter(
      (capability) => !BASELINE_CAPABILITIES.has(String(capability).replace(/^CAP_/, '')),
    );
    if (added.length > 0) problems.push(`${name}: capabilities ${added.join(', ')} may not be added`);
    problems.push(...securityContextProblems(context, name));
    if (context?.procMount != null && context.procMount !== 'Default')
      problems.push(`${name}: procMount ${context.procMount} is not allowed`);
    // The kubelet sends probes and lifecycle hooks from the node: a host of the pod's choosing would let
    // it reach what only the node reaches (Pod Security's baseline refuses it since Kubernetes 1.34).
    const handlers = [
      ...(['livenessProbe', 'readinessProbe', 'startupProbe'] as const).map(
        (field) => [field, container?.[field]] as const,
      ),
      ...(['postStart', 'preStop'] as const).map(
        (hook) => [`lifecycle.${hook}`, container?.lifecycle?.[hook]] as const,
      ),
    ];
    for (const [field, handler] of handlers)
      if (hostOf(handler?.httpGet) || hostOf(handler?.tcpSocket))
        problems.push(`${name}: ${field} may not name a host (the node would connect to it)`);
  }
  for (const volume of items(spec.volumes)) {
    const what = `${where} volume ${volume?.name}`;
    const sources = Object.keys(volume ?? {}).filter((key) => key !== 'name');
    const refused = sources.filter((source) => !ALLOWED_VOLUME_SOURCES.has(source));
    if (refused.length > 0) problems.push(`${what}: ${refused.join(', ')} volumes are not allowed`);
    if (volume?.ephemeral?.volumeClaimTemplate?.spec?.volumeName)
      problems.push(`${what}: may not claim a given persistent volume (volumeName)`);
    if (!volume?.hostPath) continue;
    if (typeof volume.hostPath.path !== 'string') {
      problems.push(`${what}: hostPath needs a path`);
      continue;
    }
    const mounts = containers.flatMap((container) =>
      items(container?.volumeMounts).filter((mount) => mount?.name === volume.name),
    );
    const readOnly = mounts.every((mount) => mount.readOnly === true);
    const problem = hostPathProblem(volume.hostPath.path, readOnly, rules);
    if (problem) problems.push(`${what}: ${problem}`);
  }
  return problems;
}

/** A probe's or hook's `host`, when set to anything (a chart may render any type). */
const hostOf = (action: { host?: unknown } | undefined): boolean =>
  action?.host !== undefined && action.host !== null && action.host !== '';

/**
 * What Pod Security's baseline level refuses in a pod's or a container's security context: leaving
 * SELinux, seccomp or AppArmor confinement, and Windows host processes.
 */
function securityContextProblems(
  context: V1PodSecurityContext | V1SecurityContext | undefined,
  where: string,
): string[] {
  const problems: string[] = [];
  const selinux = context?.seLinuxOptions;
  if (selinux && !BASELINE_SELINUX_TYPES.has(String(selinux.type ?? '')))
    problems.push(`${where}: SELinux type ${selinux.type} is not allowed`);
  if (selinux?.user || selinux?.role) problems.push(`${where}: SELinux user and role may not be set`);
  for (const profile of ['seccompProfile', 'appArmorProfile'] as const)
    if (context?.[profile]?.type === 'Unconfined')
      problems.push(`${where}: ${profile} Unconfined is not allowed`);
  if (context?.windowsOptions?.hostProcess) problems.push(`${where}: Windows host processes are not allowed`);
  return problems;
}

/** The security context every container we render runs with. */
export const CONTAINER_SECURITY_CONTEXT = { privileged: false, allowPrivilegeEscalation: false } as const;
