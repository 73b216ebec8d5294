import { DataSource } from 'typeorm';
import { Reconciler } from '../src/deploy/reconciler.service';
import { FakeCluster } from './fake-kube';
import { createApp, DEPLOY_TEST_ENV, deployment, deploymentByName } from './support/deploys';
import { registerClusters, startClusters, waitForStatus } from './support/deploys';
import { eventually } from './support/eventually';
import { gate, holdFirstPendingMove } from './support/gate';
import { approvedBusiness, auth, loginAdmin, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const imageOf = (cluster: FakeCluster, namespace: string, name: string) =>
  cluster.get('apps/v1', 'Deployment', namespace, name)?.spec.template.spec.containers[0].image;

describe('races, HPA-owned replicas and cluster removal', () => {
  let t: TestApp;
  let a: FakeCluster;
  let b: FakeCluster;
  let c: FakeCluster;
  let business: TestBusiness;
  let admin: string;
  const ns = () => `ns${business.id}`;
  const token = () => business.admin.token;

  beforeAll(async () => {
    t = await startTestApp(DEPLOY_TEST_ENV);
    [a, b, c] = await startClusters(['x-a', 'x-b', 'x-c']);
    await registerClusters(t, [a, b, c]);
    admin = await loginAdmin(t);
    business = await approvedBusiness(t);
    await createApp(t, token(), { appName: 'race', isHPA: false });
    await createApp(t, token(), { appName: 'race', isHPA: false, version: '1.3', image: 'nginx:1.26' });
    await createApp(t, token(), { appName: 'auto', isHPA: true, minReplicas: 2, maxReplicas: 20 });
    await createApp(t, token(), {
      appName: 'auto',
      isHPA: true,
      minReplicas: 2,
      maxReplicas: 20,
      version: '1.3',
      image: 'nginx:1.26',
    });
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
    await Promise.all([a, b, c].map((cluster) => cluster?.stop()));
  });

  const label = (clusterLabel: string, clusterName: string[]) =>
    t.api().post('/v1/cluster/label').set(auth(admin)).send({ clusterLabel, clusterName });

  async function deploy(deployName: string, appName: string, cluster: string): Promise<number> {
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(token()))
      .send({ deployName, appName, version: '1.2', cluster, nodeLabel: 'all', comment: '' })
      .expect(200);
    return (await deploymentByName(t, token(), deployName)).id;
  }

  /**
   * Sends `trigger` (a label change, whose reconciliation of deployment `id` is held before it takes the
   * deployment's lock), runs `meanwhile` while it is held, then lets it go and waits for the trigger.
   */
  async function whileFirstFollowHeld(
    id: number,
    trigger: () => PromiseLike<unknown>,
    meanwhile: () => PromiseLike<unknown>,
  ): Promise<void> {
    const reconciler = t.app.get(Reconciler);
    const original = reconciler.follow.bind(reconciler);
    const held = gate();
    let holding = true;
    const spy = jest.spyOn(reconciler, 'follow').mockImplementation(async (read) => {
      if (read.deployment.id === id && holding) {
        holding = false;
        held.entered();
        await held.opened;
      }
      return original(read);
    });
    try {
      // supertest sends when then() is called; the label change waits for its listeners, so it is not awaited yet.
      const triggered = Promise.resolve(trigger());
      await held.reached;
      await meanwhile();
      held.open();
      await triggered;
    } finally {
      spy.mockRestore();
      held.open();
    }
  }

  const upgrade = (id: number) =>
    t.api().post(`/v1/deploy/id/${id}`).set(auth(token())).send({ version: '1.3', comment: '' }).expect(200);

  const finalVersion = (id: number) =>
    eventually(
      () => deployment(t, token(), id),
      (row) =>
        row.status === 5 &&
        row.version === '1.3' &&
        row.clusters.every((cluster: { status: string }) => cluster.status === 'running'),
      { what: `deployment ${id} at 1.3 and 5`, timeoutMs: 20_000 },
    );

  it('an apply held between its read and its write while an upgrade lands: the stale write is refused and the upgrade runs', async () => {
    await label('held', ['x-a']).expect(200);
    const id = await deploy('held1', 'race', 'held');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);

    // B gains the label: the reconciliation's apply job for B reads request 1.2, applies it, and is held
    // just before its compare-and-set on the placement.
    const { held, spy } = holdFirstPendingMove(t, id);
    try {
      await label('held', ['x-b']).expect(200);
      await held.reached;
      expect(imageOf(b, ns(), 'held1')).toBe('nginx:1.25');
      // The user's upgrade lands while the reconciliation's job is held.
      await upgrade(id);
      held.open();
      const done = await finalVersion(id);
      expect(done.clusters.map((cluster: { clusterName: string }) => cluster.clusterName)).toEqual([
        'x-a',
        'x-b',
      ]);
    } finally {
      spy.mockRestore();
      held.open();
    }
    expect(imageOf(a, ns(), 'held1')).toBe('nginx:1.26');
    expect(imageOf(b, ns(), 'held1')).toBe('nginx:1.26');
    // Every placement works for the upgrade; the deployment takes new requests (not stuck in 4).
    const placements = await t.app.get(DataSource).query(
      `SELECT p.request_id = d.request_id AS current, p.applied_request_id = d.request_id AS applied
           FROM placements p JOIN deployments d ON d.id = p.deployment_id WHERE d.id = $1`,
      [id],
    );
    expect(placements).toEqual([
      { current: true, applied: true },
      { current: true, applied: true },
    ]);
    expect((await deployment(t, token(), id)).editable).toBe(true);
  });

  it('an apply held before its write while a delete lands: what it applied is removed with the rest', async () => {
    await label('hold3', ['x-a']).expect(200);
    const id = await deploy('held3', 'race', 'hold3');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    const { held, spy } = holdFirstPendingMove(t, id);
    try {
      // C gains the label: its apply job puts the Deployment there and is held before recording it.
      await label('hold3', ['x-c']).expect(200);
      await held.reached;
      expect(imageOf(c, ns(), 'held3')).toBe('nginx:1.25');
      await t.api().delete(`/v1/deploy/id/${id}`).set(auth(token())).expect(200);
      held.open();
      expect((await waitForStatus(t, token(), id, [7, 8, 9], 20_000)).status).toBe(9);
    } finally {
      spy.mockRestore();
      held.open();
    }
    expect(imageOf(a, ns(), 'held3')).toBeUndefined();
    expect(imageOf(c, ns(), 'held3')).toBeUndefined();
  });

  it('a reconciliation held between reading the deployment and writing its placements while an upgrade lands: it stops, the upgrade runs', async () => {
    await label('hold2', ['x-a']).expect(200);
    const id = await deploy('held2', 'race', 'hold2');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    await whileFirstFollowHeld(
      id,
      () => label('hold2', ['x-c']).expect(200),
      () => upgrade(id),
    );
    const done = await finalVersion(id);
    // The upgrade's approval placed it on every cluster carrying the label then, C included.
    expect(done.clusters.map((cluster: { clusterName: string }) => cluster.clusterName)).toEqual([
      'x-a',
      'x-c',
    ]);
    expect(imageOf(c, ns(), 'held2')).toBe('nginx:1.26');
  });

  it('of two reconciliations of one deployment (a label added, then removed), the one held longer follows the labels as they are', async () => {
    await label('flip', ['x-a']).expect(200);
    const id = await deploy('flip1', 'race', 'flip');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    await whileFirstFollowHeld(
      id,
      () => label('flip', ['x-c']).expect(200),
      () =>
        t
          .api()
          .delete('/v1/cluster/label')
          .set(auth(admin))
          .send({ clusterLabel: 'flip', clusterName: ['x-c'] })
          .expect(200),
    );
    await t.waitForQuietQueues();
    const row = await deployment(t, token(), id);
    expect(row.clusters.map((cluster: { clusterName: string }) => cluster.clusterName)).toEqual(['x-a']);
    expect(imageOf(c, ns(), 'flip1')).toBeUndefined();
  });

  it('an HPA-scaled Deployment keeps its replicas across an upgrade (server-side apply leaves them to the HPA)', async () => {
    await label('scaled', ['x-a']).expect(200);
    const id = await deploy('hpa1', 'auto', 'scaled');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    expect(a.get('apps/v1', 'Deployment', ns(), 'hpa1').spec.replicas).toBe(2);
    // The autoscaler scales the Deployment out, as its controller would through the API.
    const scaled = a.get('apps/v1', 'Deployment', ns(), 'hpa1');
    scaled.spec.replicas = 5;
    a.apply(scaled);
    await upgrade(id);
    await finalVersion(id);
    const upgraded = a.get('apps/v1', 'Deployment', ns(), 'hpa1');
    expect(upgraded.spec.template.spec.containers[0].image).toBe('nginx:1.26');
    expect(upgraded.spec.replicas).toBe(5);
  });

  it('removing a cluster a live deployment is placed on is 409 naming it; force=true forgets the placement and rolls up without it', async () => {
    await label('leaving', ['x-a', 'x-c']).expect(200);
    await c.setMode('crash');
    const id = await deploy('leave1', 'race', 'leaving');
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(6);

    const refused = await t.api().delete('/v1/cluster/x-c').set(auth(admin)).expect(409);
    expect(refused.body.message).toContain('leave1');
    expect(refused.body.message).toContain('held2');
    await t
      .api()
      .get('/v1/cluster')
      .set(auth(admin))
      .expect(200)
      .then((response) =>
        expect(response.body.data.map((row: { clusterName: string }) => row.clusterName)).toContain('x-c'),
      );

    // A forced removal that fails in the database forgets nothing: its placements go with the cluster's
    // row, in the same transaction.
    const database = t.app.get(DataSource);
    const placedOnXc = () =>
      database.query(
        `SELECT p.deployment_id FROM placements p JOIN clusters c ON c.id = p.cluster_id WHERE c.name = 'x-c'`,
      );
    const before = await placedOnXc();
    expect(before.length).toBeGreaterThan(0);
    await database.query(`CREATE FUNCTION refuse_removal() RETURNS trigger LANGUAGE plpgsql AS
                            $$ BEGIN RAISE EXCEPTION 'removal refused'; END $$`);
    await database.query(`CREATE TRIGGER refuse_removal BEFORE DELETE ON clusters
                            FOR EACH ROW EXECUTE FUNCTION refuse_removal()`);
    try {
      await t.api().delete('/v1/cluster/x-c?force=true').set(auth(admin)).expect(500);
    } finally {
      await database.query(`DROP TRIGGER refuse_removal ON clusters`);
      await database.query(`DROP FUNCTION refuse_removal()`);
    }
    expect(await placedOnXc()).toEqual(before);
    expect((await deployment(t, token(), id)).status).toBe(6);

    await t.api().delete('/v1/cluster/x-c?force=true').set(auth(admin)).expect(200);
    const after = await eventually(
      () => deployment(t, token(), id),
      (row) => row.status === 5,
      { what: 'leave1 rolled up without x-c' },
    );
    expect(after.clusters.map((cluster: { clusterName: string }) => cluster.clusterName)).toEqual(['x-a']);
    expect(JSON.parse(after.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    // The objects stay in the forgotten cluster (SPEC §4).
    expect(c.get('apps/v1', 'Deployment', ns(), 'leave1')).toBeDefined();
    await t.api().delete('/v1/cluster/x-c?force=maybe').set(auth(admin)).expect(422);
  });
});
