import { FakeCluster } from './fake-kube';
import { clusterIdOf, labelClusters } from './support/clusters';
import { createApp, DEPLOY_TEST_ENV, deployment, deploymentByName, deployBody } from './support/deploys';
import { requestDeploy } from './support/deploys';
import { registerClusters, startClusters, waitForStatus } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, loginAdmin, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/** SPEC §6/§7: what a deployment reports when clusters crash, cannot pull, do not answer, or do not exist. */

const BAD_IMAGE = 'registry.example/broken';

interface ClusterRow {
  clusterName: string;
  status: string;
  running: number;
  error: number;
  total: number;
  message: string;
  since: number;
}

interface SoftwareDeployment {
  id: string;
  action: string;
  server_id: string;
  status: string;
  status_reason: string;
  input_values: { deployName: string };
  output_values: { deploy_stdout: string; deploy_stderr: string; deploy_status_code: number; result: string };
}

/** Requests a deployment as `token` (every node unless `overrides` say otherwise); returns its id. */
async function deploy(
  t: TestApp,
  token: string,
  deployName: string,
  appName: string,
  overrides: Record<string, unknown>,
): Promise<number> {
  await requestDeploy(t, token, deployBody(deployName, appName, overrides)).expect(200);
  return (await deploymentByName(t, token, deployName)).id;
}

async function recordsOf(
  t: TestApp,
  business: TestBusiness,
  deployName: string,
): Promise<SoftwareDeployment[]> {
  const response = await t
    .api()
    .get(`/v1/${business.id}/software_deployments`)
    .set(auth(business.admin.token))
    .expect(200);
  return response.body.software_deployments.filter(
    (record: SoftwareDeployment) => record.input_values?.deployName === deployName,
  );
}

const byName = (rows: ClusterRow[], name: string) => rows.find((row) => row.clusterName === name);

