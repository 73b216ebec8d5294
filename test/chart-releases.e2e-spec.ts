import { FakeCluster } from './fake-kube';
import { chartArchive, WEB_CHART } from './support/charts';
import { clusterIdOf } from './support/clusters';
import { deployment, deploymentByName, startWithClusters, waitForStatus } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, loginAdmin, TestBusiness } from './support/factories';
import { TestApp } from './support/test-app';

/**
 * SPEC §8 across what edges do to a rollout: a chart deployment's Helm release revisions per cluster
 * when a cluster leaves the targets and rejoins them, and when requests overtake each other while a
 * cluster is offline. No revision is left pending or deployed once newer work has replaced it.
 */
describe('Helm release revisions through label changes and outages', () => {
  let t: TestApp;
  let a: FakeCluster;
  let b: FakeCluster;
  let business: TestBusiness;
  let admin: string;
  let aId: string;
  let bId: string;
  const token = () => business.admin.token;

  beforeAll(async () => {
    let clusters: FakeCluster[];
    ({ t, clusters } = await startWithClusters(['rel-a', 'rel-b']));
    [a, b] = clusters;
    business = await approvedBusiness(t);
    admin = await loginAdmin(t);
    [aId, bId] = await Promise.all(['rel-a', 'rel-b'].map((name) => clusterIdOf(t, admin, name)));
    await labelA('post');
    await t
      .api()
      .post('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'shops', clusterName: ['rel-b'] })
      .expect(200);
    await t
      .api()
      .post('/v1/app/chart')
      .set(auth(token()))
      .field('appName', 'shop')
      .field('version', '1.0')
      .attach('chart', chartArchive(WEB_CHART), 'shop.tgz')
      .expect(200);
    await eventually(
      async () =>
        (await t.api().get('/v1/app?appName=shop&appNameMode=strict').set(auth(token())).expect(200)).body
          .data[0],
      (app) => app?.status === 1,
      { what: 'the chart package verified' },
    );
    await t.waitForQuietQueues();
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([a, b].map((cluster) => cluster?.stop()));
  });

  function labelA(method: 'post' | 'delete') {
    return t
      .api()
      [method]('/v1/cluster/label')
      .set(auth(admin))
      .send({ clusterLabel: 'shops', clusterName: ['rel-a'] })
      .expect(200);
  }
  /** [revision, status] of a release on one cluster, newest first. */
  const revisions = async (clusterId: string, name: string) =>
    (
      (await t.api().get(`/cce/cam/v3/clusters/${clusterId}/releases`).set(auth(token())).expect(200))
        .body as { name: string; version: number; status: string }[]
    )
      .filter((release) => release.name === name)
      .map((release) => [release.version, release.status]);
  const deploy = async (deployName: string) => {
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(token()))
      .send({ deployName, appName: 'shop', version: '1.0', cluster: 'shops', values: { greeting: 'v1' } })
      .expect(200);
    const id = (await deploymentByName(t, token(), deployName)).id as number;
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(5);
    return id;
  };
  const upgrade = (id: number, greeting: string) =>
    t
      .api()
      .post(`/v1/deploy/id/${id}`)
      .set(auth(token()))
      .send({ version: '1.0', values: { greeting } })
      .expect(200);
  /** An upgrade while rel-b is down: its attempt there begins `revision`, and the rollout settles as 6 without it. */
  const upgradeWhileBIsDown = async (id: number, name: string, greeting: string, revision: number) => {
    await upgrade(id, greeting);
    await eventually(
      () => revisions(bId, name),
      (rows) => rows.length === revision,
      { what: `revision ${revision} begun on rel-b` },
    );
    expect((await waitForStatus(t, token(), id, [5, 6, 7, 8])).status).toBe(6);
  };
  const settledOn = (id: number, clusters: number) =>
    eventually(
      () => deployment(t, token(), id),
      (row) =>
        row.status === 5 &&
        row.clusters.length === clusters &&
        row.clusters.every((cluster: { status: string }) => cluster.status === 'running'),
      { what: `deployment ${id} running on ${clusters} clusters` },
    );

  it('a cluster that leaves the targets and rejoins them under one request runs a new revision', async () => {
    const id = await deploy('rejoin');
    await labelA('delete');
    await settledOn(id, 1);
    await t.waitForQuietQueues();
    expect(await revisions(aId, 'rejoin')).toEqual([[1, 'UNINSTALLED']]);
    await labelA('post');
    await settledOn(id, 2);
    await t.waitForQuietQueues();
    expect(await revisions(aId, 'rejoin')).toEqual([
      [2, 'DEPLOYED'],
      [1, 'UNINSTALLED'],
    ]);
  });

  it('two upgrades while a cluster is offline: on its return the latest is deployed, the one it never finished failed', async () => {
    const id = await deploy('twice');
    await b.setMode('unreachable');
    try {
      await upgradeWhileBIsDown(id, 'twice', 'v2', 2);
      await upgradeWhileBIsDown(id, 'twice', 'v3', 3);
    } finally {
      await b.setMode('healthy');
    }
    await settledOn(id, 2);
    await t.waitForQuietQueues();
    expect(await revisions(bId, 'twice')).toEqual([
      [3, 'DEPLOYED'],
      [2, 'FAILED'],
      [1, 'SUPERSEDED'],
    ]);
  });

  it('a delete after an upgrade the offline cluster never ran leaves no revision deployed there', async () => {
    const id = await deploy('gone');
    await b.setMode('unreachable');
    try {
      await upgradeWhileBIsDown(id, 'gone', 'v2', 2);
      await t.api().delete(`/v1/deploy/id/${id}`).set(auth(token())).expect(200);
      expect((await waitForStatus(t, token(), id, [7, 8, 9])).status).toBe(9);
    } finally {
      await b.setMode('healthy');
    }
    await eventually(
      () => deployment(t, token(), id),
      (row) => row.clusters.length === 0,
      { what: 'gone removed from rel-b' },
    );
    await t.waitForQuietQueues();
    for (const clusterId of [aId, bId])
      expect(await revisions(clusterId, 'gone')).toEqual([
        [2, 'UNINSTALLED'],
        [1, 'SUPERSEDED'],
      ]);
  });
});
