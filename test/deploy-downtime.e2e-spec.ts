import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { JobQueueService } from '../src/queue/job-queue.service';
import { JobName, JOBS } from '../src/queue/jobs';
import { FakeCluster } from './fake-kube';
import { createApp, deployment, deploymentByName, deployBody } from './support/deploys';
import { requestDeploy, startWithClusters } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, TestBusiness } from './support/factories';
import type { TestApp } from './support/test-app';
import { apiOnlyEnv, buildServer, killWorker, startWorker } from './support/worker-process';

/**
 * Short, so that an outage longer than the rollout fits in a test; the heartbeat period is a fifth of it.
 * Not shorter: the restarted worker must boot and take the overdue deadline job within what is left of
 * the rollout, and with 6 s a loaded CI machine once did not (the test found no job for the moved
 * deadline).
 */
const TIMEOUT_SECONDS = 10;
/** The worker's heartbeat period at that timeout (heartbeatPeriodMs). */
const HEARTBEAT_MS = TIMEOUT_SECONDS * 200;

interface PlacementRow {
  request_id: number;
  cluster_id: string;
  status: string;
  message: string;
  rollout_deadline_at: Date | null;
  status_since: Date;
}

/**
 * SPEC §7: DEPLOY_TIMEOUT_SECONDS bounds the rollout on clusters that answer, and time the platform
 * itself was down does not count. The cluster holds its pods Pending (no node is Ready) until the test
 * lets them run; the API runs in this process, the workers in separate processes from dist/.
 */
