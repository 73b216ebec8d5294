import { AppVersion, PackageStatus } from '../app/app-version';
import { renderWorkload } from './workload';
import { seedApp } from '../../test/support/seed-app';

const app: AppVersion = {
  ...seedApp(),
  id: 1,
  businessId: 3,
  repositoryId: null,
  port: [{ port: 8080, hostPort: 9090 }, { port: 443 }],
  command: 'nginx -g "daemon off;"',
  volume: [
    { path: '/host/usr/bin', hostPath: '/usr/bin', readOnly: true },
    { path: '/data', hostPath: '/srv/data' },
  ],
  GPU: 2,
  chartId: null,
  status: PackageStatus.Available,
};
const target = { deployName: 'web', namespace: 'ns3', nodeLabel: 'gpu' };

describe('renderWorkload', () => {
  it('renders a Deployment and its HPA as SPEC §6 maps the application', () => {
    const [deployment, hpa] = renderWorkload(app, target) as any[];
    expect(deployment.kind).toBe('Deployment');
    expect(deployment.metadata).toEqual({
      name: 'web',
      namespace: 'ns3',
      labels: {
        'app.kubernetes.io/instance': 'web',
        'app.kubernetes.io/name': 'nginx1',
        'app.kubernetes.io/version': '1.2',
        'app.kubernetes.io/managed-by': 'ote-stack',
      },
    });
    // The HPA owns the replica count: the Deployment leaves it out (SPEC §6, server-side apply).
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'web' } });
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'ote-stack/gpu': 'true' });
    expect(pod.volumes).toEqual([
      { name: 'volume-0', hostPath: { path: '/usr/bin' } },
      { name: 'volume-1', hostPath: { path: '/srv/data' } },
    ]);
    expect(pod.containers[0]).toEqual({
      name: 'nginx1',
      image: 'nginx:latest',
      command: ['/bin/sh', '-c', 'nginx -g "daemon off;"'],
      ports: [{ containerPort: 8080, hostPort: 9090 }, { containerPort: 443 }],
      env: [{ name: 'NGINX_PATH', value: '/usr/share/nginx/' }],
      volumeMounts: [
        { name: 'volume-0', mountPath: '/host/usr/bin', readOnly: true },
        { name: 'volume-1', mountPath: '/data', readOnly: false },
      ],
      resources: {
        requests: { cpu: '100m', memory: '100Mi' },
        limits: { cpu: '2000m', memory: '200Mi', 'nvidia.com/gpu': '2' },
      },
      // SPEC §12: never privileged, never gaining privileges.
      securityContext: { privileged: false, allowPrivilegeEscalation: false },
    });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(20);
  });

  it('leaves out what the application does not ask for', () => {
    const plain = { ...app, command: '', GPU: 0, isHPA: false };
    const objects = renderWorkload(plain, { ...target, nodeLabel: 'all' }) as any[];
    expect(objects).toHaveLength(1);
    expect(objects[0].spec.replicas).toBe(10);
    const pod = objects[0].spec.template.spec;
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.imagePullSecrets).toBeUndefined();
    expect(pod.containers[0].command).toBeUndefined();
    expect(pod.containers[0].resources.limits).not.toHaveProperty('nvidia.com/gpu');
  });

  it('renders a DaemonSet without replicas or HPA', () => {
    const objects = renderWorkload({ ...app, deployType: 'daemonset' }, target) as any[];
    expect(objects.map((object) => object.kind)).toEqual(['DaemonSet']);
    expect(objects[0].spec.replicas).toBeUndefined();
    expect(objects[0].spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1 },
    });
  });

  it('surges a DaemonSet only when no node may be without its pod, the one strategy Kubernetes accepts then', () => {
    const [daemonSet] = renderWorkload(
      { ...app, deployType: 'daemonset', maxUnavailable: 0, maxSurge: 1 },
      target,
    ) as any[];
    expect(daemonSet.spec.updateStrategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  it('is pure: the same input renders the same objects', () => {
    expect(renderWorkload(app, target)).toEqual(renderWorkload(app, target));
  });

  it('puts the pull secret first and references it from the pods, for both kinds', () => {
    const pullCredentials = { address: 'registry.example.com', user: 'u', password: 'p' };
    for (const deployType of ['deployment', 'daemonset'] as const) {
      const objects = renderWorkload({ ...app, deployType }, { ...target, pullCredentials }) as any[];
      expect(objects[0]).toMatchObject({
        kind: 'Secret',
        type: 'kubernetes.io/dockerconfigjson',
        metadata: {
          name: 'web-pull-secret',
          namespace: 'ns3',
          labels: { 'app.kubernetes.io/instance': 'web' },
        },
      });
      expect(objects[1].spec.template.spec.imagePullSecrets).toEqual([{ name: 'web-pull-secret' }]);
    }
    const [workload] = renderWorkload(app, { ...target, pullCredentials: null }) as any[];
    expect(workload.kind).toBe('Deployment');
    expect(workload.spec.template.spec).not.toHaveProperty('imagePullSecrets');
  });
});
