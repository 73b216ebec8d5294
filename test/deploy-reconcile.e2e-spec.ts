import { DataSource } from 'typeorm';
import { Reconciler } from '../src/deploy/reconciler.service';
import { EventBus } from '../src/events/event-bus';
import { JobQueueService } from '../src/queue/job-queue.service';
import { JobName, QueueName } from '../src/queue/jobs';
import { FakeCluster, startFakeCluster } from './fake-kube';
import { clusterIdOf } from './support/clusters';
import { createApp, DEPLOY_TEST_ENV, deployment, deploymentByName } from './support/deploys';
import { registerClusters, startClusters, waitForStatus } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, loginAdmin, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/** SPEC §4 (node labels, deleteDeploy) and §7 (reconciliation): deployments follow their target labels. */

interface ClusterRow {
  clusterName: string;
  status: string;
}

describe('deployments follow cluster labels, new clusters and node labels', () => {
  let t: TestApp;
  let a: FakeCluster;
  let b: FakeCluster;
  let late: FakeCluster | undefined;
  let business: TestBusiness;
  let admin: string;
  const ns = () => `ns${business.id}`;
  const instancePods = (cluster: FakeCluster, deployName: string) =>
    cluster
      .list('v1', 'Pod', ns())
      .filter((pod) => pod.metadata.labels?.['app.kubernetes.io/instance'] === deployName);
  const clusterNames = (row: { clusters: ClusterRow[] }) =>
    row.clusters.map((cluster) => cluster.clusterName);

  beforeAll(async () => {
    t = await startTestApp(DEPLOY_TEST_ENV);
    [a, b] = await startClusters(['r-a', 'r-b']);
    await registerClusters(t, [a, b]);
    admin = await loginAdmin(t);
    await t
      .api()
      .post('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'edge', clusterName: ['r-a'] })
      .expect(200);
    await t
      .api()
      .post('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'solo', clusterName: ['r-a'] })
      .expect(200);
    business = await approvedBusiness(t);
    await createApp(t, business.admin.token, { appName: 'web', isHPA: true });
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(
      [a, b, late]
        .filter((cluster): cluster is FakeCluster => Boolean(cluster))
        .map((cluster) => cluster.stop()),
    );
  });

  const create = async (body: Record<string, unknown>) => {
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(business.admin.token))
      .send({ appName: 'web', version: '1.2', cluster: 'all', nodeLabel: 'all', comment: '', ...body })
      .expect(200);
    return (await deploymentByName(t, business.admin.token, body.deployName as string)).id as number;
  };
  /** A deployment's software deployment records on one cluster, oldest first. */
  const recordsOf = async (deployName: string, clusterId: string) => {
    const response = await t
      .api()
      .get(`/v1/${business.id}/software_deployments?server_id=${clusterId}`)
      .set(auth(business.admin.token))
      .expect(200);
    return (
      response.body.software_deployments as {
        action: string;
        status: string;
        input_values: { deployName: string };
      }[]
    ).filter((record) => record.input_values?.deployName === deployName);
  };
  const settledOn = (id: number, names: string[], timeoutMs = 20_000) =>
    eventually(
      () => deployment(t, business.admin.token, id),
      (row) =>
        row.status === 5 &&
        JSON.stringify(clusterNames(row)) === JSON.stringify(names) &&
        row.clusters.every((c: ClusterRow) => c.status === 'running'),
      { timeoutMs, what: `deployment ${id} success on ${names}` },
    );

  it('a deployment to cluster label "edge" runs only where the label is, follows it to B, and leaves A when A loses it', async () => {
    const id = await create({ deployName: 'edge1', cluster: 'edge' });
    const first = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    expect(first.status).toBe(5);
    expect(clusterNames(first)).toEqual(['r-a']);
    expect(JSON.parse(first.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    expect(a.get('apps/v1', 'Deployment', ns(), 'edge1')).toBeDefined();
    expect(b.get('apps/v1', 'Deployment', ns(), 'edge1')).toBeUndefined();

    // B gains the label: the deployment reaches it too.
    await t
      .api()
      .post('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'edge', clusterName: ['r-b'] })
      .expect(200);
    const both = await settledOn(id, ['r-a', 'r-b']);
    expect(JSON.parse(both.errorMessage)).toEqual({ running: 4, error: 0, total: 4 });
    expect(both.version).toBe('1.2');
    expect(b.get('apps/v1', 'Deployment', ns(), 'edge1').metadata.labels['app.kubernetes.io/instance']).toBe(
      'edge1',
    );
    expect(b.get('autoscaling/v2', 'HorizontalPodAutoscaler', ns(), 'edge1')).toBeDefined();
    expect(instancePods(b, 'edge1')).toHaveLength(2);
    // A was left alone: still exactly one Deployment there.
    expect(
      a.list('apps/v1', 'Deployment', ns()).filter((object) => object.metadata.name === 'edge1'),
    ).toHaveLength(1);

    // A loses the label: its objects go, B keeps running.
    await t
      .api()
      .delete('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'edge', clusterName: ['r-a'] })
      .expect(200);
    const onlyB = await settledOn(id, ['r-b']);
    expect(JSON.parse(onlyB.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    expect(a.get('apps/v1', 'Deployment', ns(), 'edge1')).toBeUndefined();
    expect(a.get('autoscaling/v2', 'HorizontalPodAutoscaler', ns(), 'edge1')).toBeUndefined();
    expect(instancePods(a, 'edge1')).toEqual([]);
    expect(b.get('apps/v1', 'Deployment', ns(), 'edge1')).toBeDefined();

    // The software deployments tell the story per cluster: CREATE on A, CREATE on B, DELETE on A.
    const records = await t
      .api()
      .get(`/v1/${business.id}/software_deployments`)
      .set(auth(business.admin.token))
      .expect(200);
    const mine = records.body.software_deployments.filter(
      (record: { input_values: { deployName: string } }) => record.input_values?.deployName === 'edge1',
    );
    expect(mine.map((record: { action: string }) => record.action).sort()).toEqual([
      'CREATE',
      'CREATE',
      'DELETE',
    ]);

    // A regains the label, then loses it again, under the same request: each time is an action of its
    // own on A, with a record of its own (SPEC §9), all finished.
    const relabel = (method: 'post' | 'delete') =>
      t
        .api()
        [method]('/v1/cluster/label')
        .set(auth(admin))
        .send({ clusterLabel: 'edge', clusterName: ['r-a'] });
    await relabel('post').expect(200);
    await settledOn(id, ['r-a', 'r-b']);
    expect(instancePods(a, 'edge1')).toHaveLength(2);
    await relabel('delete').expect(200);
    await settledOn(id, ['r-b']);
    expect(a.get('apps/v1', 'Deployment', ns(), 'edge1')).toBeUndefined();
    const onA = await recordsOf('edge1', await clusterIdOf(t, admin, 'r-a'));
    expect(onA.map((record) => [record.action, record.status])).toEqual([
      ['CREATE', 'COMPLETE'],
      ['DELETE', 'COMPLETE'],
      ['CREATE', 'COMPLETE'],
      ['DELETE', 'COMPLETE'],
    ]);
  });

  it('a deployment to a label no cluster has fails (7); once a cluster gains the label it runs there (5)', async () => {
    const id = await create({ deployName: 'future1', cluster: 'future' });
    const failed = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8], 10_000);
    expect(failed).toMatchObject({ status: 7, clusters: [] });
    await t
      .api()
      .post('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'future', clusterName: ['r-b'] })
      .expect(200);
    const running = await settledOn(id, ['r-b']);
    expect(JSON.parse(running.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    expect(b.get('apps/v1', 'Deployment', ns(), 'future1')).toBeDefined();
    expect(a.get('apps/v1', 'Deployment', ns(), 'future1')).toBeUndefined();
  });

  it('a label change whose deployments were not followed (the process ended after its commit) is followed by the event sweep', async () => {
    const id = await create({ deployName: 'swept1', cluster: 'swept' });
    expect(await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8], 10_000)).toMatchObject({
      status: 7,
    });
    // The label's commit stands, its listeners never run: as if the API process ended right after it.
    const follow = jest
      .spyOn(t.app.get(Reconciler), 'onLabelsChanged')
      .mockRejectedValueOnce(new Error('the process ended'));
    await t
      .api()
      .post('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'swept', clusterName: ['r-b'] })
      .expect(200);
    expect(follow).toHaveBeenCalledTimes(1);
    follow.mockRestore();
    const undelivered = await t.app
      .get(DataSource)
      .query(`SELECT payload FROM event_outbox WHERE name = 'cluster.labels-changed'`);
    expect(undelivered).toEqual([
      { payload: { label: 'swept', clusterIds: [await clusterIdOf(t, admin, 'r-b')] } },
    ]);
    expect(await deployment(t, business.admin.token, id)).toMatchObject({ status: 7, clusters: [] });

    // The sweep every worker runs every minute (here at once, as if the minute of grace were over).
    const sweep = await t.app
      .get(JobQueueService)
      .queue(QueueName.Cluster)
      .getJobScheduler(JobName.EventsRedeliver);
    expect(sweep?.every).toBe(60_000);
    await t.app.get(DataSource).query(`UPDATE event_outbox SET deliver_after = now()`);
    expect(await t.app.get(EventBus).redeliverDue()).toBe(1);
    await settledOn(id, ['r-b']);
    expect(b.get('apps/v1', 'Deployment', ns(), 'swept1')).toBeDefined();
    expect(await t.app.get(DataSource).query(`SELECT id FROM event_outbox`)).toEqual([]);
  });

  it('a deployment to "all" (and one with an empty cluster label) reaches a cluster registered later', async () => {
    const id = await create({ deployName: 'every1', cluster: 'all' });
    await settledOn(id, ['r-a', 'r-b']);
    const emptyId = await create({ deployName: 'every2', cluster: '', nodeLabel: '' });
    await settledOn(emptyId, ['r-a', 'r-b']);

    late = await startFakeCluster({ name: 'r-late', nodes: 2 });
    await registerClusters(t, [late]);
    for (const deployId of [id, emptyId]) {
      const row = await settledOn(deployId, ['r-a', 'r-b', 'r-late']);
      expect(JSON.parse(row.errorMessage)).toEqual({ running: 6, error: 0, total: 6 });
    }
    for (const name of ['every1', 'every2']) {
      expect(
        late.list('apps/v1', 'Deployment', ns()).filter((object) => object.metadata.name === name),
      ).toHaveLength(1);
      expect(instancePods(late, name)).toHaveLength(2);
    }
    // The older clusters were not touched twice.
    expect(
      a.list('apps/v1', 'Deployment', ns()).filter((object) => object.metadata.name === 'every1'),
    ).toHaveLength(1);
  });

  it('nodeLabel puts the pods on labelled nodes only; removing the label is 409 without deleteDeploy, and deletes the deployment with it', async () => {
    await t
      .api()
      .post('/v1/node/label')
      .set(auth(admin))
      .send({ nodeLabel: 'gpu', clusterName: 'r-a', nodeName: ['node-1'] })
      .expect(200);
    expect(a.get('v1', 'Node', undefined, 'node-1').metadata.labels['ote-stack/gpu']).toBe('true');
    expect(a.get('v1', 'Node', undefined, 'node-0').metadata.labels['ote-stack/gpu']).toBeUndefined();

    const id = await create({ deployName: 'gpu1', cluster: 'solo', nodeLabel: 'gpu' });
    const done = await waitForStatus(t, business.admin.token, id, [5, 6, 7, 8]);
    expect(done).toMatchObject({ status: 5, nodeLabel: 'gpu' });
    expect(clusterNames(done)).toEqual(['r-a']);
    const workload = a.get('apps/v1', 'Deployment', ns(), 'gpu1');
    expect(workload.spec.template.spec.nodeSelector).toEqual({ 'ote-stack/gpu': 'true' });
    const pods = instancePods(a, 'gpu1');
    expect(pods).toHaveLength(2);
    expect(pods.map((pod) => pod.spec.nodeName)).toEqual(['node-1', 'node-1']);
    expect(b.get('apps/v1', 'Deployment', ns(), 'gpu1')).toBeUndefined();

    // The label is in use by a live deployment in that cluster: 409, and the Node keeps it.
    const removal = { nodeLabel: 'gpu', clusterName: 'r-a', nodeName: ['node-1'] };
    const refused = await t.api().delete('/v1/node/label').set(auth(admin)).send(removal).expect(409);
    expect(refused.body).toMatchObject({ code: 409 });
    expect(refused.body.message).toContain('gpu1');
    await t
      .api()
      .delete('/v1/node/label')
      .set(auth(admin))
      .send({ ...removal, deleteDeploy: false })
      .expect(409);
    expect(a.get('v1', 'Node', undefined, 'node-1').metadata.labels['ote-stack/gpu']).toBe('true');
    expect((await deployment(t, business.admin.token, id)).status).toBe(5);
    const labels = await t.api().get('/v1/node/label?clusterName=r-a').set(auth(admin)).expect(200);
    expect(labels.body.data).toContain('gpu');

    // With deleteDeploy the label goes and so does the deployment, with every object it made.
    await t
      .api()
      .delete('/v1/node/label')
      .set(auth(admin))
      .send({ ...removal, deleteDeploy: true })
      .expect(200);
    expect(a.get('v1', 'Node', undefined, 'node-1').metadata.labels['ote-stack/gpu']).toBeUndefined();
    const deleted = await waitForStatus(t, business.admin.token, id, [9, 7, 8]);
    expect(deleted).toMatchObject({ status: 9, deployType: 4, editable: false, clusters: [] });
    expect(a.get('apps/v1', 'Deployment', ns(), 'gpu1')).toBeUndefined();
    expect(a.get('autoscaling/v2', 'HorizontalPodAutoscaler', ns(), 'gpu1')).toBeUndefined();
    expect(instancePods(a, 'gpu1')).toEqual([]);
    const after = await t.api().get('/v1/node/label?clusterName=r-a').set(auth(admin)).expect(200);
    expect(after.body.data).not.toContain('gpu');
    // The other deployments in that cluster were not part of it.
    expect(a.get('apps/v1', 'Deployment', ns(), 'every1')).toBeDefined();
    expect((await deploymentByName(t, business.admin.token, 'every1')).status).toBe(5);
  });

  it('removing a node label that no live deployment uses needs no deleteDeploy', async () => {
    await t
      .api()
      .post('/v1/node/label')
      .set(auth(admin))
      .send({ nodeLabel: 'spare', clusterName: 'r-b', nodeName: ['node-0'] })
      .expect(200);
    await t
      .api()
      .delete('/v1/node/label')
      .set(auth(admin))
      .send({ nodeLabel: 'spare', clusterName: 'r-b', nodeName: ['node-0'] })
      .expect(200);
    expect(b.get('v1', 'Node', undefined, 'node-0').metadata.labels['ote-stack/spare']).toBeUndefined();
  });
});