describe('the rollout deadline and the platform being down', () => {
  let t: TestApp;
  let cluster: FakeCluster;
  let business: TestBusiness;
  let db: Client;
  const workers: ChildProcess[] = [];

  const placementOf = async (deploymentId: number): Promise<PlacementRow> =>
    (
      await db.query(
        `SELECT request_id, cluster_id, status, message, rollout_deadline_at, status_since
           FROM placements WHERE deployment_id = $1`,
        [deploymentId],
      )
    ).rows[0];
  const lastBeat = async (): Promise<Date> =>
    (await db.query(`SELECT beat_at FROM platform_heartbeat`)).rows[0].beat_at;
  const setNodesReady = (ready: boolean) => {
    for (const node of ['node-0', 'node-1']) cluster.setNodeReady(node, ready);
  };
  const deploy = async (deployName: string): Promise<number> => {
    await requestDeploy(t, business.admin.token, deployBody(deployName, 'patient')).expect(200);
    return (await deploymentByName(t, business.admin.token, deployName)).id;
  };
  const appliedWithPendingPods = (id: number) =>
    eventually(
      () => placementOf(id),
      (row) => row?.status === 'applied',
      { what: `deployment ${id} applied, its pods pending` },
    );

  beforeAll(async () => {
    buildServer();
    ({
      t,
      clusters: [cluster],
    } = await startWithClusters(['idle-a'], apiOnlyEnv(TIMEOUT_SECONDS)));
    business = await approvedBusiness(t);
    workers.push(startWorker(t.env));
    await createApp(t, business.admin.token, { appName: 'patient', isHPA: false });
    db = new Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    // No node takes a pod: the deployments' pods stay Pending until a test lets them run.
    setNodesReady(false);
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await db?.end();
    await t.close();
    await cluster?.stop();
  });

  it('without downtime, pods still pending at the deadline fail the placement there (7)', async () => {
    const id = await deploy('stuck1');
    const applied = await appliedWithPendingPods(id);
    expect(applied.rollout_deadline_at).not.toBeNull();

    const done = await eventually(
      () => deployment(t, business.admin.token, id),
      (row) => row.status === 7,
      { timeoutMs: 4 * TIMEOUT_SECONDS * 1000, what: 'stuck1 failed at its deadline' },
    );
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 0, error: 0, total: 2 });
    const failed = await placementOf(id);
    expect(failed).toMatchObject({ status: 'failed', message: 'pods not running before the deadline' });
    // Not before the deadline, and the deadline is still the one the apply set.
    expect(failed.rollout_deadline_at).toEqual(applied.rollout_deadline_at);
    expect(failed.status_since.getTime()).toBeGreaterThanOrEqual(applied.rollout_deadline_at!.getTime());
  });

  it('every worker down past the deadline: the outage does not count, and the pods that run afterwards give 5', async () => {
    const id = await deploy('patient1');
    const applied = await appliedWithPendingPods(id);
    const deadline = applied.rollout_deadline_at!.getTime();

    // The platform goes down for longer than the rollout: nobody watches the pods meanwhile.
    await killWorker(workers[0]);
    const killedAt = Date.now();
    await eventually(
      async () => Date.now(),
      (now) => now > deadline + 1000,
      { what: 'the rollout deadline passed', timeoutMs: 2 * TIMEOUT_SECONDS * 1000 },
    );
    expect(await placementOf(id)).toMatchObject({ status: 'applied' });
    // Still in flight (approved, processing or deploying: its roll-up may not have run before the kill).
    expect([1, 3, 4]).toContain((await deployment(t, business.admin.token, id)).status);

    // The first beat of the restarted worker comes before it takes a job, and credits the outage.
    const restartedAt = Date.now();
    workers.push(startWorker(t.env));
    const beat = await eventually(lastBeat, (at) => at.getTime() >= restartedAt, {
      what: 'the restarted worker beat',
    });
    const shifted = await placementOf(id);
    expect(shifted.status).toBe('applied');
    expect(shifted.rollout_deadline_at!.getTime()).toBeGreaterThan(beat.getTime());
    // Moved by the outage: what was left of the rollout when the last beat before it was recorded
    // (between the apply, less a heartbeat period, and the kill) is left again now.
    const left = shifted.rollout_deadline_at!.getTime() - beat.getTime();
    expect(left).toBeGreaterThanOrEqual(deadline - killedAt - 50);
    expect(left).toBeLessThanOrEqual(deadline - applied.status_since.getTime() + HEARTBEAT_MS + 50);

    // The restarted worker runs the overdue deadline job, which finds the moved deadline and leaves a
    // job for it; a pod observation after that leaves the placement waiting too: pods still pending.
    const moved = shifted.rollout_deadline_at!.getTime();
    const queue = t.app.get(JobQueueService).queue(JOBS[JobName.PlacementDeadline].queue);
    const jobId = JOBS[JobName.PlacementDeadline].options({
      deploymentId: id,
      clusterId: shifted.cluster_id,
      requestId: shifted.request_id,
      dueAt: moved,
    }).jobId!;
    await eventually(
      async () => (await queue.getJob(jobId))?.getState(),
      (state) => state === 'delayed',
      { what: 'a deadline job for the moved deadline' },
    );
    const podLists = () =>
      cluster.requestLog.filter((entry) => entry.method === 'GET' && entry.path.startsWith('/api/v1/pods'))
        .length;
    const listed = podLists();
    await eventually(podLists, (count) => count > listed, { what: 'a pod observation after the restart' });
    expect(await placementOf(id)).toMatchObject({ status: 'applied' });

    // The pods run now, within the rollout's remaining time: the deployment succeeds.
    setNodesReady(true);
    const done = await eventually(
      () => deployment(t, business.admin.token, id),
      (row) => ![1, 3, 4].includes(row.status),
      { timeoutMs: 4 * TIMEOUT_SECONDS * 1000, what: 'patient1 settled' },
    );
    expect(done.status).toBe(5);
    expect(JSON.parse(done.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    expect(await placementOf(id)).toMatchObject({ status: 'running', message: '' });
    // The deadline job waits for the moved deadline, and then leaves the running placement alone.
    await t.waitForQuietQueues();
    expect(await placementOf(id)).toMatchObject({ status: 'running' });
    expect((await deployment(t, business.admin.token, id)).status).toBe(5);
  });
});
