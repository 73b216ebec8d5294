import type { V1PodSpec } from '@kubernetes/client-node';
import { hostPathProblem, podSpecProblems } from './pod-policy';

const WRITABLE = ['/data', '/var/data'];
const RULES = { writable: WRITABLE, denied: [] };

describe('hostPathProblem', () => {
  it.each([
    ['/usr/bin', true],
    ['/opt/models', true],
    ['/data/models', false],
    ['/var/data', true],
    ['/var/data/x/', false],
    ['/dev/video0', true],
    ['/dev/nvidia0', true],
    ['/database', true],
  ])('allows %s (read-only: %s)', (path, readOnly) => {
    expect(hostPathProblem(path, readOnly, RULES)).toBeNull();
  });

  it.each([
    ['/', true],
    ['/etc', true],
    ['/etc/kubernetes', true],
    ['//usr/../etc/', true],
    ['/root/.ssh', true],
    ['/home', true],
    ['/proc/1/root', true],
    ['/sys', true],
    ['/dev', true],
    ['/dev/sda', true],
    ['/run/containerd', true],
    ['/var/run', true],
    ['/var/run/docker.sock', true],
    ['/var/lib/kubelet/pods', true],
    ['/var/lib/docker', true],
    ['/var/lib/containerd', true],
    ['/var', true],
    ['/var/lib', true],
    ['/tmp/agent.sock', true],
    ['/usr/bin', false],
    ['/datasets', false],
    ['/data/../etc', true],
    ['/var/lib/rancher/k3s/server/tls', true],
    ['/var/lib/etcd', true],
    ['/var/log/pods', true],
    ['/var/log', true],
    ['/boot', true],
    ['/var/snap/microk8s/common/run', true],
    ['/var/snap/microk8s/current/credentials', true],
    ['/var/snap/lxd/common/lxd', true],
    ['/snap', true],
    ['/var/lib/kubeedge', true],
    ['/var/lib/containers/storage', true],
    ['/var/lib/lxd', true],
    ['/var/lib/incus', true],
    ['/opt/agent/api.socket', true],
    ['/tmp', true],
    ['/tmp/ssh-XXXX', true],
    ['/var/tmp', true],
    ['/opt/local-path-provisioner', true],
    ['/opt/local-path-provisioner/pvc-1_ns7_data/root', true],
    ['/opt', true],
    ['/var/openebs/local/pvc-1', true],
    ['/var/lib/longhorn', true],
    ['/var/lib/rook/rook-ceph', true],
    ['/mnt/disks/vol1', true],
  ])('refuses %s (read-only: %s)', (path, readOnly) => {
    expect(hostPathProblem(path, readOnly, RULES)).toMatch(/hostPath/);
  });

  it("refuses the operator's denied folders (HOSTPATH_DENIED_PREFIXES), and any folder above one", () => {
    const rules = { writable: WRITABLE, denied: ['/srv/storage/'] };
    expect(hostPathProblem('/srv/storage/pvc-1/root', true, rules)).toBe(
      'hostPath /srv/storage/pvc-1/root may not be mounted (/srv/storage belongs to the node)',
    );
    expect(hostPathProblem('/srv', true, rules)).toMatch(/\/srv\/storage belongs to the node/);
    expect(hostPathProblem('/srv/www', true, rules)).toBeNull();
  });

  // A pod that mounts /data/a writable can turn /data/a/x into a link to /, which the node follows when
  // it mounts /data/a/x: only the folders directly in a writable prefix may be mounted.
  it.each([
    ['/data/a/x', false, '/data/a'],
    ['/data/a/x', true, '/data/a'],
    ['/var/data/cache/models/v1', true, '/var/data/cache'],
    ['/data//a/./x/', true, '/data/a'],
  ])('refuses %s (read-only: %s), below a folder tenants may write', (path, readOnly, folder) => {
    expect(hostPathProblem(path, readOnly, RULES)).toBe(
      `hostPath ${path} lies below ${folder}, a folder tenants may write (and leave a link in that the node would follow): mount ${folder} itself`,
    );
  });

  it('refuses a writable prefix itself read-write, where a tenant could replace the folders in it', () => {
    expect(hostPathProblem('/data', false, RULES)).toBe(
      'hostPath /data may only be mounted read-only (writable: the folders in it, such as /data/<name>)',
    );
    expect(hostPathProblem('/data/', true, RULES)).toBeNull();
  });
});