describe('deployment failures (fast settle, DEPLOY_TEST_ENV)', () => {
  let t: TestApp;
  let healthy: FakeCluster;
  let crashA: FakeCluster;
  let crashB: FakeCluster;
  let flaky: FakeCluster;
  let all: FakeCluster[];
  let business: TestBusiness;
  const ns = () => `ns${business.id}`;

  beforeAll(async () => {
    t = await startTestApp(DEPLOY_TEST_ENV);
    [healthy, flaky] = await startClusters(['f-healthy', 'f-flaky'], { failingImages: [BAD_IMAGE] });
    [crashA, crashB] = await startClusters(['f-crash-a', 'f-crash-b'], { mode: 'crash' });
    all = [healthy, flaky, crashA, crashB];
    await registerClusters(t, all);
    await labelClusters(t, 'mixed', ['f-healthy', 'f-crash-a']);
    await labelClusters(t, 'crashing', ['f-crash-a', 'f-crash-b']);
    await labelClusters(t, 'fine', ['f-healthy']);
    await labelClusters(t, 'wobbly', ['f-healthy', 'f-flaky']);
    business = await approvedBusiness(t);
    await createApp(t, business.admin.token, { appName: 'web', isHPA: false });
    await createApp(t, business.admin.token, { appName: 'broken', isHPA: false, image: `${BAD_IMAGE}:1` });
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all((all ?? []).map((cluster) => cluster.stop()));
  });

  it('one healthy and one crashing cluster: 6 partial success, and clusters[] says which one failed and why', async () => {
    const id = await deploy(t, business.admin.token, 'mixed1', 'web', { cluster: 'mixed' });
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    expect(done.status).toBe(6);
    expect(done.editable).toBe(true);
    const counts = JSON.parse(done.errorMessage);
    expect(counts.error).toBeGreaterThan(0);
    expect(counts).toEqual({ running: 2, error: 2, total: 4 });
    expect(done.clusters).toHaveLength(2);
    expect(byName(done.clusters, 'f-healthy')).toEqual({
      clusterName: 'f-healthy',
      status: 'running',
      running: 2,
      error: 0,
      total: 2,
      message: '',
      since: expect.any(Number),
    });
    const crashed = byName(done.clusters, 'f-crash-a')!;
    expect(crashed).toMatchObject({ status: 'failed', running: 0, error: 2, total: 2 });
    expect(crashed.message).toContain('CrashLoopBackOff');

    // The per-cluster software deployment records say the same (SPEC §9).
    const records = await recordsOf(t, business, 'mixed1');
    expect(records).toHaveLength(2);
    const healthyId = await clusterIdOf(t, business.admin.token, 'f-healthy');
    const crashId = await clusterIdOf(t, business.admin.token, 'f-crash-a');
    const ok = records.find((record) => record.server_id === healthyId)!;
    const bad = records.find((record) => record.server_id === crashId)!;
    expect(ok).toMatchObject({ action: 'CREATE', status: 'COMPLETE' });
    expect(ok.output_values.deploy_status_code).toBe(0);
    expect(bad).toMatchObject({ action: 'CREATE', status: 'FAILED' });
    expect(bad.status_reason).toContain('CrashLoopBackOff');
    expect(bad.output_values.deploy_status_code).not.toBe(0);
  });

  it('every target cluster crashing: 7 failed', async () => {
    const id = await deploy(t, business.admin.token, 'crash1', 'web', { cluster: 'crashing' });
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    expect(done.status).toBe(7);
    expect(done.editable).toBe(true);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 0, error: 4, total: 4 });
    expect(done.clusters.map((row: ClusterRow) => row.clusterName)).toEqual(['f-crash-a', 'f-crash-b']);
    for (const row of done.clusters as ClusterRow[]) {
      expect(row).toMatchObject({ status: 'failed', running: 0, error: 2, total: 2 });
      expect(row.message).toContain('CrashLoopBackOff');
    }
    const records = await recordsOf(t, business, 'crash1');
    expect(records.map((record) => record.status)).toEqual(['FAILED', 'FAILED']);
  });

  it('an image the cluster cannot pull: 7 failed with ErrImagePull', async () => {
    const id = await deploy(t, business.admin.token, 'pull1', 'broken', { cluster: 'fine' });
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    expect(done.status).toBe(7);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 0, error: 2, total: 2 });
    expect(done.clusters).toHaveLength(1);
    expect(done.clusters[0]).toMatchObject({
      clusterName: 'f-healthy',
      status: 'failed',
      running: 0,
      error: 2,
      total: 2,
    });
    expect(done.clusters[0].message).toContain('ErrImagePull');
    // The objects were applied all the same: the cluster, not the platform, refused to run them.
    expect(healthy.get('apps/v1', 'Deployment', ns(), 'pull1').spec.template.spec.containers[0].image).toBe(
      `${BAD_IMAGE}:1`,
    );
  });

  it('a cluster label that no cluster carries: 7 failed at once (not at the 20 s deadline), nothing applied anywhere', async () => {
    const writesBefore = all.map(
      (cluster) => cluster.requestLog.filter((entry) => entry.method !== 'GET').length,
    );
    const id = await deploy(t, business.admin.token, 'nowhere1', 'web', { cluster: 'nosuchlabel' });
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8], 8_000);
    expect(done.status).toBe(7);
    expect(done.editable).toBe(true);
    expect(done.clusters).toEqual([]);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 0, error: 0, total: 0 });
    for (const cluster of all) expect(cluster.get('apps/v1', 'Deployment', ns(), 'nowhere1')).toBeUndefined();
    expect(all.map((cluster) => cluster.requestLog.filter((entry) => entry.method !== 'GET').length)).toEqual(
      writesBefore,
    );
  });

  it('an unreachable cluster never blocks the others: 6 with its row offline (since, next retry); once it answers, 5 with one Deployment there', async () => {
    await flaky.setMode('unreachable');
    try {
      const id = await deploy(t, business.admin.token, 'wobble1', 'web', { cluster: 'wobbly' });
      // SPEC §7: the deployment settles without the cluster that does not answer.
      const waiting = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8], 10_000);
      expect(waiting.status).toBe(6);
      expect(waiting.editable).toBe(true);
      expect(byName(waiting.clusters, 'f-healthy')!.status).toBe('running');
      const offline = byName(waiting.clusters, 'f-flaky')!;
      expect(offline.status).toBe('offline');
      expect(offline.message).toMatch(/unreachable.*next retry at \d{4}-/i);
      expect(offline.since).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(JSON.parse(waiting.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    } finally {
      await flaky.setMode('healthy');
    }
    const created = await deploymentByName(t, business.admin.token, 'wobble1');
    const done = await eventually(
      () => deployment(t, business.admin.token, created.id),
      (row) => row.status === 5,
      { timeoutMs: 20_000, what: 'wobble1 rolled up to 5 once f-flaky answers' },
    );
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 4, error: 0, total: 4 });
    const since = expect.any(Number);
    expect(done.clusters).toEqual([
      { clusterName: 'f-flaky', status: 'running', running: 2, error: 0, total: 2, message: '', since },
      { clusterName: 'f-healthy', status: 'running', running: 2, error: 0, total: 2, message: '', since },
    ]);
    // Retries did not pile up objects or records: one Deployment, its replicas' pods, one CREATE per cluster.
    const deployments = flaky
      .list('apps/v1', 'Deployment', ns())
      .filter((object) => object.metadata.name === 'wobble1');
    expect(deployments).toHaveLength(1);
    const pods = flaky
      .list('v1', 'Pod', ns())
      .filter((pod) => pod.metadata.labels?.['app.kubernetes.io/instance'] === 'wobble1');
    expect(pods).toHaveLength(2);
    const records = await recordsOf(t, business, 'wobble1');
    expect(records.map((record) => record.action)).toEqual(['CREATE', 'CREATE']);
    expect(records.every((record) => record.status === 'COMPLETE')).toBe(true);
    const flakyId = await clusterIdOf(t, business.admin.token, 'f-flaky');
    const flakyRecord = records.find((record) => record.server_id === flakyId)!;
    expect(flakyRecord.output_values.deploy_stderr).toMatch(/unreachable/i);
    expect(flakyRecord.output_values.deploy_stdout).toBe('deployment.apps/wobble1 created\n');
  });
  it('a delete that a cluster refuses for good settles as 7 with its objects there, not stuck; asked again once it accepts, 9', async () => {
    const id = await deploy(t, business.admin.token, 'refuse1', 'web', { cluster: 'wobbly' });
    expect((await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8])).status).toBe(5);
    const credentials = flaky as unknown as { token: string };
    const token = credentials.token;
    credentials.token = 'revoked';
    const workloadOn = (cluster: FakeCluster) => cluster.get('apps/v1', 'Deployment', ns(), 'refuse1');
    try {
      await t.api().delete(`/v1/deploy/id/${id}`).set(auth(business.admin.token)).expect(200);
      const refused = await waitForStatus(t, business.admin.token, id, [7, 8, 9]);
      expect(refused).toMatchObject({ status: 7, editable: true });
      expect(byName(refused.clusters, 'f-flaky')).toMatchObject({ status: 'failed' });
      expect(workloadOn(healthy)).toBeUndefined();
      expect(workloadOn(flaky)).toBeDefined();
    } finally {
      credentials.token = token;
    }
    await t.api().delete(`/v1/deploy/id/${id}`).set(auth(business.admin.token)).expect(200);
    expect((await waitForStatus(t, business.admin.token, id, [7, 8, 9])).status).toBe(9);
    expect(workloadOn(flaky)).toBeUndefined();
  });

  it('a delete refused by a cluster (7) becomes 9 once that cluster is removed with force (SPEC §4), its name free again', async () => {
    const token = business.admin.token;
    const id = await deploy(t, token, 'refuse2', 'web', { cluster: 'wobbly' });
    expect((await waitForStatus(t, token, id, [5, 6, 7, 8])).status).toBe(5);
    const credentials = flaky as unknown as { token: string };
    const kept = credentials.token;
    credentials.token = 'revoked';
    try {
      await t.api().delete(`/v1/deploy/id/${id}`).set(auth(token)).expect(200);
      expect((await waitForStatus(t, token, id, [7, 8, 9])).status).toBe(7);
    } finally {
      credentials.token = kept;
    }
    // The last test of this block: f-flaky leaves the platform.
    await t
      .api()
      .delete('/v1/cluster/f-flaky?force=true')
      .set(auth(await loginAdmin(t)))
      .expect(200);
    const rolledUp = await eventually(
      () => deployment(t, token, id),
      (row) => row.status !== 7,
      { timeoutMs: 15_000, what: 'refuse2 rolled up without f-flaky' },
    );
    expect(rolledUp.status).toBe(9);
    // The name is free again: a new deployment of it runs.
    await requestDeploy(t, token, deployBody('refuse2', 'web', { cluster: 'fine' })).expect(200);
    const list = await t.api().get('/v1/deploy?pageSize=0').set(auth(token)).expect(200);
    const again = (list.body.data as { id: number; deployName: string }[]).find(
      (row) => row.deployName === 'refuse2' && row.id !== id,
    );
    expect((await waitForStatus(t, token, again!.id, [5, 6, 7, 8])).status).toBe(5);
  });
});

