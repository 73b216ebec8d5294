import { QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { ClusterProcessor } from '../src/cluster/cluster.processor';
import { JobQueueService } from '../src/queue/job-queue.service';
import { JobName, QueueName } from '../src/queue/jobs';
import { FakeCluster, startFakeCluster } from './fake-kube';
import {
  auditBusiness,
  clusterIdOf,
  namespacesOf,
  pendingBusinessId,
  registerCluster,
} from './support/clusters';
import { eventually } from './support/eventually';
import { approvedBusiness, loginAdmin } from './support/factories';
import { startTestApp, TEST_REDIS_URL, TestApp } from './support/test-app';

const SYNC_SECONDS = 1;
const A_FEW_PERIODS_MS = 5 * SYNC_SECONDS * 1000;

describe('business namespaces in every cluster (SPEC §3)', () => {
  let t: TestApp;
  let admin: string;
  let east: FakeCluster;
  let west: FakeCluster;
  let late: FakeCluster;
  const approved: number[] = [];
  const notApproved: number[] = [];

  beforeAll(async () => {
    [t, east, west, late] = await Promise.all([
      startTestApp({ CLUSTER_SYNC_SECONDS: String(SYNC_SECONDS) }),
      startFakeCluster({ name: 'east', nodes: 1 }),
      startFakeCluster({ name: 'west', nodes: 1 }),
      startFakeCluster({ name: 'late', nodes: 1 }),
    ]);
    admin = await loginAdmin(t);
    await registerCluster(t, admin, 'east', east);
    await registerCluster(t, admin, 'west', west);
  });
  afterAll(async () => {
    await Promise.all([east, west, late].filter(Boolean).map((cluster) => cluster.stop()));
    await t?.close();
  });

  const has = (cluster: FakeCluster, businessId: number) => namespacesOf(cluster).includes(`ns${businessId}`);
  const nodeListings = (cluster: FakeCluster) =>
    cluster.requestLog.filter(
      (entry) => entry.method === 'GET' && entry.path.startsWith('/api/v1/nodes') && entry.status === 200,
    ).length;
  /** Waits for `count` more successful node syncs of each cluster (each one also runs the namespace repair). */
  const syncs = async (clusters: FakeCluster[], count = 2) => {
    const before = clusters.map(nodeListings);
    await eventually(
      () => clusters.every((cluster, index) => nodeListings(cluster) >= before[index] + count),
      Boolean,
      { timeoutMs: 5 * count * 1000, what: 'syncs' },
    );
  };

  it('approval creates ns<id> in every registered cluster, and nowhere else', async () => {
    const business = await approvedBusiness(t);
    approved.push(business.id);
    await eventually(() => has(east, business.id) && has(west, business.id), Boolean, {
      timeoutMs: A_FEW_PERIODS_MS,
      what: `ns${business.id} in east and west`,
    });
    const namespace = east.get('v1', 'Namespace', undefined, `ns${business.id}`);
    expect(namespace.metadata.name).toBe(`ns${business.id}`);
    expect(namespace.status?.phase ?? 'Active').toBe('Active');
    expect(has(late, business.id)).toBe(false);
  });

  it('pending and disapproved businesses get no namespace', async () => {
    const pending = await pendingBusinessId(t);
    const disapproved = await pendingBusinessId(t);
    await auditBusiness(t, disapproved, 2);
    notApproved.push(pending, disapproved);
    // Two full syncs of each cluster, each one repairing missing namespaces, and nothing left queued.
    await syncs([east, west]);
    await t.waitForQuietQueues();
    for (const cluster of [east, west]) {
      for (const id of notApproved) expect(has(cluster, id)).toBe(false);
      expect(has(cluster, approved[0])).toBe(true);
    }
  });

  it('a cluster that is down at approval gets the namespace once it is back, without a second approval', async () => {
    const westId = await clusterIdOf(t, admin, 'west');
    const queue = t.app.get(JobQueueService).queue(QueueName.Cluster);
    const westJob = async (businessId: number) =>
      (await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'])).find(
        (job) =>
          job?.name === JobName.NamespaceEnsure &&
          job.data.businessId === businessId &&
          job.data.clusterId === westId,
      );

    await west.setMode('unreachable');
    let businessId: number;
    try {
      businessId = await pendingBusinessId(t);
      await auditBusiness(t, businessId, 1);
      approved.push(businessId);
      await eventually(() => has(east, businessId), Boolean, {
        timeoutMs: A_FEW_PERIODS_MS,
        what: 'namespace in east',
      });
      // The job for west keeps failing and backs off; let it back off a few times (several seconds between tries).
      await eventually(
        async () => (await westJob(businessId))?.attemptsMade ?? 0,
        (attempts) => attempts >= 4,
        { timeoutMs: 20_000, what: 'four failed attempts on west' },
      );
    } finally {
      await west.setMode('healthy');
    }
    const back = Date.now();
    await eventually(() => has(west, businessId), Boolean, {
      timeoutMs: A_FEW_PERIODS_MS,
      what: `ns${businessId} in west once it is back`,
    });
    expect(Date.now() - back).toBeLessThan(A_FEW_PERIODS_MS);
    expect(has(west, approved[0])).toBe(true);
  });

  it('a cluster registered later gets the namespaces of every approved business, and only those', async () => {
    await registerCluster(t, admin, 'late', late);
    await eventually(() => approved.every((id) => has(late, id)), Boolean, {
      timeoutMs: A_FEW_PERIODS_MS,
      what: 'namespaces in late',
    });
    await syncs([late]);
    await t.waitForQuietQueues();
    for (const id of notApproved) expect(has(late, id)).toBe(false);
    const ours = namespacesOf(late).filter((name) => /^ns\d+$/.test(name));
    expect(ours.sort()).toEqual(approved.map((id) => `ns${id}`).sort());
  });

  it('running the namespace job again is harmless', async () => {
    const businessId = approved[0];
    const eastId = await clusterIdOf(t, admin, 'east');
    const before = east.get('v1', 'Namespace', undefined, `ns${businessId}`);

    const connection = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const events = new QueueEvents(QueueName.Cluster, {
      connection,
      prefix: t.app.get(JobQueueService).bullPrefix,
    });
    const failed: string[] = [];
    events.on('failed', ({ jobId, failedReason }) => failed.push(`${jobId}: ${failedReason}`));
    await events.waitUntilReady();
    try {
      const completedBefore = east.requestLog.filter(
        (entry) => entry.method === 'POST' && entry.path.startsWith('/api/v1/namespaces'),
      ).length;
      await t.app.get(JobQueueService).enqueue(JobName.NamespaceEnsure, { businessId, clusterId: eastId });
      await t.app.get(JobQueueService).enqueue(JobName.NamespaceEnsure, { businessId, clusterId: eastId });
      // The job ran: it asked the cluster to create the namespace, and the cluster said it exists.
      await eventually(
        () =>
          east.requestLog.filter(
            (entry) => entry.method === 'POST' && entry.path.startsWith('/api/v1/namespaces'),
          ).length,
        (posts) => posts > completedBefore,
        { timeoutMs: A_FEW_PERIODS_MS, what: 'namespace job ran' },
      );
      await t.waitForQuietQueues();
      // And directly, as the worker calls it: resolves, no error.
      await expect(
        t.app.get(ClusterProcessor).ensureNamespace({ businessId, clusterId: eastId }),
      ).resolves.toBeUndefined();
      expect(failed).toEqual([]);
    } finally {
      await events.close();
      connection.disconnect();
    }
    const after = east.get('v1', 'Namespace', undefined, `ns${businessId}`);
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(namespacesOf(east).filter((name) => name === `ns${businessId}`)).toHaveLength(1);
  });

  it('business namespaces carry the Pod Security warn label, and older ones get it with the next syncs', async () => {
    const businessId = approved[0];
    const labelOf = () =>
      east.get('v1', 'Namespace', undefined, `ns${businessId}`)?.metadata.labels?.[
        'pod-security.kubernetes.io/warn'
      ];
    expect(labelOf()).toBe('baseline');
    // A namespace made before the label existed: same name, our labels, no Pod Security label.
    const namespace = east.get('v1', 'Namespace', undefined, `ns${businessId}`);
    delete namespace.metadata.labels['pod-security.kubernetes.io/warn'];
    east.apply(namespace);
    expect(labelOf()).toBeUndefined();
    await eventually(labelOf, (label) => label === 'baseline', {
      timeoutMs: A_FEW_PERIODS_MS,
      what: 'Pod Security label restored',
    });
    expect(east.get('v1', 'Namespace', undefined, `ns${businessId}`).metadata.uid).toBe(
      namespace.metadata.uid,
    );
  });

  it('a business namespace deleted in a cluster comes back with the next syncs', async () => {
    const businessId = approved[0];
    expect(east.remove('v1', 'Namespace', undefined, `ns${businessId}`)).toBe(true);
    await eventually(() => has(east, businessId), Boolean, {
      timeoutMs: A_FEW_PERIODS_MS,
      what: `ns${businessId} recreated`,
    });
  });
});
