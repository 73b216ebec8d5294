import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { FakeCluster } from './fake-kube';
import { createApp, deployment, deploymentByName, deployBody } from './support/deploys';
import { requestDeploy, startWithClusters } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, TestBusiness } from './support/factories';
import type { TestApp } from './support/test-app';
import { apiOnlyEnv, buildServer, killWorker, startWorker } from './support/worker-process';

/** Short, so that the replacement worker starts after the deadline would have passed. */
const TIMEOUT_SECONDS = 3;

describe('a worker killed in the middle of a deployment', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let business: TestBusiness;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    buildServer();
    // This process serves the API only: the deployment is carried by separate worker processes.
    ({ t, clusters } = await startWithClusters(
      ['crash-a', 'crash-b', 'crash-c'],
      apiOnlyEnv(TIMEOUT_SECONDS),
    ));
    business = await approvedBusiness(t);
    workers.push(startWorker(t.env));
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await t.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  });

  it('with one cluster down, restarted after the deadline would have passed: still 5 once the cluster returns, one workload and one record per cluster', async () => {
    const [a, b, c] = clusters;
    const namespace = `ns${business.id}`;
    await createApp(t, business.admin.token, { appName: 'sturdy', isHPA: false });
    // The business's namespaces are made by the first worker before crash-c goes away.
    await t.waitForQuietQueues();
    await c.setMode('unreachable');
    await requestDeploy(t, business.admin.token, deployBody('sturdy1', 'sturdy')).expect(200);
    const created = await deploymentByName(t, business.admin.token, 'sturdy1');

    // Two clusters applied, the third still out of reach: the fan-out is mid-way (c's job backs off).
    const approvedAt = Date.now();
    await eventually(
      async () => [a, b].every((cluster) => cluster.get('apps/v1', 'Deployment', namespace, 'sturdy1')),
      Boolean,
      { what: 'two clusters applied' },
    );
    await killWorker(workers[0]);
    expect((await deployment(t, business.admin.token, created.id)).status).not.toBe(5);

    // Nothing runs while the platform is down, longer than the rollout deadline.
    await eventually(
      async () => Date.now(),
      (now) => now > approvedAt + 2 * TIMEOUT_SECONDS * 1000,
      { what: 'the rollout deadline passed', timeoutMs: 4 * TIMEOUT_SECONDS * 1000 },
    );
    await c.setMode('healthy');
    workers.push(startWorker(t.env));
    const done = await eventually(
      () => deployment(t, business.admin.token, created.id),
      (row) => row.status === 5,
      { timeoutMs: 60_000, what: 'sturdy1 rolled up to 5 once crash-c answers' },
    );
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 6, error: 0, total: 6 });

    for (const cluster of clusters) {
      expect(cluster.list('apps/v1', 'Deployment', namespace).map((object) => object.metadata.name)).toEqual([
        'sturdy1',
      ]);
      // Server-side apply creates with a PATCH that answers 201 the first time only.
      const creates = cluster.requestLog.filter(
        (entry) =>
          entry.method === 'PATCH' &&
          entry.path.startsWith(`/apis/apps/v1/namespaces/${namespace}/deployments`) &&
          entry.status === 201,
      );
      expect(creates).toHaveLength(1);
      // The replacement worker meets crash-c for the first time, but the first one recorded that it
      // made the namespace there: it does not merge the namespace's labels again.
      const namespaceWrites = cluster.requestLog.filter(
        (entry) => entry.method !== 'GET' && entry.path.split('?')[0] === `/api/v1/namespaces/${namespace}`,
      );
      expect(namespaceWrites.map((entry) => `${entry.method} ${entry.status}`)).toEqual([]);
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
      const placements = await db.query(`SELECT status FROM placements WHERE deployment_id = $1`, [
        created.id,
      ]);
      expect(placements.rows.map((row) => row.status)).toEqual(['running', 'running', 'running']);
    } finally {
      await db.end();
    }
  });
});