describe('deployment failures that need the rollout deadline (DEPLOY_TIMEOUT_SECONDS=3)', () => {
  let t: TestApp;
  let cluster: FakeCluster;
  let business: TestBusiness;

  beforeAll(async () => {
    t = await startTestApp({ ...DEPLOY_TEST_ENV, DEPLOY_TIMEOUT_SECONDS: '3' });
    [cluster] = await startClusters(['t-only']);
    await registerClusters(t, [cluster]);
    await labelClusters(t, 'present', ['t-only']);
    business = await approvedBusiness(t);
    await createApp(t, business.admin.token, { appName: 'web', isHPA: false });
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('a cluster that stops answering after the apply does not hold the rollout past its deadline: offline and settled; back, judged', async () => {
    const token = business.admin.token;
    const id = await deploy(t, token, 'silent1', 'web', { cluster: 'present', nodeLabel: 'nonode' });
    await eventually(
      () => deployment(t, token, id),
      (row) => row.clusters[0]?.status === 'applied',
      { what: 'silent1 applied, its pods pending' },
    );
    await cluster.setMode('unreachable');
    try {
      const settled = await waitForStatus(t, token, id, [5, 6, 7, 8], 15_000);
      expect(settled.status).toBe(7);
      expect(settled.clusters[0]).toMatchObject({ status: 'offline' });
      expect(settled.clusters[0].message).toMatch(/rollout deadline/);
    } finally {
      await cluster.setMode('healthy');
    }
    const judged = await eventually(
      () => deployment(t, token, id),
      (row) => row.clusters[0]?.status === 'failed',
      { timeoutMs: 20_000, what: 'silent1 judged once t-only answers' },
    );
    expect(judged.status).toBe(7);
    // Applied again on its return for the same request: the one CREATE record, finished by that apply.
    const records = await recordsOf(t, business, 'silent1');
    expect(records.map((record) => [record.action, record.status])).toEqual([['CREATE', 'FAILED']]);
  });

  it('a cluster that refuses the platform’s credentials at the deadline fails the rollout there: 7, its record finished', async () => {
    const id = await deploy(t, business.admin.token, 'revoked1', 'web', {
      cluster: 'present',
      nodeLabel: 'nonode',
    });
    await eventually(
      () => deployment(t, business.admin.token, id),
      (row) => row.clusters[0]?.status === 'applied',
      { what: 'revoked1 applied, waiting for pods' },
    );
    const token = cluster.token;
    cluster.token = 'revoked';
    try {
      const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8], 30_000);
      expect(done).toMatchObject({ status: 7, editable: true });
      expect(done.clusters[0].status).toBe('failed');
      expect(done.clusters[0].message).toMatch(/at the rollout deadline/);
      const records = await recordsOf(t, business, 'revoked1');
      expect(records).toMatchObject([{ action: 'CREATE', status: 'FAILED' }]);
    } finally {
      cluster.token = token;
    }
  });

  it('pods that never start (no node carries the node label) fail the rollout at the deadline: 7', async () => {
    const id = await deploy(t, business.admin.token, 'stuck1', 'web', {
      cluster: 'present',
      nodeLabel: 'nonode',
    });
    const deploying = await waitForStatus(t, business.admin.token, id, [4, 5, 6, 7, 8], 10_000);
    expect(deploying.status).not.toBe(5);
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8], 15_000);
    expect(done.status).toBe(7);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 0, error: 0, total: 2 });
    const pods = cluster
      .list('v1', 'Pod', `ns${business.id}`)
      .filter((pod) => pod.metadata.labels?.['app.kubernetes.io/instance'] === 'stuck1');
    expect(pods.map((pod) => pod.status.phase)).toEqual(['Pending', 'Pending']);
    const records = await recordsOf(t, business, 'stuck1');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ action: 'CREATE', status: 'FAILED' });
    expect(records[0].status_reason).toMatch(/deadline/);
  });
});
