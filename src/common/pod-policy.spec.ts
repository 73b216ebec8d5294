import type { V1PodSpec } from '@kubernetes/client-node';
import { hostPathProblem, podSpecProblems } from './pod-policy';

const WRITABLE = ['/data', '/var/data'];

describe('hostPathProblem', () => {
  it.each([
    ['/usr/bin', true],
    ['/opt/models', true],
    ['/data/models', false],
    ['/var/data', false],
    ['/var/data/x/', false],
    ['/dev/video0', true],
    ['/dev/nvidia0', true],
    ['/database', true],
  ])('allows %s (read-only: %s)', (path, readOnly) => {
    expect(hostPathProblem(path, readOnly, WRITABLE)).toBeNull();
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
  ])('refuses %s (read-only: %s)', (path, readOnly) => {
    expect(hostPathProblem(path, readOnly, WRITABLE)).toMatch(/hostPath/);
  });
});

describe('podSpecProblems', () => {
  const spec = (overrides: Partial<V1PodSpec> = {}): V1PodSpec => ({
    containers: [{ name: 'app', image: 'nginx' }],
    ...overrides,
  });

  it('accepts a plain pod', () => {
    expect(podSpecProblems(spec(), WRITABLE)).toEqual([]);
  });

  it('names privileged and escalating containers, added capabilities and the node namespaces', () => {
    const problems = podSpecProblems(
      spec({
        hostNetwork: true,
        hostPID: true,
        initContainers: [{ name: 'init', image: 'x', securityContext: { privileged: true } }],
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
      WRITABLE,
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

  it('judges a host path volume by how every container mounts it', () => {
    const volumes = [{ name: 'models', hostPath: { path: '/opt/models' } }];
    const mounted = (readOnly: boolean) => ({
      name: 'app',
      image: 'x',
      volumeMounts: [{ name: 'models', mountPath: '/m', readOnly }],
    });
    expect(podSpecProblems(spec({ volumes, containers: [mounted(true)] }), WRITABLE)).toEqual([]);
    expect(
      podSpecProblems(
        spec({ volumes, containers: [mounted(true), { ...mounted(false), name: 'b' }] }),
        WRITABLE,
      ),
    ).toEqual([
      'pod volume models: hostPath /opt/models may only be mounted read-only (writable under /data, /var/data)',
    ]);
  });
});
