import {
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  V1Container,
  V1PodSpec,
} from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/app-config';
import { FakeCluster, startFakeCluster } from './fake-kube';

// The platform's own Helm chart (deploy/helm/ote-platform), rendered with the Helm CLI that
// scripts/install-helm.js puts under .tools/bin and applied object by object to a simulated cluster.
const ROOT = path.resolve(__dirname, '..');
const CHART = path.join(ROOT, 'deploy/helm/ote-platform');
const HELM = path.join(ROOT, '.tools/bin/helm');
const NAMESPACE = 'platform';
const RELEASE = 'ote';

interface Rendered extends KubernetesObject {
  spec?: Record<string, unknown>;
}

async function render(...args: string[]): Promise<Rendered[]> {
  const { stdout } = await promisify(execFile)(HELM, [
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    '-f',
    path.join(CHART, 'ci/ci-values.yaml'),
    ...args,
  ]);
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as Rendered | null)
    .filter((obj): obj is Rendered => obj !== null);
}

const byKind = (objects: Rendered[], kind: string, name: string) => {
  const found = objects.find((obj) => obj.kind === kind && obj.metadata?.name === name);
  if (!found) throw new Error(`${kind} ${name} not rendered`);
  return found;
};
const podSpec = (workload: Rendered) => (workload.spec as { template: { spec: V1PodSpec } }).template.spec;
const envOf = (container: V1Container) => new Map((container.env ?? []).map((entry) => [entry.name, entry]));

// The Secrets an operator creates before installing: the chart only refers to them.
const SECRETS: Record<string, Record<string, string>> = {
  'ote-database': { DATABASE_URL: 'postgres://ote:pw@db.example.internal:5432/ote?sslmode=require' },
  'ote-redis': { REDIS_URL: 'rediss://:pw@cache.example.internal:6380' },
  'ote-platform-secrets': {
    JWT_SECRET: 'a-jwt-secret-of-enough-length',
    ENCRYPTION_KEY: 'ab'.repeat(32),
    ADMIN_PASSWORD: 'Admin12345',
  },
};

/** The container's environment as the kubelet would give it, secret references resolved. */
function resolveEnv(container: V1Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    env[entry.name] = ref ? SECRETS[ref.name!][ref.key] : entry.value!;
  }
  return env;
}

