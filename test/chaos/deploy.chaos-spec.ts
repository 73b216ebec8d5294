import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { FakeCluster } from '../fake-kube';
import { createApp, DEPLOY_TEST_ENV, deployment, deploymentByName, startClusters } from '../support/deploys';
import { eventually } from '../support/eventually';
import { approvedBusiness, auth, loginAdmin, TestBusiness } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { buildServer, killWorker, startWorker } from '../support/worker-process';
import { ClusterGate } from './cluster-gate';
import { PrivateServer, startPrivatePostgres, startPrivateRedis } from './private-services';

/**
 * Chaos (issue #14): a deployment keeps its promises (SPEC §7) while what carries it fails under it. The
 * API runs in this process, the workers in separate processes as production runs them, on a PostgreSQL
 * and a Redis of the suite's own that it kills with SIGKILL and starts again. Each deployment ends with
 * the right status, one workload per cluster, one software-deployment record per cluster and action; and
 * while a dependency is down the API answers 503 at once instead of hanging.
 */

/** How long an answer may take while a dependency is down: a hang would be the client's 5 s timeout. */
const ANSWER_WITHIN_MS = 5_000;

interface ClusterRow {
  clusterName: string;
  status: string;
}

describe('chaos: deployments while a worker, Redis, PostgreSQL or a cluster fails', () => {
  let redis: PrivateServer;
  let postgres: PrivateServer;
  let t: TestApp;
  let direct: FakeCluster[];
  let gate: ClusterGate;
  let business: TestBusiness;
  const workers: ChildProcess[] = [];
  const namespace = () => `ns${business.id}`;
  const token = () => business.admin.token;
  const worker = () => workers[workers.length - 1];

  // Kept as a promise, so that afterAll stops servers whose start outlived a timed-out beforeAll.
  let servers: Promise<[PrivateServer, PrivateServer]> | undefined;

  beforeAll(async () => {
    buildServer();
    servers = Promise.all([startPrivateRedis(), startPrivatePostgres()]);
    [redis, postgres] = await servers;
    t = await startTestApp({
      ...DEPLOY_TEST_ENV,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      PROCESS_ROLE: 'api',
      DEPLOY_TIMEOUT_SECONDS: '10',
    });
    workers.push(startWorker(t.env));
    const [a, b, c] = await startClusters(['chaos-a', 'chaos-b', 'chaos-c']);
    direct = [a, b];
    // chaos-c is reached through a gate that can black-hole it.
    gate = await ClusterGate.start(c);
    const admin = await loginAdmin(t);
    for (const { name, kubeconfig } of [a, b, gate]) {
      await t.api().post('/v1/cluster').set(auth(admin)).send({ clusterName: name, kubeconfig }).expect(200);
    }
    business = await approvedBusiness(t);
    await createApp(t, token(), { appName: 'chaos', isHPA: false });
    // Room for a build of dist/ on a busy machine (none in CI, where dist/ is fresh).
  }, 240_000);

  afterAll(async () => {
    for (const child of workers) await killWorker(child);
    await t?.close();
    await gate?.stop();
    await Promise.all([...(direct ?? []), gate?.cluster].map((cluster) => cluster?.stop()));
    await Promise.all((await servers?.catch(() => undefined))?.map((server) => server.stop()) ?? []);
  });

  afterEach(async () => {
    // A scenario that failed half-way leaves nothing down for the next one.
    gate?.setMode('open');
    await Promise.all([redis?.restart(), postgres?.restart()]);
    // Every scenario ends with a live worker: one that died of a dependency's failure is a finding.
    expect(worker().exitCode).toBeNull();
    expect(worker().signalCode).toBeNull();
  });

  /** Approves a deployment of chaos 1.2 to every cluster and returns its id. */
  async function deploy(deployName: string): Promise<number> {
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(token()))
      .send({ deployName, appName: 'chaos', version: '1.2', cluster: 'all', nodeLabel: 'all', comment: '' })
      .expect(200);
    return (await deploymentByName(t, token(), deployName)).id;
  }

  /** The two clusters that always answer have the workload: the fan-out is under way. */
  const directClustersApplied = (deployName: string) =>
    eventually(
      async () => direct.every((cluster) => cluster.get('apps/v1', 'Deployment', namespace(), deployName)),
      Boolean,
      { what: `${deployName} applied to chaos-a and chaos-b` },
    );

  const waitForStatus = (id: number, status: number, timeoutMs = 60_000) =>
    eventually(
      () => deployment(t, token(), id).catch(() => undefined),
      (row) => row?.status === status,
      { timeoutMs, what: `deployment ${id} status ${status}` },
    );

  /** An API request with a valid token, and the readiness probe, both answer 503 quickly. */
  async function expectUnavailable(): Promise<void> {
    for (const send of [() => t.api().get('/v1/deploy').set(auth(token())), () => t.api().get('/readyz')]) {
      const started = Date.now();
      const response = await send().timeout(ANSWER_WITHIN_MS);
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 503, code: 503 });
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    }
  }

  /** One workload and one create of it on every cluster, and one CREATE record per cluster, complete. */
  async function expectOneOfEverything(id: number, deployName: string): Promise<void> {
    for (const cluster of [...direct, gate.cluster]) {
      expect(
        cluster.list('apps/v1', 'Deployment', namespace()).filter((o) => o.metadata.name === deployName),
      ).toHaveLength(1);
      // Server-side apply creates with a PATCH that answers 201 the first time only.
      const creates = cluster.requestLog.filter(
        (entry) =>
          entry.method === 'PATCH' &&
          entry.path.split('?')[0] === `/apis/apps/v1/namespaces/${namespace()}/deployments/${deployName}` &&
          entry.status === 201,
      );
      expect(creates).toHaveLength(1);
    }
    const db = new Client({ connectionString: postgres.url });
    await db.connect();
    try {
      // A record may be finished a moment after the roll-up said 5 (seen in deploy-crash too); one that
      // stays IN_PROGRESS, is missing or is doubled fails here.
      const records = await eventually(
        async () =>
          (
            await db.query<{ cluster_id: string; action: string; status: string }>(
              `SELECT cluster_id, action, status FROM software_deployments WHERE deployment_id = $1`,
              [id],
            )
          ).rows,
        (rows) => rows.length >= 3 && rows.every((row) => row.status !== 'IN_PROGRESS'),
        { timeoutMs: 10_000, what: `${deployName}'s records finished` },
      );
      expect(records).toHaveLength(3);
      expect(new Set(records.map((row) => row.cluster_id)).size).toBe(3);
      expect(records.map((row) => [row.action, row.status])).toEqual(Array(3).fill(['CREATE', 'COMPLETE']));
    } finally {
      await db.end();
    }
  }

  it('kill -9 of the worker mid fan-out: a new worker finishes it (5)', async () => {
    gate.setMode('black-hole');
    const id = await deploy('killed');
    await directClustersApplied('killed');
    // chaos-c's apply is in flight or waiting to be retried when the worker dies.
    await killWorker(worker());
    expect((await deployment(t, token(), id)).status).not.toBe(5);
    gate.setMode('open');
    workers.push(startWorker(t.env));
    await waitForStatus(id, 5);
    await expectOneOfEverything(id, 'killed');
  });

  it('a black-holed cluster (accepts, never answers): the others finish, the API answers, 6 with it offline, then 5', async () => {
    gate.setMode('black-hole');
    const id = await deploy('blackhole');
    await directClustersApplied('blackhole');
    const started = Date.now();
    await t.api().get('/v1/deploy').set(auth(token())).timeout(ANSWER_WITHIN_MS).expect(200);
    expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    const partial = await waitForStatus(id, 6);
    expect(
      Object.fromEntries(partial.clusters.map((row: ClusterRow) => [row.clusterName, row.status])),
    ).toEqual({ 'chaos-a': 'running', 'chaos-b': 'running', 'chaos-c': 'offline' });
    gate.setMode('open');
    await waitForStatus(id, 5);
    await expectOneOfEverything(id, 'blackhole');
  });

  it('Redis killed and restarted empty during a deployment: 503 while it is down, then 5', async () => {
    gate.setMode('black-hole');
    const id = await deploy('redis');
    await directClustersApplied('redis');
    await redis.kill();
    await expectUnavailable();
    gate.setMode('open');
    await redis.restart();
    await waitForStatus(id, 5);
    await expectOneOfEverything(id, 'redis');
  });

  it('PostgreSQL killed and restarted during a deployment: 503 while it is down, then 5', async () => {
    gate.setMode('black-hole');
    const id = await deploy('postgres');
    await directClustersApplied('postgres');
    await postgres.kill();
    await expectUnavailable();
    gate.setMode('open');
    await postgres.restart();
    await waitForStatus(id, 5);
    await expectOneOfEverything(id, 'postgres');
  });
});
