import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { FakeCluster } from './fake-kube';
import {
  createApp,
  DEPLOY_TEST_ENV,
  deploymentByName,
  registerClusters,
  startClusters,
  waitForStatus,
} from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '..');

/** A worker-only server process, as production runs one, from the compiled build. */
function startWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], {
    env: { ...process.env, ...env, PROCESS_ROLE: 'worker' },
    stdio: 'ignore',
  });
}

describe('a worker killed in the middle of a deployment', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let business: TestBusiness;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: ROOT },
    );
    // This process serves the API only: the deployment is carried by separate worker processes.
    t = await startTestApp({ ...DEPLOY_TEST_ENV, PROCESS_ROLE: 'api', DEPLOY_TIMEOUT_SECONDS: '120' });
    clusters = await startClusters(['crash-a', 'crash-b', 'crash-c']);
    await registerClusters(t, clusters);
    business = await approvedBusiness(t);
    workers.push(startWorker(t.env));
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await t.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  });

  it('is replaced by a new worker that finishes the job: status 5, one workload per cluster, each step recorded once', async () => {
    const [a, b, c] = clusters;
    const namespace = `ns${business.id}`;
    await createApp(t, business.admin.token, { appName: 'sturdy', isHPA: false });
    await c.setMode('unreachable');
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(business.admin.token))
      .send({
        deployName: 'sturdy1',
        appName: 'sturdy',
        version: '1.2',
        cluster: 'all',
        nodeLabel: 'all',
        comment: '',
      })
      .expect(200);
    const created = await deploymentByName(t, business.admin.token, 'sturdy1');

    // Two clusters applied, the third still out of reach: the job is mid-way.
    await eventually(
      async () => [a, b].every((cluster) => cluster.get('apps/v1', 'Deployment', namespace, 'sturdy1')),
      Boolean,
      { what: 'two clusters applied' },
    );
    await waitForStatus(t, business.admin.token, created.id, [4]);
    workers[0].kill('SIGKILL');
    await new Promise((resolve) => workers[0].once('exit', resolve));

    await c.setMode('healthy');
    workers.push(startWorker(t.env));
    const done = await waitForStatus(t, business.admin.token, created.id, [5, 6, 7, 8], 60_000);
    expect(done.status).toBe(5);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 6, error: 0, total: 6 });

    for (const cluster of clusters) {
      expect(cluster.list('apps/v1', 'Deployment', namespace).map((object) => object.metadata.name)).toEqual([
        'sturdy1',
      ]);
      const creates = cluster.requestLog.filter(
        (entry) =>
          entry.method === 'POST' &&
          entry.path.startsWith(`/apis/apps/v1/namespaces/${namespace}/deployments`) &&
          entry.status === 201,
      );
      expect(creates).toHaveLength(1);
    }

    const db = new Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    try {
      const records = await db.query(
        `SELECT cluster_id, action, status FROM software_deployments WHERE deployment_id = $1 ORDER BY cluster_id`,
        [created.id],
      );
      expect(records.rows).toHaveLength(3);
      expect(records.rows.every((row) => row.action === 'CREATE' && row.status === 'COMPLETE')).toBe(true);
      const versions = await db.query(`SELECT version FROM deployment_versions WHERE deployment_id = $1`, [
        created.id,
      ]);
      expect(versions.rows).toEqual([{ version: '1.2' }]);
      const placements = await db.query(`SELECT status FROM deployment_clusters WHERE deployment_id = $1`, [
        created.id,
      ]);
      expect(placements.rows.map((row) => row.status)).toEqual(['running', 'running', 'running']);
    } finally {
      await db.end();
    }
  });
});