describe('the platform Helm chart', () => {
  let cluster: FakeCluster;
  let client: KubernetesObjectApi;
  let objects: Rendered[];
  const api = `${RELEASE}-ote-platform-api`;
  const worker = `${RELEASE}-ote-platform-worker`;
  const migrate = `${RELEASE}-ote-platform-migrate`;

  beforeAll(async () => {
    cluster = await startFakeCluster({ name: 'platform-host', nodes: 3 });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    client = KubernetesObjectApi.makeApiClient(kc);
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    for (const [name, stringData] of Object.entries(SECRETS)) {
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: NAMESPACE },
        stringData,
      } as KubernetesObject);
    }
    objects = await render();
    // Helm's order: the pre-install hook first, then the release's objects.
    const isHook = (obj: Rendered) => Boolean(obj.metadata?.annotations?.['helm.sh/hook']);
    for (const obj of [...objects.filter(isHook), ...objects.filter((obj) => !isHook(obj))]) {
      await client.create(obj);
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('renders every object into the release namespace and the cluster accepts each one', async () => {
    expect(objects.map((obj) => `${obj.kind}/${obj.metadata?.name}`).sort()).toEqual(
      [
        `Deployment/${api}`,
        `Deployment/${worker}`,
        `HorizontalPodAutoscaler/${worker}`,
        `Job/${migrate}`,
        `PodDisruptionBudget/${api}`,
        `Service/${api}`,
        `ServiceAccount/${RELEASE}-ote-platform`,
      ].sort(),
    );
    for (const obj of objects) {
      expect(obj.metadata?.namespace).toBe(NAMESPACE);
      const stored = await client.read({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: { name: obj.metadata!.name!, namespace: NAMESPACE },
      });
      expect(stored.metadata?.uid).toBeDefined();
    }
  });

  it('runs the API replicas with the api role, probes on /healthz and /readyz, behind the Service', () => {
    const deployment = byKind(objects, 'Deployment', api);
    expect(deployment.spec?.replicas).toBe(3);
    const [container] = podSpec(deployment).containers;
    expect(envOf(container).get('PROCESS_ROLE')?.value).toBe('api');
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(envOf(container).get('PORT')?.value).toBe('8080');

    const pods = cluster.list('v1', 'Pod', NAMESPACE);
    const service = byKind(objects, 'Service', api);
    const selector = (service.spec as { selector: Record<string, string> }).selector;
    const selected = pods.filter((pod) =>
      Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value),
    );
    expect(selected).toHaveLength(3);
    expect(selected.every((pod) => pod.metadata?.name?.startsWith(`${api}-`))).toBe(true);
    expect(
      selected.every((pod) => (pod as { status?: { phase?: string } }).status?.phase === 'Running'),
    ).toBe(true);
    expect((service.spec as { ports: { targetPort: string }[] }).ports[0].targetPort).toBe('http');
  });

  it('runs the workers with the worker role under an HPA that keeps them within its bounds', () => {
    const deployment = byKind(objects, 'Deployment', worker);
    // The HPA owns the replica count: the Deployment leaves it unset so that upgrades do not reset it.
    expect(deployment.spec?.replicas).toBeUndefined();
    const [container] = podSpec(deployment).containers;
    expect(envOf(container).get('PROCESS_ROLE')?.value).toBe('worker');
    expect(container.ports).toBeUndefined();

    const hpa = byKind(objects, 'HorizontalPodAutoscaler', worker);
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: worker },
      minReplicas: 2,
      maxReplicas: 6,
    });
    const stored = cluster.get('apps/v1', 'Deployment', NAMESPACE, worker) as { spec: { replicas: number } };
    expect(stored.spec.replicas).toBe(2);
  });

  it('migrates in a pre-install/pre-upgrade hook Job, so the processes do not migrate themselves', () => {
    const job = byKind(objects, 'Job', migrate);
    expect(job.metadata?.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const [container] = podSpec(job).containers;
    expect(container.command).toEqual(['node', 'dist/src/database/migrate.js']);
    expect([...envOf(container).keys()]).toEqual(['DATABASE_URL']);
    const stored = cluster.get('batch/v1', 'Job', NAMESPACE, migrate) as { status?: { succeeded?: number } };
    expect(stored.status?.succeeded).toBe(1);
    for (const name of [api, worker]) {
      const [process] = podSpec(byKind(objects, 'Deployment', name)).containers;
      expect(loadConfig(resolveEnv(process)).migrateOnStart).toBe(false);
    }
  });

  it('takes every secret from the existing Secrets by reference and gives the server a valid configuration', () => {
    for (const name of [api, worker]) {
      const [container] = podSpec(byKind(objects, 'Deployment', name)).containers;
      const env = envOf(container);
      for (const [variable, secret] of [
        ['DATABASE_URL', 'ote-database'],
        ['REDIS_URL', 'ote-redis'],
        ['JWT_SECRET', 'ote-platform-secrets'],
        ['ENCRYPTION_KEY', 'ote-platform-secrets'],
        ['ADMIN_PASSWORD', 'ote-platform-secrets'],
      ]) {
        expect(env.get(variable)).toEqual({
          name: variable,
          valueFrom: { secretKeyRef: { name: secret, key: variable } },
        });
      }
      const config = loadConfig(resolveEnv(container));
      expect(config).toMatchObject({
        processRole: name === api ? 'api' : 'worker',
        databaseUrl: SECRETS['ote-database'].DATABASE_URL,
        redisUrl: SECRETS['ote-redis'].REDIS_URL,
        // loadConfig refuses to load without both secrets; these are the referenced Secret's values.
        jwtSecret: SECRETS['ote-platform-secrets'].JWT_SECRET,
        encryptionKey: Buffer.from(SECRETS['ote-platform-secrets'].ENCRYPTION_KEY, 'hex'),
        adminPassword: 'Admin12345',
      });
    }
    // No secret value appears anywhere in what Helm stores as the release.
    const manifest = JSON.stringify(objects);
    for (const values of Object.values(SECRETS)) {
      for (const value of Object.values(values)) expect(manifest).not.toContain(value);
    }
  });

  it('runs every container as non-root, without privilege escalation, on a read-only root file system', () => {
    for (const workload of objects.filter((obj) => obj.kind === 'Deployment' || obj.kind === 'Job')) {
      const spec = podSpec(workload);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const container of spec.containers) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources?.requests).toBeDefined();
        expect(container.resources?.limits?.memory).toBeDefined();
        // The one writable place: /tmp, an emptyDir (HOME for helm's cache and config).
        expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      }
    }
  });

  it('without the hook Job the processes migrate at start; without a Secret name it refuses to render', async () => {
    const rendered = await render(
      '--set',
      'migrations.enabled=false',
      '--set',
      'worker.autoscaling.enabled=false',
    );
    expect(rendered.some((obj) => obj.kind === 'Job' || obj.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const deployment = byKind(rendered, 'Deployment', worker);
    expect(deployment.spec?.replicas).toBe(1);
    expect(loadConfig(resolveEnv(podSpec(deployment).containers[0])).migrateOnStart).toBe(true);

    await expect(render('--set', 'redis.existingSecret=')).rejects.toThrow(
      /redis\.existingSecret: name the existing Secret that holds REDIS_URL/,
    );
  });
});
