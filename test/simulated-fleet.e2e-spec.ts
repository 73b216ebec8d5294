import { registerSimulatedFleet, SimulatedFleet } from '../src/embedded/simulated-fleet';
import { FakeCluster, startFakeCluster } from './fake-kube';
import { registerCluster, syncCluster } from './support/clusters';
import { createApp, DEPLOY_TEST_ENV, deployBody, deployRunning } from './support/deploys';
import { approvedBusiness, auth, loginAdmin, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

interface ClusterRow {
  clusterName: string;
  clusterId: string;
  nodeCount: number;
  isReady: boolean;
  simulated: boolean;
}

const FLEET = ['sim-edge-1', 'sim-edge-2', 'sim-edge-3'];

describe('the quick start’s simulated edge fleet', () => {
  let t: TestApp;
  let admin: string;
  let real: FakeCluster;
  const fleets: SimulatedFleet[] = [];
  const messages: string[] = [];
  const start = async () => {
    const fleet = await registerSimulatedFleet(t.app, (message) => messages.push(message));
    fleets.push(fleet);
    return fleet;
  };

  beforeAll(async () => {
    [t, real] = await Promise.all([startTestApp(DEPLOY_TEST_ENV), startFakeCluster({ name: 'real-edge' })]);
    admin = await loginAdmin(t);
    await registerCluster(t, admin, 'real-edge', real);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([real, ...fleets].filter(Boolean).map((fleet) => fleet.stop()));
  });

  const clusters = async (): Promise<Record<string, ClusterRow>> => {
    const response = await t.api().get('/v1/cluster').set(auth(admin)).expect(200);
    return Object.fromEntries(response.body.data.map((row: ClusterRow) => [row.clusterName, row]));
  };
  const labelsOf = async (clusterName: string) =>
    (await t.api().get(`/v1/cluster/label/${clusterName}`).set(auth(admin)).expect(200)).body.data
      .map((row: { clusterLabel: string }) => row.clusterLabel)
      .sort();
  const syncAll = async () => {
    for (const row of Object.values(await clusters())) await syncCluster(t, row.clusterId);
  };

  it('registers three labelled clusters marked simulated, and says so in the log', async () => {
    const fleet = await start();
    expect(fleet.clusters.map((cluster) => cluster.name)).toEqual(FLEET);
    const rows = await clusters();
    expect(Object.keys(rows).sort()).toEqual(['real-edge', ...FLEET]);
    expect(rows['real-edge'].simulated).toBe(false);
    expect(FLEET.map((name) => [rows[name].simulated, rows[name].nodeCount])).toEqual([
      [true, 2],
      [true, 2],
      [true, 1],
    ]);
    expect(await labelsOf('sim-edge-1')).toEqual(['edge', 'gpu']);
    expect(await labelsOf('sim-edge-2')).toEqual(['edge']);
    expect(await labelsOf('sim-edge-3')).toEqual(['edge']);
    expect(messages.some((message) => /SIMULATED edge clusters.*not real Kubernetes/.test(message))).toBe(
      true,
    );
  });

  it('reports the nodes with CPU and memory, one of them with a GPU', async () => {
    const nodes = (await t.api().get('/v1/node?pageSize=100').set(auth(admin)).expect(200)).body.data.filter(
      (node: { clusterName: string }) => FLEET.includes(node.clusterName),
    );
    expect(nodes).toHaveLength(5);
    for (const node of nodes) {
      expect(node.cpu).toBeGreaterThan(0);
      expect(node.memory).toBeGreaterThan(0);
    }
    const gpuNodes = nodes.filter((node: { gpu: number }) => node.gpu > 0);
    expect(gpuNodes).toEqual([
      expect.objectContaining({ clusterName: 'sim-edge-1', nodeName: 'sim-edge-1-gpu', gpu: 1 }),
    ]);
  });

  it('the clusters are ready after a sync', async () => {
    await syncAll();
    const rows = await clusters();
    expect(FLEET.map((name) => rows[name].isReady)).toEqual([true, true, true]);
  });

  it('a second start renews the kubeconfigs of the same three clusters, without duplicates', async () => {
    const before = await clusters();
    await fleets[0].stop();
    const fleet = await start();
    await syncAll();
    const after = await clusters();
    expect(Object.keys(after).sort()).toEqual(['real-edge', ...FLEET]);
    for (const name of FLEET) {
      expect(after[name]).toMatchObject({
        clusterId: before[name].clusterId,
        simulated: true,
        isReady: true,
      });
    }
    // The new simulators, not the stopped ones, answered the sync.
    for (const cluster of fleet.clusters) {
      expect(
        cluster.requestLog.some((entry) => entry.path.startsWith('/api/v1/nodes') && entry.status === 200),
      ).toBe(true);
    }
    expect(await labelsOf('sim-edge-1')).toEqual(['edge', 'gpu']);
  });

  describe('a deployment to the fleet', () => {
    let business: TestBusiness;
    beforeAll(async () => {
      business = await approvedBusiness(t);
      await t.waitForQuietQueues();
    });

    it('runs on every cluster labelled edge (status 5)', async () => {
      await createApp(t, business.admin.token, { appName: 'hello', isHPA: false });
      await deployRunning(
        t,
        business.admin.token,
        deployBody('hello1', 'hello', { cluster: 'edge' }),
        '/v1/deploy/install',
      );
      const fleet = fleets[fleets.length - 1];
      for (const cluster of fleet.clusters) {
        expect(cluster.get('apps/v1', 'Deployment', `ns${business.id}`, 'hello1')).toMatchObject({
          status: { readyReplicas: 2 },
        });
      }
      expect(real.get('apps/v1', 'Deployment', `ns${business.id}`, 'hello1')).toBeUndefined();
    });
  });
});

describe('a real cluster named like a simulated one', () => {
  let t: TestApp;
  let real: FakeCluster;
  let fleet: SimulatedFleet | undefined;
  afterAll(async () => {
    await t?.close();
    await Promise.all([real, fleet].filter(Boolean).map((running) => running!.stop()));
  });

  it('keeps its kubeconfig and is not marked simulated', async () => {
    [t, real] = await Promise.all([startTestApp(), startFakeCluster({ name: 'sim-edge-2' })]);
    const admin = await loginAdmin(t);
    await registerCluster(t, admin, 'sim-edge-2', real);
    const messages: string[] = [];
    fleet = await registerSimulatedFleet(t.app, (message) => messages.push(message));
    const rows: ClusterRow[] = (await t.api().get('/v1/cluster').set(auth(admin)).expect(200)).body.data;
    expect(rows.map((row) => [row.clusterName, row.simulated])).toEqual([
      ['sim-edge-1', true],
      ['sim-edge-2', false],
      ['sim-edge-3', true],
    ]);
    expect(messages).toContain(
      'cluster sim-edge-2 is a registered real cluster: its simulated namesake is not registered',
    );
    const listings = () => real.requestLog.filter((entry) => entry.path.startsWith('/api/v1/nodes')).length;
    const before = listings();
    await syncCluster(t, rows[1].clusterId);
    expect(listings()).toBeGreaterThan(before);
  });
});

describe('SIMULATED_CLUSTERS=0', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('starts and registers no simulated cluster', async () => {
    t = await startTestApp({ SIMULATED_CLUSTERS: '0' });
    const messages: string[] = [];
    const fleet = await registerSimulatedFleet(t.app, (message) => messages.push(message));
    expect(fleet.clusters).toEqual([]);
    expect(messages).toEqual(['simulated clusters off (SIMULATED_CLUSTERS=0)']);
    const admin = await loginAdmin(t);
    expect((await t.api().get('/v1/cluster').set(auth(admin)).expect(200)).body).toMatchObject({
      data: [],
      total: 0,
    });
  });
});
