import { DeployStatus } from '../../src/deploy/deployment-status';
import { lockedDeployment } from '../../src/deploy/deployment-lock';
import { PlacementApplier } from '../../src/deploy/placement-applier.service';
import { PlacementStatus } from '../../src/deploy/placement-status';
import { PlacementStore } from '../../src/deploy/placement.store';
import { Reconciler } from '../../src/deploy/reconciler.service';
import { RecordInput, SoftwareRecords, SUPERSEDED_REASON } from '../../src/deploy/software-records';
import { StatusRollup } from '../../src/deploy/status-rollup.service';
import { eventually } from '../support/eventually';
import { MadeBusiness, MadeCluster, MadeDeployment } from './factories';
import { ServiceContext, startServiceContext } from './service-context';

/**
 * SPEC §9's records as the appliers write them: a request's action on a cluster has one record from its
 * first attempt's outcome on, later writes merge into it while it is IN_PROGRESS, a finished record stays,
 * and a write sent with a placement's move happens only when the move wins.
 */
describe('software deployment records (service)', () => {
  let s: ServiceContext;
  let records: SoftwareRecords;
  let placements: PlacementStore;
  let business: MadeBusiness;
  let cluster: MadeCluster;

  beforeAll(async () => {
    s = await startServiceContext();
    records = s.get(SoftwareRecords);
    placements = s.get(PlacementStore);
    business = await s.make.newBusiness();
    cluster = await s.make.newCluster();
  });
  afterAll(() => s.close());

  const newDeployment = async (status = PlacementStatus.Pending): Promise<MadeDeployment> =>
    s.make.newDeployment(business, await s.make.newApp(business), { placements: [{ cluster, status }] });

  const inputOf = (deployment: MadeDeployment, action: RecordInput['action'] = 'CREATE'): RecordInput => ({
    requestId: deployment.requestId,
    clusterId: cluster.id,
    generation: deployment.generations[cluster.id],
    action,
    businessId: business.id,
    deploymentId: deployment.id,
    configId: '7',
    inputValues: { deployName: deployment.deployName },
  });

  const recordsOf = async (deployment: MadeDeployment) =>
    (await s.db.query(
      `SELECT action, status, status_reason AS reason, input_values AS input, output_values AS output
         FROM software_deployments WHERE deployment_id = $1 ORDER BY creation_time`,
      [deployment.id],
    )) as {
      action: string;
      status: string;
      reason: string;
      input: unknown;
      output: Record<string, unknown>;
    }[];

  it('inserts the record at its first write, finished at once when the apply finished', async () => {
    const deployment = await newDeployment();
    await records.applied(inputOf(deployment), ['deployment.apps/web created'], 'applied', {
      ok: true,
      reason: 'all pods running',
    });
    expect(await recordsOf(deployment)).toEqual([
      {
        action: 'CREATE',
        status: 'COMPLETE',
        reason: 'all pods running',
        input: { deployName: deployment.deployName },
        output: {
          deploy_stdout: 'deployment.apps/web created\n',
          deploy_stderr: '',
          deploy_status_code: 0,
          result: 'running',
        },
      },
    ]);
  });

  it('merges retries into one record while it is IN_PROGRESS, and leaves a finished one alone', async () => {
    const deployment = await newDeployment();
    const input = inputOf(deployment);
    await records.attemptFailed(input, 'cluster unreachable', false);
    await records.attemptFailed(input, 'cluster unreachable', false);
    await records.applied(input, ['deployment.apps/web created'], 'applied, waiting for pods');
    let [record] = await recordsOf(deployment);
    expect(record).toMatchObject({ status: 'IN_PROGRESS', reason: 'applied, waiting for pods' });
    expect((record.output.deploy_stderr as string).match(/cluster unreachable\n/g)).toHaveLength(2);
    expect(record.output).toMatchObject({
      deploy_stdout: 'deployment.apps/web created\n',
      deploy_status_code: 0,
    });

    await records.finishApply(input, true, 'all pods running');
    await records.attemptFailed(input, 'too late', true);
    await records.finish(input, false, SUPERSEDED_REASON, 'superseded');
    const all = await recordsOf(deployment);
    expect(all).toHaveLength(1);
    [record] = all;
    expect(record).toMatchObject({ status: 'COMPLETE', reason: 'all pods running' });
    expect(record.output).toMatchObject({ result: 'running', deploy_status_code: 0 });
    expect(record.output.deploy_stderr).not.toContain('too late');
  });

  it('keeps one record per action: a delete after a create has its own', async () => {
    const deployment = await newDeployment();
    await records.applied(inputOf(deployment), [], 'applied', { ok: true, reason: 'all pods running' });
    await records.applied(inputOf(deployment, 'DELETE'), ['deployment.apps/web deleted'], 'deleted', {
      ok: true,
      reason: 'deleted',
      result: 'deleted',
    });
    expect((await recordsOf(deployment)).map(({ action, status }) => [action, status])).toEqual([
      ['CREATE', 'COMPLETE'],
      ['DELETE', 'COMPLETE'],
    ]);
  });

  it('writes a record sent with a move only when the move wins', async () => {
    const deployment = await newDeployment();
    const [placement] = await placements.ofDeployments([deployment.id]);
    const input = inputOf(deployment);
    const failedAttempt = (reason: string) => (writes: Parameters<typeof records.attemptFailed>[3]) =>
      records.attemptFailed(input, reason, false, writes);

    // Read under another request: the compare-and-set on the request read loses.
    const stale = { ...placement, requestId: deployment.requestId + 1 };
    expect(await placements.moveWith(stale, PlacementStatus.Offline, {}, failedAttempt('lost'))).toBe(false);
    expect(await recordsOf(deployment)).toEqual([]);

    expect(await placements.moveWith(placement, PlacementStatus.Offline, {}, failedAttempt('won'))).toBe(
      true,
    );
    const [record] = await recordsOf(deployment);
    expect(record).toMatchObject({ status: 'IN_PROGRESS', reason: 'retrying: won' });
  });

  it('a placement that left its cluster and came back (same request, same status) is not moved by a job that read it before', async () => {
    const deployment = await newDeployment();
    const [before] = await placements.ofDeployments([deployment.id]);
    const onCluster = { deploymentId: deployment.id, requestId: deployment.requestId };
    await s.db.transaction((manager) => placements.follow(manager, { ...onCluster, targets: [] }));
    await s.db.transaction((manager) =>
      placements.follow(manager, { ...onCluster, targets: [{ id: cluster.id, name: cluster.name }] }),
    );
    const [after] = await placements.ofDeployments([deployment.id]);
    expect(after).toMatchObject({ status: before.status, requestId: before.requestId });
    expect(after.generation).not.toBe(before.generation);

    const staleRecord = inputOf(deployment);
    expect(
      await placements.moveWith(before, PlacementStatus.Offline, {}, (writes) =>
        records.attemptFailed(staleRecord, 'from the old read', false, writes),
      ),
    ).toBe(false);
    expect(await recordsOf(deployment)).toEqual([]);
    expect((await placements.ofDeployments([deployment.id]))[0].status).toBe(PlacementStatus.Pending);

    // The job of the placement as it is now writes a record of its own generation.
    const current = { ...staleRecord, generation: after.generation };
    expect(
      await placements.moveWith(after, PlacementStatus.Offline, {}, (writes) =>
        records.attemptFailed(current, 'cluster unreachable', false, writes),
      ),
    ).toBe(true);
    expect(await recordsOf(deployment)).toMatchObject([
      { status: 'IN_PROGRESS', reason: 'retrying: cluster unreachable' },
    ]);
  });

  it('a record left in progress is finished as superseded when its placement is given other work', async () => {
    const deployment = await newDeployment(PlacementStatus.Offline);
    await records.attemptFailed(inputOf(deployment), 'cluster unreachable', false);
    const onCluster = { deploymentId: deployment.id, requestId: deployment.requestId };
    await s.db.transaction((manager) => placements.follow(manager, { ...onCluster, targets: [] }));
    expect(await recordsOf(deployment)).toMatchObject([
      { action: 'CREATE', status: 'FAILED', reason: SUPERSEDED_REASON, output: { result: 'superseded' } },
    ]);
  });

  it('a removed cluster takes its placements along; the repair finishes their records; no placement is written for it', async () => {
    const leaving = await s.make.newCluster();
    const deployment = await s.make.newDeployment(business, await s.make.newApp(business), {
      placements: [{ cluster: leaving, status: PlacementStatus.Offline }],
    });
    const input = {
      ...inputOf(deployment),
      clusterId: leaving.id,
      generation: deployment.generations[leaving.id],
    };
    await records.attemptFailed(input, 'cluster unreachable', false);
    await s.db.query('DELETE FROM clusters WHERE id = $1', [leaving.id]);
    expect(await placements.ofDeployments([deployment.id])).toEqual([]);
    await s.get(Reconciler).repair();
    expect(await recordsOf(deployment)).toMatchObject([
      { action: 'CREATE', status: 'FAILED', reason: SUPERSEDED_REASON },
    ]);
    // An approval that read the cluster among its targets before it went.
    await s.db.transaction((manager) =>
      placements.retarget(manager, {
        deploymentId: deployment.id,
        requestId: deployment.requestId,
        targets: [{ id: leaving.id, name: leaving.name }],
      }),
    );
    expect(await placements.ofDeployments([deployment.id])).toEqual([]);
  });

  it('a move writing a new record goes on while a command holds its deployment and writes its placements', async () => {
    const deployment = await newDeployment();
    const [placement] = await placements.ofDeployments([deployment.id]);
    const lockWaits = async () =>
      (
        (await s.db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )) as { n: number }[]
      )[0].n;
    let moved: Promise<boolean> | undefined;
    await s.db.transaction(async (command) => {
      await lockedDeployment(command, deployment.id);
      // The move holds the placement's row, then checks its new record's foreign key on the deployment.
      moved = placements.moveWith(placement, PlacementStatus.Offline, {}, (writes) =>
        records.attemptFailed(inputOf(deployment), 'cluster unreachable', false, writes),
      );
      const done = moved.then(() => 'done');
      await eventually(
        async () => Promise.race([done, lockWaits().then((n) => (n > 0 ? 'waiting' : 'running'))]),
        (state) => state !== 'running',
        { intervalMs: 10, what: 'the move finished or waiting for a lock' },
      );
      // Then the command writes the placement: had the move waited for the deployment's lock while
      // holding the placement, PostgreSQL would abort one of the two (deadlock detected).
      await command.query(`UPDATE placements SET message = 'command' WHERE deployment_id = $1`, [
        deployment.id,
      ]);
    });
    expect(await moved).toBe(true);
    expect(await recordsOf(deployment)).toMatchObject([{ status: 'IN_PROGRESS' }]);
  });

  it('an internal error of the platform fails the placement, finishes its record and its release revision FAILED and the deployment as 8', async () => {
    const deployment = await s.make.newDeployment(business, await s.make.newApp(business), {
      status: DeployStatus.Deploying,
      placements: [{ cluster, status: PlacementStatus.Pending }],
    });
    // A chart's revision begun for this apply.
    await s.db.query(
      `INSERT INTO releases (business_id, deployment_id, cluster_id, request_id, generation, name, namespace,
         revision, status, app_id, chart_name, chart_version)
       VALUES ($1, $2, $3, $4, $5, $6, 'ns', 1, 'PENDING_INSTALL', 1, 'demo', '0.1.0')`,
      [
        business.id,
        deployment.id,
        cluster.id,
        deployment.requestId,
        deployment.generations[cluster.id],
        deployment.deployName,
      ],
    );
    const rollUp = jest.spyOn(s.get(StatusRollup), 'rollUp');
    await s.get(PlacementApplier).internalError(deployment.id, cluster.id);
    // 8 stands: a roll-up now would turn it into 7 at once.
    expect(rollUp).not.toHaveBeenCalled();
    rollUp.mockRestore();
    const [record] = await recordsOf(deployment);
    expect(record).toMatchObject({
      status: 'FAILED',
      reason: 'internal error of the platform; see the worker log',
    });
    expect(record.output.deploy_stderr).toContain('internal error of the platform');
    const [placement] = await placements.ofDeployments([deployment.id]);
    expect(placement.status).toBe(PlacementStatus.Failed);
    const [{ status }] = await s.db.query('SELECT status FROM deployments WHERE id = $1', [deployment.id]);
    expect(status).toBe(DeployStatus.InternalError);
    const [release] = await s.db.query('SELECT status FROM releases WHERE deployment_id = $1', [
      deployment.id,
    ]);
    expect(release.status).toBe('FAILED');
  });

  it('an internal error on a placement of a settled deployment leaves its status to a roll-up, which it asks for', async () => {
    const deployment = await s.make.newDeployment(business, await s.make.newApp(business), {
      status: DeployStatus.Success,
      placements: [{ cluster, status: PlacementStatus.Running }],
    });
    const rollUp = jest.spyOn(s.get(StatusRollup), 'rollUp').mockResolvedValue();
    try {
      await s.get(PlacementApplier).internalError(deployment.id, cluster.id);
      const [{ status }] = await s.db.query('SELECT status FROM deployments WHERE id = $1', [deployment.id]);
      expect(status).toBe(DeployStatus.Success);
      expect(rollUp).toHaveBeenCalledWith(deployment.id);
    } finally {
      rollUp.mockRestore();
    }
  });
});
