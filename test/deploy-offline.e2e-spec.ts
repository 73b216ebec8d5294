import { PlacementStore } from '../src/deploy/placement.store';
import { StatusRollup } from '../src/deploy/status-rollup.service';
import { FakeCluster } from './fake-kube';
import { clusterIdOf } from './support/clusters';
import { createApp, DEPLOY_TEST_ENV, deployment, deploymentByName, deployBody } from './support/deploys';
import { requestDeploy } from './support/deploys';
import { registerClusters, startClusters, waitForStatus } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * SPEC §7 offline clusters: a cluster down for longer than the rollout deadline never blocks the
 * others and never loses its work. When the cluster sync sees it answer again it gets the current
 * version (or loses the objects of a deleted deployment), its record is written and the deployment is
 * rolled up again.
 */

const TIMEOUT_SECONDS = 2;

interface ClusterRow {
  clusterName: string;
  status: string;
  message: string;
  since: number;
}

interface SoftwareDeployment {
  action: string;
  server_id: string;
  status: string;
  input_values: { deployName: string; version: string };
  output_values: { deploy_stdout: string; deploy_stderr: string };
}

describe('a cluster offline for longer than DEPLOY_TIMEOUT_SECONDS (SPEC §7)', () => {
  let t: TestApp;
  let up: FakeCluster;
  let down: FakeCluster;
  let business: TestBusiness;
  let downId: string;
  const ns = () => `ns${business.id}`;
  const token = () => business.admin.token;

  beforeAll(async () => {
    t = await startTestApp({ ...DEPLOY_TEST_ENV, DEPLOY_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) });
    [up, down] = await startClusters(['o-up', 'o-down']);
    await registerClusters(t, [up, down]);
    business = await approvedBusiness(t);
    await createApp(t, token(), { appName: 'edge', isHPA: false });
    await createApp(t, token(), { appName: 'edge', isHPA: false, version: '1.3', image: 'nginx:1.26' });
    await t.waitForQuietQueues();
    downId = await clusterIdOf(t, token(), 'o-down');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([up, down].map((cluster) => cluster?.stop()));
  });

  const row = (clusters: ClusterRow[], name: string) => clusters.find((entry) => entry.clusterName === name);

  async function recordsOn(deployName: string, clusterId: string): Promise<SoftwareDeployment[]> {
    const response = await t
      .api()
      .get(`/v1/${business.id}/software_deployments?server_id=${clusterId}`)
      .set(auth(token()))
      .expect(200);
    return response.body.software_deployments.filter(
      (record: SoftwareDeployment) => record.input_values?.deployName === deployName,
    );
  }

  /** The platform keeps running; the cluster stays down past the deadline its rollout would have had. */
  async function staysDownPastTheDeadline(since: number): Promise<void> {
    await eventually(
      async () => Date.now(),
      (now) => now > since + 2 * TIMEOUT_SECONDS * 1000,
      { what: 'twice the rollout deadline passed', timeoutMs: 4 * TIMEOUT_SECONDS * 1000 },
    );
  }

  async function settlesWithoutTheOfflineCluster(id: number, expected: number) {
    const settled = await waitForStatus(t, token(), id, [5, 6, 7, 8, 9], 10_000);
    expect(settled.status).toBe(expected);
    const offline = row(settled.clusters, 'o-down')!;
    expect(offline.status).toBe('offline');
    expect(offline.message).toMatch(/unreachable/);
    return settled;
  }

  const rolledUpTo = (id: number, status: number) =>
    eventually(
      () => deployment(t, token(), id),
      (current) => current.status === status,
      { timeoutMs: 20_000, what: `deployment ${id} rolled up to ${status}` },
    );

  async function deploy(deployName: string): Promise<number> {
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(token()))
      .send({ deployName, appName: 'edge', version: '1.2', cluster: 'all', nodeLabel: 'all', comment: '' })
      .expect(200);
    return (await deploymentByName(t, token(), deployName)).id;
  }

  const upgradeTo13 = (id: number) =>
    t.api().post(`/v1/deploy/id/${id}`).set(auth(token())).send({ version: '1.3', comment: '' }).expect(200);
  const imageOn = (cluster: FakeCluster, deployName: string) =>
    cluster.get('apps/v1', 'Deployment', ns(), deployName).spec.template.spec.containers[0].image;

  it('create: 6 with the row offline; on return the workload appears, a COMPLETE CREATE record, 5', async () => {
    await down.setMode('unreachable');
    const started = Date.now();
    let id: number;
    try {
      id = await deploy('off1');
      await settlesWithoutTheOfflineCluster(id, 6);
      await staysDownPastTheDeadline(started);
      // Still waiting for the cluster, not failed at the deadline it never had.
      const waiting = await deployment(t, token(), id);
      expect(waiting.status).toBe(6);
      expect(row(waiting.clusters, 'o-down')!.status).toBe('offline');
      expect(await recordsOn('off1', downId)).toMatchObject([{ action: 'CREATE', status: 'IN_PROGRESS' }]);
    } finally {
      await down.setMode('healthy');
    }
    const done = await rolledUpTo(id, 5);
    expect(row(done.clusters, 'o-down')!.status).toBe('running');
    expect(imageOn(down, 'off1')).toBe('nginx:1.25');
    const records = await recordsOn('off1', downId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ action: 'CREATE', status: 'COMPLETE' });
    expect(records[0].output_values.deploy_stderr).toMatch(/unreachable/);
    expect(records[0].output_values.deploy_stdout).toBe('deployment.apps/off1 created\n');
  });

  it("a worker that stops between a returning cluster's record and its roll-up: the job's retry rolls it up, 6 → 5", async () => {
    await down.setMode('unreachable');
    const id = await deploy('off-rollup');
    // Once the returning cluster's placement is moved to running (committed), the roll-up it asks for
    // next never happens in that run.
    const rollup = t.app.get(StatusRollup);
    const placements = t.app.get(PlacementStore);
    const rollUp = rollup.rollUp.bind(rollup);
    let stopped = false;
    const spy = jest.spyOn(rollup, 'rollUp').mockImplementation(async (deploymentId) => {
      if (deploymentId === id && !stopped && (await placements.find(id, downId))?.status === 'running') {
        stopped = true;
        throw new Error('the worker stopped here');
      }
      return rollUp(deploymentId);
    });
    try {
      try {
        await settlesWithoutTheOfflineCluster(id, 6);
      } finally {
        await down.setMode('healthy');
      }
      const done = await rolledUpTo(id, 5);
      expect(stopped).toBe(true);
      expect(row(done.clusters, 'o-down')!.status).toBe('running');
    } finally {
      spy.mockRestore();
    }
  });

  it('upgrade: the returning cluster gets the new version, a COMPLETE UPDATE record, 5', async () => {
    const id = await deploy('off2');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    await down.setMode('unreachable');
    const started = Date.now();
    try {
      await upgradeTo13(id);
      await settlesWithoutTheOfflineCluster(id, 6);
      expect(imageOn(up, 'off2')).toBe('nginx:1.26');
      await staysDownPastTheDeadline(started);
    } finally {
      await down.setMode('healthy');
    }
    const done = await rolledUpTo(id, 5);
    expect(done.version).toBe('1.3');
    expect(imageOn(down, 'off2')).toBe('nginx:1.26');
    const records = await recordsOn('off2', downId);
    expect(records.map((record) => [record.action, record.status, record.input_values.version])).toEqual([
      ['CREATE', 'COMPLETE', '1.2'],
      ['UPDATE', 'COMPLETE', '1.3'],
    ]);
  });

  it('an upgrade approved while the cluster is still down: the first request’s record there is finished as superseded, not left in progress', async () => {
    await down.setMode('unreachable');
    let id: number;
    try {
      id = await deploy('off4');
      await settlesWithoutTheOfflineCluster(id, 6);
      expect(await recordsOn('off4', downId)).toMatchObject([{ action: 'CREATE', status: 'IN_PROGRESS' }]);
      await upgradeTo13(id);
      // At once, in the approval's transaction: the first request will never run there.
      expect(await recordsOn('off4', downId)).toMatchObject([
        { action: 'CREATE', status: 'FAILED', status_reason: expect.stringMatching(/superseded/) },
      ]);
      await settlesWithoutTheOfflineCluster(id, 6);
    } finally {
      await down.setMode('healthy');
    }
    const done = await rolledUpTo(id, 5);
    expect(done.version).toBe('1.3');
    expect(imageOn(down, 'off4')).toBe('nginx:1.26');
    const records = await recordsOn('off4', downId);
    expect(
      records.map((record) => [record.action, record.status, record.input_values.version]).sort(),
    ).toEqual([
      ['CREATE', 'COMPLETE', '1.3'],
      ['CREATE', 'FAILED', '1.2'],
    ]);
  });

  it('delete: 9 with the row offline; its name stays taken; on return the objects are removed there', async () => {
    const id = await deploy('off3');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    await down.setMode('unreachable');
    const started = Date.now();
    try {
      await t.api().delete(`/v1/deploy/id/${id}`).set(auth(token())).expect(200);
      const deleted = await settlesWithoutTheOfflineCluster(id, 9);
      expect(deleted.clusters.map((entry: ClusterRow) => entry.clusterName)).toEqual(['o-down']);
      expect(up.get('apps/v1', 'Deployment', ns(), 'off3')).toBeUndefined();
      // A new deployment of that name would own the objects the returning cluster is about to delete.
      const refused = await requestDeploy(t, token(), deployBody('off3', 'edge')).expect(409);
      expect(refused.body.message).toContain('o-down');
      await staysDownPastTheDeadline(started);
    } finally {
      await down.setMode('healthy');
    }
    await eventually(
      () => deployment(t, token(), id),
      (current) => current.clusters.length === 0,
      { timeoutMs: 20_000, what: 'off3 removed from o-down' },
    );
    expect(down.get('apps/v1', 'Deployment', ns(), 'off3')).toBeUndefined();
    expect(down.list('v1', 'Pod', ns()).filter((pod) => pod.metadata.name.startsWith('off3-'))).toEqual([]);
    const records = await recordsOn('off3', downId);
    expect(records.map((record) => [record.action, record.status])).toEqual([
      ['CREATE', 'COMPLETE'],
      ['DELETE', 'COMPLETE'],
    ]);
    expect((await deployment(t, token(), id)).status).toBe(9);
  });
});
