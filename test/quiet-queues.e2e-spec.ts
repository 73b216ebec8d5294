import { FakeCluster, startFakeCluster } from './fake-kube';
import { JobQueueService } from '../src/queue/job-queue.service';
import { JobName, JOBS } from '../src/queue/jobs';
import { clusterIdOf, namespacesOf, registerCluster } from './support/clusters';
import { eventually } from './support/eventually';
import { approvedBusiness, loginAdmin } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The suite's one queue-drain helper (test/support/queues.ts), on a job that backs off for real: the
 * namespace job of a cluster that does not answer. A test never waits out a back-off, a job that keeps
 * failing ends the wait with a message instead of spending all its attempts, and `retries: 'ignore'`
 * leaves such a job alone. The cluster sync runs once an hour here, so the product's own promotion of
 * that job (when the cluster answers a sync) cannot stand in for the helper's.
 */
describe('waitForQuietQueues (test/support/queues.ts)', () => {
  let t: TestApp;
  let cluster: FakeCluster;
  let clusterId: string;
  let businessId: number;

  beforeAll(async () => {
    [t, cluster] = await Promise.all([
      startTestApp({ CLUSTER_SYNC_SECONDS: '3600' }),
      startFakeCluster({ name: 'q-edge', nodes: 1 }),
    ]);
    const admin = await loginAdmin(t);
    await registerCluster(t, admin, 'q-edge', cluster);
    await t.waitForQuietQueues();
    clusterId = await clusterIdOf(t, admin, 'q-edge');
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  const namespaceJob = async () => {
    const definition = JOBS[JobName.NamespaceEnsure];
    const jobId = definition.options({ businessId, clusterId }).jobId!;
    return t.app.get(JobQueueService).queue(definition.queue).getJob(jobId);
  };

  it('a cluster kept down: `ignore` leaves its backing-off job delayed; the default gives up after a few promoted retries', async () => {
    await cluster.setMode('unreachable');
    try {
      businessId = (await approvedBusiness(t)).id;
      const failedOnce = await eventually(namespaceJob, (job) => (job?.attemptsMade ?? 0) >= 1, {
        what: 'a failed attempt of the namespace job',
      });

      await t.waitForQuietQueues({ retries: 'ignore' });
      const ignored = await namespaceJob();
      expect(ignored).toBeDefined();
      // Not promoted: at most the one retry its own back-off allowed meanwhile.
      expect(ignored!.attemptsMade).toBeLessThanOrEqual(failedOnce!.attemptsMade + 1);

      await expect(t.waitForQuietQueues()).rejects.toThrow(
        /namespace\.ensure \S+ still fails after 5 promoted retries .*retries: 'ignore'/,
      );
      const spent = await namespaceJob();
      // Attempts are left for when the cluster answers again.
      expect(spent).toBeDefined();
      expect(spent!.attemptsMade).toBeLessThan(
        JOBS[JobName.NamespaceEnsure].options({ businessId, clusterId }).attempts!,
      );
      expect(await spent!.getState()).toBe('delayed');
    } finally {
      await cluster.setMode('healthy');
    }
  });

  it('the cluster back: the default runs the backing-off job now instead of after its delay', async () => {
    const job = await namespaceJob();
    // Several failed attempts: the next one is a minute or more away.
    expect(job!.attemptsMade).toBeGreaterThanOrEqual(6);
    const started = Date.now();
    await t.waitForQuietQueues();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(namespacesOf(cluster)).toContain(`ns${businessId}`);
    expect(await namespaceJob()).toBeUndefined(); // finished, and removed as its options say
  });
});