describe('podSpecProblems', () => {
  const confined = { allowPrivilegeEscalation: false };
  const spec = (overrides: Partial<V1PodSpec> = {}): V1PodSpec => ({
    containers: [{ name: 'app', image: 'nginx', securityContext: confined }],
    ...overrides,
  });

  it('accepts a plain pod', () => {
    expect(podSpecProblems(spec(), RULES)).toEqual([]);
  });

  it('names privileged and escalating containers, added capabilities and the node namespaces', () => {
    const problems = podSpecProblems(
      spec({
        hostNetwork: true,
        hostPID: true,
        initContainers: [
          {
            name: 'init',
            image: 'x',
            securityContext: { privileged: true, allowPrivilegeEscalation: false },
          },
        ],
        containers: [
          {
            name: 'app',
            image: 'nginx',
            securityContext: {
              allowPrivilegeEscalation: true,
              capabilities: { add: ['NET_BIND_SERVICE', 'SYS_ADMIN', 'CAP_NET_ADMIN'] },
            },
          },
        ],
      }),
      RULES,
      'Deployment web',
    );
    expect(problems).toEqual([
      'Deployment web: hostNetwork is not allowed',
      'Deployment web: hostPID is not allowed',
      'Deployment web container init: privileged containers are not allowed',
      'Deployment web container app: allowPrivilegeEscalation must be false',
      'Deployment web container app: capabilities SYS_ADMIN, CAP_NET_ADMIN may not be added',
    ]);
  });

  // Host ports stay allowed: SPEC §6 maps an application's `hostPort`, and charts get the same rules.
  it('names what else Pod Security’s baseline refuses: SELinux, seccomp and AppArmor escapes, /proc, sysctls, Windows host processes', () => {
    const problems = podSpecProblems(
      spec({
        nodeName: 'control-plane-1',
        priorityClassName: 'system-node-critical',
        securityContext: {
          seLinuxOptions: { type: 'spc_t' },
          seccompProfile: { type: 'Unconfined' },
          sysctls: [
            { name: 'net.ipv4.tcp_syncookies', value: '1' },
            { name: 'kernel.msgmax', value: '1' },
          ],
        },
        containers: [
          {
            name: 'app',
            image: 'nginx',
            ports: [{ containerPort: 80, hostPort: 80 }],
            securityContext: {
              allowPrivilegeEscalation: false,
              procMount: 'Unmasked',
              appArmorProfile: { type: 'Unconfined' },
              seLinuxOptions: { user: 'system_u', type: 'container_t' },
              windowsOptions: { hostProcess: true },
            },
          },
        ],
      }),
      RULES,
      'Deployment web',
    );
    expect(problems).toEqual([
      'Deployment web: nodeName is not allowed',
      "Deployment web: priority class system-node-critical is the cluster's own",
      'Deployment web: SELinux type spc_t is not allowed',
      'Deployment web: seccompProfile Unconfined is not allowed',
      'Deployment web: sysctls kernel.msgmax are not allowed',
      'Deployment web container app: SELinux user and role may not be set',
      'Deployment web container app: appArmorProfile Unconfined is not allowed',
      'Deployment web container app: Windows host processes are not allowed',
      'Deployment web container app: procMount Unmasked is not allowed',
    ]);
    expect(
      podSpecProblems(
        spec({
          securityContext: { seccompProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { level: 's0:c1' } },
          // A chart's null is Kubernetes' unset.
          containers: [
            {
              name: 'app',
              image: 'nginx',
              securityContext: { ...confined, procMount: null as unknown as string },
            },
          ],
        }),
        RULES,
      ),
    ).toEqual([]);
  });

  it("refuses probes and lifecycle hooks that name a host (the node would connect to it), not those on the pod's own address", () => {
    const container = {
      name: 'app',
      image: 'x',
      securityContext: confined,
      livenessProbe: { httpGet: { host: '127.0.0.1', port: 10248, path: '/healthz' } },
      readinessProbe: { tcpSocket: { host: '169.254.169.254', port: 80 } },
      startupProbe: { httpGet: { host: '', port: 8080 } },
      lifecycle: {
        preStop: { httpGet: { host: 'kubernetes.default', port: 443 } },
        postStart: { tcpSocket: { port: 80 } },
      },
    };
    expect(podSpecProblems(spec({ containers: [container] }), RULES)).toEqual([
      'pod container app: livenessProbe may not name a host (the node would connect to it)',
      'pod container app: readinessProbe may not name a host (the node would connect to it)',
      'pod container app: lifecycle.preStop may not name a host (the node would connect to it)',
    ]);
  });

  it("refuses tolerating every taint or the control plane's, not other taints", () => {
    const containers = [{ name: 'app', image: 'x', securityContext: confined }];
    const tolerating = (tolerations: unknown[]) =>
      podSpecProblems(spec({ containers, tolerations: tolerations as V1PodSpec['tolerations'] }), RULES);
    expect(
      tolerating([
        { operator: 'Exists' },
        { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node-role.kubernetes.io/master', operator: 'Exists' },
        { key: 'CriticalAddonsOnly', operator: 'Equal', value: 'true', effect: 'NoExecute' },
      ]),
    ).toEqual([
      'pod: may not tolerate every taint',
      'pod: may not tolerate the taint node-role.kubernetes.io/control-plane',
      'pod: may not tolerate the taint node-role.kubernetes.io/master',
      'pod: may not tolerate the taint CriticalAddonsOnly',
    ]);
    expect(
      tolerating([
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ]),
    ).toEqual([]);
  });

  it('judges a host path volume by how every container mounts it', () => {
    const volumes = [{ name: 'models', hostPath: { path: '/opt/models' } }];
    const mounted = (readOnly: boolean) => ({
      name: 'app',
      image: 'x',
      securityContext: confined,
      volumeMounts: [{ name: 'models', mountPath: '/m', readOnly }],
    });
    expect(podSpecProblems(spec({ volumes, containers: [mounted(true)] }), RULES)).toEqual([]);
    expect(
      podSpecProblems(
        spec({ volumes, containers: [mounted(true), { ...mounted(false), name: 'b' }] }),
        RULES,
      ),
    ).toEqual([
      'pod volume models: hostPath /opt/models may only be mounted read-only (writable under /data, /var/data)',
    ]);
  });

  it('requires allowPrivilegeEscalation: false, which Kubernetes does not default to', () => {
    expect(podSpecProblems(spec({ containers: [{ name: 'app', image: 'x' }] }), RULES)).toEqual([
      'pod container app: allowPrivilegeEscalation must be false',
    ]);
  });

  it('allows only volume sources that stay within the namespace, naming the others', () => {
    const volumes = [
      { name: 'scratch', emptyDir: {} },
      { name: 'config', configMap: { name: 'c' } },
      { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'share', nfs: { server: '10.0.0.5', path: '/' } },
      { name: 'repo', gitRepo: { repository: 'https://example.com/x.git' } },
      { name: 'driver', csi: { driver: 'any.csi.k8s.io' } },
      {
        name: 'pinned',
        ephemeral: { volumeClaimTemplate: { spec: { volumeName: 'someone-elses-pv' } } },
      },
    ] as V1PodSpec['volumes'];
    expect(podSpecProblems(spec({ volumes }), RULES)).toEqual([
      'pod volume share: nfs volumes are not allowed',
      'pod volume repo: gitRepo volumes are not allowed',
      'pod volume driver: csi volumes are not allowed',
      'pod volume pinned: may not claim a given persistent volume (volumeName)',
    ]);
  });

  it('names fields a chart rendered with the wrong shape instead of failing on them', () => {
    const malformed = {
      containers: 'app',
      initContainers: [
        {
          name: 'init',
          image: 'x',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { add: 'ALL' } },
        },
      ],
      volumes: [{ name: 'host', hostPath: {} }],
    } as unknown as V1PodSpec;
    expect(podSpecProblems(malformed, RULES)).toEqual([
      'pod: needs a list of containers',
      'pod container init: capabilities.add must be a list',
      'pod volume host: hostPath needs a path',
    ]);
  });
});
