import { FakeCluster, startFakeCluster } from '../fake-kube';
import { registerCluster } from './clusters';
import { eventually } from './eventually';
import { auth, loginAdmin } from './factories';
import { seedApp } from './seed-app';
import { startTestApp, TestApp } from './test-app';

/** Env for deployment tests: short locks so a killed worker's job resumes quickly, syncs every second. */
export const DEPLOY_TEST_ENV = {
  JOB_LOCK_SECONDS: '2',
  CLUSTER_SYNC_SECONDS: '1',
  DEPLOY_TIMEOUT_SECONDS: '20',
};

export async function registerClusters(t: TestApp, clusters: FakeCluster[]): Promise<void> {
  const admin = await loginAdmin(t);
  for (const cluster of clusters) await registerCluster(t, admin, cluster.name, cluster);
}

export async function startClusters(names: string[], options: Parameters<typeof startFakeCluster>[0] = {}) {
  return Promise.all(names.map((name) => startFakeCluster({ nodes: 2, ...options, name })));
}

/**
 * A test app with the deployment settings (and `env` over them) and the named simulated clusters
 * registered on it.
 */
export async function startWithClusters(
  names: string[],
  env: Record<string, string> = {},
): Promise<{ t: TestApp; clusters: FakeCluster[] }> {
  const t = await startTestApp({ ...DEPLOY_TEST_ENV, ...env });
  const clusters = await startClusters(names);
  await registerClusters(t, clusters);
  return { t, clusters };
}

export const appBody = (overrides: Record<string, unknown> = {}) => ({
  ...seedApp(),
  image: 'nginx:1.25',
  replicas: 2,
  GPU: 0,
  ...overrides,
});

/** A `POST /v1/deploy` body: version 1.2 on every cluster and node, no comment, unless `overrides` say otherwise. */
export const deployBody = (deployName: string, appName: string, overrides: Record<string, unknown> = {}) => ({
  deployName,
  appName,
  version: '1.2',
  cluster: 'all',
  nodeLabel: 'all',
  comment: '',
  ...overrides,
});

/** Requests a deployment as `token` (`POST /v1/deploy`); the caller says what it expects. */
export const requestDeploy = (t: TestApp, token: string, body: object) =>
  t.api().post('/v1/deploy').set(auth(token)).send(body);

/** Decides a deployment request's audit as `token` (`PUT /v1/admin/deploy`); 1 approves, 2 disapproves. */
export const decideDeploy = (t: TestApp, token: string, auditId: number, status: number, comment: string) =>
  t.api().put('/v1/admin/deploy').set(auth(token)).send({ id: auditId, status, comment });

/** Creates an application version and waits until its package is available. */
export async function createApp(
  t: TestApp,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<number> {
  const body = appBody(overrides);
  await t.api().post('/v1/app').set(auth(token)).send(body).expect(200);
  const app = await eventually(
    async () =>
      (
        await t
          .api()
          .get(`/v1/app?appName=${body.appName}&appNameMode=strict&version=${body.version}`)
          .set(auth(token))
          .expect(200)
      ).body.data[0],
    (found) => found?.status === 1,
    { what: `package ${body.appName} ${body.version} available` },
  );
  return app.id;
}

export async function deployment(t: TestApp, token: string, id: number) {
  return (await t.api().get(`/v1/deploy/id/${id}`).set(auth(token)).expect(200)).body.data;
}

export async function deploymentByName(t: TestApp, token: string, deployName: string) {
  const list = await t.api().get('/v1/deploy?pageSize=0').set(auth(token)).expect(200);
  return list.body.data.find((row: { deployName: string }) => row.deployName === deployName);
}

/**
 * Requests a deployment as an administrator's `token` (`POST /v1/deploy`, or `path`), which needs no
 * audit, and waits until it runs (status 5); returns its row.
 */
export async function deployRunning(
  t: TestApp,
  token: string,
  body: { deployName: string },
  path = '/v1/deploy',
) {
  await t.api().post(path).set(auth(token)).send(body).expect(200);
  const created = await deploymentByName(t, token, body.deployName);
  return waitForStatus(t, token, created.id, [5]);
}

export const waitForStatus = (
  t: TestApp,
  token: string,
  id: number,
  statuses: number[],
  timeoutMs = 30_000,
) =>
  eventually(
    () => deployment(t, token, id),
    (row) => statuses.includes(row.status),
    { timeoutMs, what: `deployment ${id} status in ${statuses}` },
  );
