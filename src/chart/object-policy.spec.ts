import type { KubernetesObject } from '@kubernetes/client-node';
import { adoptObjects, objectPolicyProblems } from './object-policy';

const NS = 'ns7';
const WRITABLE = ['/data'];

const deployment = (podSpec: Record<string, unknown>, namespace?: string): KubernetesObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...(namespace ? { namespace } : {}) },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
    },
  }) as KubernetesObject;
const container = (securityContext: Record<string, unknown> = {}) => ({
  name: 'c',
  image: 'nginx',
  securityContext,
});
const problemsOf = (objects: KubernetesObject[]) =>
  objectPolicyProblems(adoptObjects(objects, NS, {}), NS, { writable: WRITABLE, denied: [] });

describe('objectPolicyProblems', () => {
  it('accepts namespaced workloads, services, config and secrets', () => {
    const objects = [
      deployment({ containers: [container()] }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { a: 'b' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web' }, stringData: { a: 'b' } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' } },
    ] as KubernetesObject[];
    expect(problemsOf(objects)).toEqual([]);
  });

  it.each([
    ['ClusterRole', 'rbac.authorization.k8s.io/v1'],
    ['ClusterRoleBinding', 'rbac.authorization.k8s.io/v1'],
    ['RoleBinding', 'rbac.authorization.k8s.io/v1'],
    ['Namespace', 'v1'],
    ['CustomResourceDefinition', 'apiextensions.k8s.io/v1'],
    ['Pod', 'v1'],
  ])('refuses a %s', (kind, apiVersion) => {
    expect(problemsOf([{ apiVersion, kind, metadata: { name: 'x' } }])).toEqual([
      `${kind} x: ${apiVersion}/${kind} may not be deployed by a business`,
    ]);
  });

  it('refuses an object in another namespace', () => {
    expect(problemsOf([deployment({ containers: [container()] }, 'kube-system')])).toEqual([
      "Deployment web: namespace kube-system is not the business's (ns7)",
    ]);
  });

  it('checks every pod template with the pod policy, CronJobs included', () => {
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '@daily',
        jobTemplate: { spec: { template: { spec: { hostNetwork: true, containers: [container()] } } } },
      },
    } as KubernetesObject;
    const writableHostPath = deployment({
      containers: [{ ...container(), volumeMounts: [{ name: 'etc', mountPath: '/x' }] }],
      volumes: [{ name: 'etc', hostPath: { path: '/etc' } }],
    });
    expect(problemsOf([deployment({ containers: [container({ privileged: true })] }), cronJob])).toEqual([
      'Deployment web container c: privileged containers are not allowed',
      'CronJob nightly: hostNetwork is not allowed',
    ]);
    expect(problemsOf([writableHostPath])).toEqual([
      'Deployment web volume etc: hostPath /etc may not be mounted (/etc belongs to the node)',
    ]);
  });

  it('refuses bad names, duplicates and Service externalIPs', () => {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { externalIPs: ['1.2.3.4'] },
    };
    expect(
      problemsOf([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
        service as KubernetesObject,
      ]),
    ).toEqual([
      'ConfigMap Bad_Name: needs a lower-case DNS name',
      'ConfigMap a: rendered twice',
      'Service web: externalIPs are not allowed',
    ]);
  });

  it('refuses ExternalName Services, ingress snippet annotations and unconfined AppArmor annotations', () => {
    const ingress = (annotations: Record<string, string>) =>
      ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', annotations },
        spec: { rules: [{ host: 'web.example' }] },
      }) as KubernetesObject;
    const apparmor = deployment({ containers: [container({ allowPrivilegeEscalation: false })] });
    (apparmor as { spec: { template: { metadata: object } } }).spec.template.metadata = {
      annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' },
    };
    expect(
      problemsOf([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'db' },
          spec: { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' },
        } as KubernetesObject,
        ingress({
          'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "x: y";',
          'nginx.org/server-snippets': 'location /x { }',
        }),
        apparmor,
      ]),
    ).toEqual([
      'Service db: ExternalName Services are not allowed',
      'Ingress web: annotations nginx.ingress.kubernetes.io/configuration-snippet, nginx.org/server-snippets are not allowed',
      'Deployment web: container.apparmor.security.beta.kubernetes.io/c: unconfined is not allowed',
    ]);
    expect(problemsOf([ingress({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' })])).toEqual([]);
  });
});

describe('adoptObjects', () => {
  it('puts objects in the namespace and labels them and their pod templates, leaving the input alone', () => {
    const original = deployment({ containers: [container()] });
    const [adopted] = adoptObjects([original], NS, { 'app.kubernetes.io/instance': 'd1' }) as any[];
    expect(adopted.metadata).toEqual({
      name: 'web',
      namespace: NS,
      labels: { 'app.kubernetes.io/instance': 'd1' },
    });
    expect(adopted.spec.template.metadata.labels).toEqual({ app: 'web', 'app.kubernetes.io/instance': 'd1' });
    expect(adopted.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(original.metadata).toEqual({ name: 'web' });
  });
});
