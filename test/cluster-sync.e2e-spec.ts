import { FakeCluster, startFakeCluster } from './fake-kube';
import { registerCluster } from './support/clusters';
import { eventually } from './support/eventually';
import { auth, loginAdmin } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const SYNC_SECONDS = 1;
/** SPEC §4: ready when the last sync succeeded within three sync periods; plus room for the poll itself. */
const THREE_PERIODS_MS = 3 * SYNC_SECONDS * 1000 + 1500;

interface ClusterRow {
  clusterName: string;
  clusterId: string;
  nodeCount: number;
  isReady: boolean;
}

describe('cluster sync (CLUSTER_SYNC_SECONDS=1)', () => {
  let t: TestApp;
  let admin: string;
  let north: FakeCluster;
  let south: FakeCluster;

  beforeAll(async () => {
    [t, north, south] = await Promise.all([
      startTestApp({ CLUSTER_SYNC_SECONDS: String(SYNC_SECONDS) }),
      startFakeCluster({ name: 'north', nodes: 2 }),
      startFakeCluster({
        name: 'south',
        nodes: [
          {
            name: 'south-1',
            cpu: '4',
            memory: '8000000Ki',
            ephemeralStorage: '90000000Ki',
            internalIP: '172.20.0.1',
          },
        ],
      }),
    ]);
    admin = await loginAdmin(t);
    await registerCluster(t, admin, 'north', north);
    await registerCluster(t, admin, 'south', south);
  });
  afterAll(async () => {
    await Promise.all([north, south].filter(Boolean).map((cluster) => cluster.stop()));
    await t?.close();
  });

  const clusters = async (): Promise<Record<string, ClusterRow>> => {
    const response = await t.api().get('/v1/cluster').set(auth(admin)).expect(200);
    return Object.fromEntries(response.body.data.map((row: ClusterRow) => [row.clusterName, row]));
  };
  const nodes = async (clusterName: string) =>
    (await t.api().get(`/v1/node?clusterName=${clusterName}&pageSize=100`).set(auth(admin)).expect(200)).body;
  const nodeListings = (cluster: FakeCluster) =>
    cluster.requestLog.filter((entry) => entry.method === 'GET' && entry.path.startsWith('/api/v1/nodes'))
      .length;

  it('syncs every cluster every period', async () => {
    const before = [nodeListings(north), nodeListings(south)];
    await eventually(
      () => nodeListings(north) >= before[0] + 2 && nodeListings(south) >= before[1] + 2,
      Boolean,
      { timeoutMs: 3 * SYNC_SECONDS * 1000 + 2000, what: 'two syncs' },
    );
    const rows = await clusters();
    expect(rows.north).toMatchObject({ nodeCount: 2, isReady: true });
    expect(rows.south).toMatchObject({ nodeCount: 1, isReady: true });
  });

  it('a cluster that goes down is not ready within three sync periods, and ready again once it is back', async () => {
    await north.setMode('unreachable');
    try {
      const down = await eventually(clusters, (rows) => rows.north.isReady === false, {
        timeoutMs: THREE_PERIODS_MS,
        what: 'north not ready',
      });
      // The other cluster is unaffected, and the cluster's nodes are still known.
      expect(down.south.isReady).toBe(true);
      expect(down.north.nodeCount).toBe(2);
      // It stays not ready while it is down (several more periods).
      const listingsOfSouth = nodeListings(south);
      await eventually(() => nodeListings(south) >= listingsOfSouth + 2, Boolean, {
        timeoutMs: THREE_PERIODS_MS,
        what: 'two more syncs',
      });
      expect((await clusters()).north.isReady).toBe(false);
    } finally {
      await north.setMode('healthy');
    }
    const back = await eventually(clusters, (rows) => rows.north.isReady === true, {
      timeoutMs: THREE_PERIODS_MS,
      what: 'north ready again',
    });
    expect(back.north.nodeCount).toBe(2);
    expect(back.south.isReady).toBe(true);
  });

  it('a node added to a cluster appears after a sync, and a removed one disappears', async () => {
    south.addNode({
      name: 'south-2',
      cpu: '6',
      memory: '12000000Ki',
      ephemeralStorage: '100000000Ki',
      gpu: 1,
      internalIP: '172.20.0.2',
      operatingSystem: 'linux',
      kernelVersion: '6.6.0-edge',
    });
    const added = await eventually(
      () => nodes('south'),
      (body) => body.total === 2,
      { timeoutMs: THREE_PERIODS_MS, what: 'south-2 listed' },
    );
    expect(added.data.find((row: { nodeName: string }) => row.nodeName === 'south-2')).toEqual({
      nodeName: 'south-2',
      clusterName: 'south',
      operatingSystem: 'linux',
      kernelVersion: '6.6.0-edge',
      ip: '172.20.0.2',
      cpu: 6,
      memory: 12000000 * 1024,
      disk: 100000000 * 1024,
      gpu: 1,
      isReady: true,
    });
    expect(added.meta).toEqual({ readyNodeCount: 2 });
    expect((await clusters()).south.nodeCount).toBe(2);

    south.removeNode('south-2');
    const removed = await eventually(
      () => nodes('south'),
      (body) => body.total === 1,
      { timeoutMs: THREE_PERIODS_MS, what: 'south-2 gone' },
    );
    expect(removed.data.map((row: { nodeName: string }) => row.nodeName)).toEqual(['south-1']);
    expect((await clusters()).south.nodeCount).toBe(1);
  });

  it('a cluster whose last node is removed lists no nodes and stays ready', async () => {
    south.removeNode('south-1');
    try {
      const empty = await eventually(
        () => nodes('south'),
        (body) => body.total === 0,
        { timeoutMs: THREE_PERIODS_MS, what: 'south empty' },
      );
      expect(empty).toMatchObject({ data: [], meta: { readyNodeCount: 0 } });
      const rows = await clusters();
      expect(rows.south).toMatchObject({ nodeCount: 0, isReady: true });
      expect(rows.north.nodeCount).toBe(2);
    } finally {
      south.addNode({
        name: 'south-1',
        cpu: '4',
        memory: '8000000Ki',
        ephemeralStorage: '90000000Ki',
        internalIP: '172.20.0.1',
      });
    }
    await eventually(
      () => nodes('south'),
      (body) => body.total === 1,
      { timeoutMs: THREE_PERIODS_MS, what: 'south-1 back' },
    );
  });

  it('clusters are not ready when no worker has synced them for three periods', async () => {
    await t.restart({ PROCESS_ROLE: 'api' });
    admin = await loginAdmin(t);
    await eventually(clusters, (rows) => !rows.north.isReady && !rows.south.isReady, {
      timeoutMs: THREE_PERIODS_MS + 1000,
      what: 'stale clusters not ready',
    });
    await t.restart();
    admin = await loginAdmin(t);
    await eventually(clusters, (rows) => rows.north.isReady && rows.south.isReady, {
      timeoutMs: THREE_PERIODS_MS,
      what: 'clusters ready again with workers',
    });
  });
});
