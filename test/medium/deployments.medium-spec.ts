import { Job, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { ErrorKind } from '../../src/common/errors';
import { APP_CONFIG, AppConfig } from '../../src/config/app-config';
import { AuditStatus, DeploymentEntity } from '../../src/deploy/deploy.entity';
import { DeployCommands } from '../../src/deploy/deploy-commands.service';
import { DeployQueries } from '../../src/deploy/deploy-queries.service';
import { DeployAction, DeployStatus } from '../../src/deploy/deployment-status';
import {
  AuditListQuery as RequestListQuery,
  CreateDeployDto,
  DeployListQuery,
  DeploymentView,
} from '../../src/deploy/dto';
import { PlacementStatus } from '../../src/deploy/placement-status';
import { PlacementStore } from '../../src/deploy/placement.store';
import { Reconciler } from '../../src/deploy/reconciler.service';
import { StatusRollup } from '../../src/deploy/status-rollup.service';
import { JobQueueService } from '../../src/queue/job-queue.service';
import { JobName, JOBS } from '../../src/queue/jobs';
import { asActor, MadeApp, MadeBusiness, MadeCluster, MadePlacement, MadeUser } from './factories';
import { queuedJobs, requestDeployment, trailOf, withDefaults } from './helpers';
import { ServiceContext, startServiceContext } from './service-context';

const S = DeployStatus;
const P = PlacementStatus;

/**
 * SPEC §7's rules for deployments, straight on the deploy services: requests and who audits them, the
 * state machine and its compare-and-set writes, the roll-up of placements, tenancy. No worker runs
 * here, so an approval shows as recorded placements and queued apply jobs, not as cluster objects.
 */
describe('deployments (service)', () => {
  let s: ServiceContext;
  let commands: DeployCommands;
  let queries: DeployQueries;
  let business: MadeBusiness;
  let admin: MadeUser;
  let member: MadeUser;
  let v1: MadeApp;
  let edgeA: MadeCluster;
  let edgeB: MadeCluster;

  beforeAll(async () => {
    s = await startServiceContext();
    commands = s.get(DeployCommands);
    queries = s.get(DeployQueries);
    business = await s.make.newBusiness();
    admin = business.owner;
    member = await s.make.newMember(business);
    v1 = await s.make.newApp(business, { appName: 'web', version: '1.0' });
    await s.make.newApp(business, { appName: 'web', version: '2.0', image: 'nginx:1.27' });
    await s.make.newApp(business, { appName: 'web', version: '3.0', status: 2 });
    edgeA = await s.make.newCluster({ name: 'edge-a', labels: ['edge'] }); // listed first: by name
    edgeB = await s.make.newCluster({ name: 'edge-b' });
  });
  afterAll(() => s?.close());

  const createAs = (user: MadeUser, deployName: string, values: Partial<CreateDeployDto> = {}) =>
    requestDeployment(s, user, deployName, values);
  const decide = (
    user: MadeUser,
    requestId: number,
    status: AuditStatus.Approved | AuditStatus.Disapproved,
  ) => commands.audit(asActor(user), { id: requestId, status, comment: `decided ${status}` });
  const change = (version: string) => ({ version, comment: `to ${version}` });

  const deploymentRow = async (where: { id: number } | { deployName: string }) =>
    (
      await s.db.query(
        `SELECT id, status, deploy_type AS "deployType", version, request_id AS "requestId",
                audit_comment AS "auditComment"
           FROM deployments WHERE business_id = $1 AND ${'id' in where ? 'id' : 'deploy_name'} = $2
          ORDER BY id DESC LIMIT 1`,
        [business.id, 'id' in where ? where.id : where.deployName],
      )
    )[0] as {
      id: number;
      status: DeployStatus;
      deployType: DeployAction;
      version: string;
      requestId: number;
    };
  const requestRow = async (id: number) =>
    (
      await s.db.query(
        `SELECT action, version, audit_status AS "auditStatus", audit_comment AS "auditComment",
                requester_id AS "requesterId", auditor_id AS "auditorId", previous_status AS "previousStatus",
                previous_type AS "previousType", diff
           FROM deploy_requests WHERE id = $1`,
        [id],
      )
    )[0];
  const requestCount = async (deploymentId: number) =>
    Number(
      (await s.db.query('SELECT count(*) FROM deploy_requests WHERE deployment_id = $1', [deploymentId]))[0]
        .count,
    );
  const placementsOf = async (deploymentId: number) =>
    (await s.db.query(
      `SELECT cluster_id AS "clusterId", status, removing, request_id AS "requestId"
         FROM placements WHERE deployment_id = $1 ORDER BY cluster_id`,
      [deploymentId],
    )) as { clusterId: string; status: PlacementStatus; removing: boolean; requestId: number }[];
  const applyJobsOf = async (deploymentId: number) =>
    (await queuedJobs(s, JobName.PlacementApply))
      .filter((job) => job.deploymentId === deploymentId)
      .map((job) => job.clusterId)
      .sort();
  const both = () => [edgeA.id, edgeB.id].sort();
  /** Placements that now work for `requestId` on `clusters`, each with its apply job queued. */
  const expectHandedToWorkers = async (
    deploymentId: number,
    requestId: number,
    clusters: string[],
    status = P.Pending,
  ) => {
    expect(await placementsOf(deploymentId)).toEqual(
      clusters.map((clusterId) => ({ clusterId, status, removing: status === P.Deleting, requestId })),
    );
    expect(await applyJobsOf(deploymentId)).toEqual(clusters);
  };
  /** A deployment running 1.0 on both clusters, settled (5) unless told otherwise. */
  const running = (options: Parameters<ServiceContext['make']['newDeployment']>[2] = {}) =>
    s.make.newDeployment(business, v1, { placements: [{ cluster: edgeA }, { cluster: edgeB }], ...options });

  describe('requests and who audits them', () => {
    it('a general user’s new deployment waits for audit: pending, not editable, nothing placed or queued', async () => {
      await createAs(member, 'waits');
      const deployment = await deploymentRow({ deployName: 'waits' });
      expect(deployment).toMatchObject({
        status: S.Pending,
        deployType: DeployAction.Create,
        version: '1.0',
      });
      expect(await requestRow(deployment.requestId)).toMatchObject({
        action: DeployAction.Create,
        auditStatus: AuditStatus.Pending,
        requesterId: member.id,
        auditorId: null,
      });
      await expectHandedToWorkers(deployment.id, deployment.requestId, []);
      expect(await queries.get(member.principal, deployment.id, false)).toMatchObject({ editable: false });
    });

    it('an administrator’s own request is approved at once (ENABLE_ADMIN_AUTO_DEPLOY), as theirs, and handed to the workers', async () => {
      await createAs(admin, 'auto');
      const deployment = await deploymentRow({ deployName: 'auto' });
      expect(deployment).toMatchObject({ status: S.Approved, auditComment: 'approved automatically' });
      expect(await requestRow(deployment.requestId)).toMatchObject({
        auditStatus: AuditStatus.Approved,
        requesterId: admin.id,
        auditorId: admin.id,
      });
      await expectHandedToWorkers(deployment.id, deployment.requestId, both());
    });

    it('without ENABLE_ADMIN_AUTO_DEPLOY an administrator’s request waits for audit too', async () => {
      const config = s.get<AppConfig>(APP_CONFIG);
      config.enableAdminAutoDeploy = false;
      try {
        await createAs(admin, 'manual');
      } finally {
        config.enableAdminAutoDeploy = true;
      }
      expect(await deploymentRow({ deployName: 'manual' })).toMatchObject({ status: S.Pending });
    });

    it('a cluster label sends the deployment only to the clusters carrying it', async () => {
      await createAs(admin, 'labelled', { cluster: 'edge' });
      const deployment = await deploymentRow({ deployName: 'labelled' });
      await expectHandedToWorkers(deployment.id, deployment.requestId, [edgeA.id]);
    });

    it('approval hands the request to the workers; a second decision is 409 and changes nothing', async () => {
      const { id, requestId } = await createAs(member, 'approved');
      await decide(admin, requestId, AuditStatus.Approved);
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Approved, auditComment: 'decided 1' });
      expect(await requestRow(requestId)).toMatchObject({
        auditStatus: AuditStatus.Approved,
        auditorId: admin.id,
      });
      await expectHandedToWorkers(id, requestId, both());
      await expect(decide(admin, requestId, AuditStatus.Disapproved)).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
      });
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Approved });
      expect(await requestRow(requestId)).toMatchObject({ auditStatus: AuditStatus.Approved });
    });

    it('disapproving a new deployment ends it (2), places nothing and frees its name', async () => {
      const { id, requestId } = await createAs(member, 'refused');
      await decide(admin, requestId, AuditStatus.Disapproved);
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Disapproved, auditComment: 'decided 2' });
      await expectHandedToWorkers(id, requestId, []);
      await createAs(member, 'refused');
      expect((await deploymentRow({ deployName: 'refused' })).id).not.toBe(id);
    });

    it('a system administrator decides any business’s request; another business’s administrator cannot see it (404)', async () => {
      const { id, requestId } = await createAs(member, 'platform');
      const outsider = (await s.make.newBusiness()).owner;
      await expect(decide(outsider, requestId, AuditStatus.Approved)).rejects.toMatchObject({
        kind: ErrorKind.NotFound,
      });
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Pending });
      await decide(await s.make.newSystemAdmin(), requestId, AuditStatus.Approved);
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Approved });
    });
  });

  describe('create, upgrade, rollback and delete', () => {
    it.each([
      ['a live name', 'taken', { version: '1.0' }, ErrorKind.Conflict],
      ['an unknown version', 'unknown', { version: '9.9' }, ErrorKind.NotFound],
      ['a version whose package is not available', 'incomplete', { version: '3.0' }, ErrorKind.Conflict],
      ['chart values for an application that is no chart', 'values', { values: { a: 1 } }, ErrorKind.Invalid],
    ] as [string, string, Partial<CreateDeployDto>, ErrorKind][])(
      'a create naming %s is refused and stores nothing',
      async (_, deployName, values, kind) => {
        if (deployName === 'taken') await running({ deployName });
        const before = Number((await s.db.query('SELECT count(*) FROM deployments'))[0].count);
        await expect(createAs(member, deployName, values)).rejects.toMatchObject({ kind });
        expect(Number((await s.db.query('SELECT count(*) FROM deployments'))[0].count)).toBe(before);
      },
    );

    it('nobody without a business opens a deployment (403), not even a system administrator', async () => {
      await expect(createAs(await s.make.newSystemAdmin(), 'sysadmin')).rejects.toMatchObject({
        kind: ErrorKind.Forbidden,
      });
    });

    it('a deleted deployment still being removed from an offline cluster keeps its name (409 naming the cluster)', async () => {
      const placements: MadePlacement[] = [{ cluster: edgeB, status: P.Offline }];
      const { deployName } = await running({ status: S.Deleted, action: DeployAction.Delete, placements });
      await expect(createAs(admin, deployName)).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
        message: expect.stringContaining(edgeB.name),
      });
    });

    it('a deleted deployment whose removal a cluster refused keeps its name, and the 409 says what frees it', async () => {
      const placements: MadePlacement[] = [{ cluster: edgeB, status: P.Failed }];
      const { deployName } = await running({ status: S.Deleted, action: DeployAction.Delete, placements });
      await expect(createAs(admin, deployName)).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
        message: `deployment ${deployName} still runs on clusters ${edgeB.name}, which refused to remove it; its name is free once those clusters are removed from the platform (force=true)`,
      });
    });

    it('an upgrade waits for audit with the diff of its objects; disapproved, the deployment runs on as it was', async () => {
      const { id, requestId: ran } = await running();
      await commands.upgrade(asActor(member), id, change('2.0'));
      const pending = await deploymentRow({ id });
      expect(pending).toMatchObject({ status: S.Pending, deployType: DeployAction.Upgrade, version: '1.0' });
      const request = await requestRow(pending.requestId);
      expect(request).toMatchObject({
        action: DeployAction.Upgrade,
        version: '2.0',
        previousStatus: S.Success,
        previousType: DeployAction.Create,
      });
      expect(request.diff).toEqual(expect.stringContaining('nginx:1.27'));
      await decide(admin, pending.requestId, AuditStatus.Disapproved);
      expect(await deploymentRow({ id })).toMatchObject({
        status: S.Success,
        deployType: DeployAction.Create,
        version: '1.0',
      });
      expect(await placementsOf(id)).toEqual(
        both().map((clusterId) => ({ clusterId, status: P.Running, removing: false, requestId: ran })),
      );
      expect(await applyJobsOf(id)).toEqual([]);
    });

    it('a cluster that gains the target label while an upgrade waits for audit gets the running version once it is disapproved', async () => {
      const labelCluster = (clusterId: string) =>
        s.db.query(`INSERT INTO cluster_labels (cluster_id, label) VALUES ($1, 'audit-wait')`, [clusterId]);
      await labelCluster(edgeA.id);
      const { id, requestId: ran } = await s.make.newDeployment(business, v1, {
        cluster: 'audit-wait',
        placements: [{ cluster: edgeA }],
      });
      await commands.upgrade(asActor(member), id, change('2.0'));
      // The label event finds the deployment waiting for audit, and leaves it alone.
      await labelCluster(edgeB.id);
      await s.get(Reconciler).onLabelsChanged({ label: 'audit-wait', clusterIds: [edgeB.id] });
      expect(await placementsOf(id)).toHaveLength(1);

      await decide(admin, (await deploymentRow({ id })).requestId, AuditStatus.Disapproved);
      expect(await placementsOf(id)).toEqual(
        [
          { clusterId: edgeA.id, status: P.Running, removing: false, requestId: ran },
          { clusterId: edgeB.id, status: P.Pending, removing: false, requestId: ran },
        ].sort((x, y) => x.clusterId.localeCompare(y.clusterId)),
      );
      expect(await applyJobsOf(id)).toEqual([edgeB.id]);
    });

    it('more reconciliations of one deployment at once than the pool has connections all finish', async () => {
      const made = await running();
      const deployment = await s.db.getRepository(DeploymentEntity).findOneByOrFail({ id: made.id });
      const reconciler = s.get(Reconciler);
      // Each waits for the deployment's lock holding a connection: the one holding the lock must read
      // its targets on its own connection, not wait for another (the pool has 20).
      const all = Promise.all(Array.from({ length: 25 }, () => reconciler.follow({ deployment })));
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise((resolve) => (timer = setTimeout(() => resolve('stuck'), 15_000)));
      expect(await Promise.race([all.then(() => 'done'), stuck])).toBe('done');
      clearTimeout(timer);
    }, 30_000);

    it('an approved upgrade targets the new version on every placement and joins the history', async () => {
      const { id } = await running();
      await commands.upgrade(asActor(admin), id, change('2.0'));
      const upgraded = await deploymentRow({ id });
      expect(upgraded).toMatchObject({
        status: S.Approved,
        deployType: DeployAction.Upgrade,
        version: '2.0',
      });
      await expectHandedToWorkers(id, upgraded.requestId, both());
      const { historyVersion } = (await queries.get(admin.principal, id, true)) as {
        historyVersion: { version: string; deployType: DeployAction }[];
      };
      expect(historyVersion).toEqual([
        expect.objectContaining({ version: '2.0', deployType: DeployAction.Upgrade }),
        expect.objectContaining({ version: '1.0', deployType: DeployAction.Create }),
      ]);
    });

    it('an upgrade to the running version is 409, to an unknown one 404; neither is recorded', async () => {
      const { id } = await running();
      await expect(commands.upgrade(asActor(member), id, change('1.0'))).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
      });
      await expect(commands.upgrade(asActor(member), id, change('9.9'))).rejects.toMatchObject({
        kind: ErrorKind.NotFound,
      });
      expect(await requestCount(id)).toBe(1);
    });

    it('a rollback goes only to a version the deployment ran before, never to the one it runs (409)', async () => {
      const { id } = await running();
      for (const version of ['2.0', '1.0'])
        await expect(commands.rollback(asActor(member), id, change(version))).rejects.toMatchObject({
          kind: ErrorKind.Conflict,
        });
      await commands.upgrade(asActor(admin), id, change('2.0'));
      await s.db.query(`UPDATE placements SET status = 'running' WHERE deployment_id = $1`, [id]);
      await s.get(StatusRollup).rollUpNow(id);
      await commands.rollback(asActor(member), id, change('1.0'));
      const pending = await deploymentRow({ id });
      expect(pending).toMatchObject({ status: S.Pending, deployType: DeployAction.Rollback, version: '2.0' });
      await decide(admin, pending.requestId, AuditStatus.Approved);
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Approved, version: '1.0' });
      await expectHandedToWorkers(id, pending.requestId, both());
      const { historyVersion } = (await queries.get(member.principal, id, true)) as {
        historyVersion: { version: string; deployType: DeployAction }[];
      };
      expect(historyVersion.map((entry) => [entry.version, entry.deployType])).toEqual([
        ['1.0', DeployAction.Rollback],
        ['2.0', DeployAction.Upgrade],
        ['1.0', DeployAction.Create],
      ]);
    });

    it('a delete, once approved, sends every placement to deleting and keeps the version', async () => {
      const { id } = await running();
      await commands.deleteById(asActor(member), id);
      const pending = await deploymentRow({ id });
      expect(pending).toMatchObject({ status: S.Pending, deployType: DeployAction.Delete });
      expect(await requestRow(pending.requestId)).toMatchObject({ previousStatus: S.Success });
      await decide(admin, pending.requestId, AuditStatus.Approved);
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Approved, version: '1.0' });
      await expectHandedToWorkers(id, pending.requestId, both(), P.Deleting);
    });

    it('a delete by name with nothing placed ends at once (9) and frees the name; an unknown name is 404', async () => {
      const { id, deployName } = await running({ placements: [] });
      await commands.deleteByName(asActor(admin), deployName);
      expect(await deploymentRow({ id })).toMatchObject({
        status: S.Deleted,
        deployType: DeployAction.Delete,
      });
      await expect(commands.deleteByName(asActor(admin), deployName)).rejects.toMatchObject({
        kind: ErrorKind.NotFound,
      });
      await createAs(admin, deployName);
    });

    it.each([S.Pending, S.Approved, S.Processing, S.Deploying])(
      'a deployment in status %s takes no upgrade or delete (409) and records none',
      async (status) => {
        const { id } = await running({ status });
        for (const request of [
          () => commands.upgrade(asActor(admin), id, change('2.0')),
          () => commands.deleteById(asActor(admin), id),
        ])
          await expect(request()).rejects.toMatchObject({ kind: ErrorKind.Conflict });
        expect(await requestCount(id)).toBe(1);
        expect(await deploymentRow({ id })).toMatchObject({ status });
      },
    );
  });

  describe('compare-and-set', () => {
    it('a status write the transition table refuses changes no row, and the whole decision rolls back', async () => {
      const { id, requestId } = await createAs(member, 'ended');
      // Something ended the deployment after the request was read: deleted (9) is no status approval follows.
      await s.db.query('UPDATE deployments SET status = $2 WHERE id = $1', [id, S.Deleted]);
      await expect(decide(admin, requestId, AuditStatus.Approved)).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
        message: 'deployment is deleted and cannot become approved',
      });
      expect(await deploymentRow({ id })).toMatchObject({ status: S.Deleted, requestId });
      expect(await requestRow(requestId)).toMatchObject({
        auditStatus: AuditStatus.Pending,
        auditorId: null,
      });
      await expectHandedToWorkers(id, requestId, []);
      expect(await trailOf(s.db, 'deploy.audit', requestId)).toEqual([]);
    });

    it('of two decisions made at once on one request exactly one is taken', async () => {
      const { id, requestId } = await createAs(member, 'raced');
      const outcomes = await Promise.allSettled([
        decide(admin, requestId, AuditStatus.Approved),
        decide(admin, requestId, AuditStatus.Disapproved),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const approved = outcomes[0].status === 'fulfilled';
      expect(await deploymentRow({ id })).toMatchObject({ status: approved ? S.Approved : S.Disapproved });
      expect((await trailOf(s.db, 'deploy.audit', requestId)).map((e) => e.detail.status)).toEqual([
        approved ? AuditStatus.Approved : AuditStatus.Disapproved,
      ]);
    });

    it('a placement write from a stale read, or for a request that is no longer current, changes no row', async () => {
      const store = s.get(PlacementStore);
      const { id } = await running({
        status: S.Approved,
        placements: [{ cluster: edgeA, status: P.Pending }],
      });
      const read = (await store.find(id, edgeA.id))!;
      expect(await store.move(read, P.Applied)).toBe(true);
      expect(await store.move(read, P.Running)).toBe(false);
      const applied = (await store.find(id, edgeA.id))!;
      expect(await store.move({ ...applied, requestId: applied.requestId! + 1000 }, P.Running)).toBe(false);
      expect(await store.find(id, edgeA.id)).toMatchObject({ status: P.Applied });
    });
  });

  describe('roll-up of placements', () => {
    const placed = (status: PlacementStatus, running: number, error: number, total: number) => ({
      status,
      running,
      error,
      total,
    });
    const rolledUp = async (
      status: DeployStatus,
      placements: ReturnType<typeof placed>[],
      action = DeployAction.Create,
    ): Promise<DeploymentView> => {
      const clusters = [edgeA, edgeB];
      const deployment = await running({
        status,
        action,
        placements: placements.map((placement, index) => ({ cluster: clusters[index], ...placement })),
      });
      await s.get(StatusRollup).rollUpNow(deployment.id);
      return (await queries.get(admin.principal, deployment.id, false)) as DeploymentView;
    };

    it.each([
      ['every cluster runs it: success', [placed(P.Running, 2, 0, 2), placed(P.Running, 1, 0, 1)], S.Success],
      ['some do: partial success', [placed(P.Running, 2, 0, 2), placed(P.Failed, 0, 2, 2)], S.PartialSuccess],
      ['none does: failed', [placed(P.Failed, 0, 1, 1), placed(P.Failed, 1, 1, 2)], S.Failed],
      [
        'an offline cluster does not hold it up',
        [placed(P.Running, 1, 0, 1), placed(P.Offline, 0, 0, 0)],
        S.PartialSuccess,
      ],
      [
        'no cluster has answered: processing',
        [placed(P.Pending, 0, 0, 0), placed(P.Pending, 0, 0, 0)],
        S.Processing,
      ],
      [
        'a cluster still rolls out: deploying',
        [placed(P.Applied, 1, 0, 2), placed(P.Running, 1, 0, 1)],
        S.Deploying,
      ],
    ] as [string, ReturnType<typeof placed>[], DeployStatus][])(
      'approved, %s; errorMessage sums the clusters',
      async (_, placements, expected) => {
        const view = await rolledUp(S.Approved, placements);
        expect(view.status).toBe(expected);
        const sum = (key: 'running' | 'error' | 'total') =>
          placements.reduce((total, placement) => total + placement[key], 0);
        expect(JSON.parse(view.errorMessage)).toEqual({
          running: sum('running'),
          error: sum('error'),
          total: sum('total'),
        });
        expect(view.clusters.map((cluster) => cluster.status)).toEqual(
          placements.map((placement) => placement.status),
        );
      },
    );

    it('a settled deployment is rolled up again when an offline cluster runs it (6 → 5)', async () => {
      const view = await rolledUp(S.PartialSuccess, [placed(P.Running, 1, 0, 1), placed(P.Offline, 0, 0, 0)]);
      expect(view.status).toBe(S.PartialSuccess);
      await s.db.query(
        `UPDATE placements SET status = 'running', running = 1, total = 1 WHERE deployment_id = $1`,
        [view.id],
      );
      await s.get(StatusRollup).rollUpNow(view.id);
      expect(await deploymentRow({ id: view.id })).toMatchObject({ status: S.Success });
    });

    it('an approved delete ends in deleted (9) once no placement is left, and is processing while one is', async () => {
      expect((await rolledUp(S.Approved, [], DeployAction.Delete)).status).toBe(S.Deleted);
      expect((await rolledUp(S.Approved, [placed(P.Deleting, 1, 0, 1)], DeployAction.Delete)).status).toBe(
        S.Processing,
      );
    });

    it('placements being removed are listed but not summed into errorMessage', async () => {
      const view = await rolledUp(S.Success, [placed(P.Running, 1, 0, 1), placed(P.Deleting, 3, 0, 3)]);
      expect(JSON.parse(view.errorMessage)).toEqual({ running: 1, error: 0, total: 1 });
      expect(view.clusters).toHaveLength(2);
    });

    it.each([S.Pending, S.Disapproved, S.Deleted])(
      'a deployment in status %s is never moved by a roll-up',
      async (status) => {
        expect((await rolledUp(status, [placed(P.Running, 1, 0, 1)])).status).toBe(status);
      },
    );

    it('changes ask for one roll-up job per deployment while it waits, and for one more while it runs', async () => {
      const rollup = s.get(StatusRollup);
      const [first, second] = [await running(), await running()];
      const rollUpsOf = async (id: number) =>
        (await queuedJobs(s, JobName.DeploymentRollUp)).filter((job) => job.deploymentId === id);
      // What a fan-out's placements do, from any number of worker replicas: one job, still waiting.
      await Promise.all([
        ...Array.from({ length: 5 }, () => rollup.rollUp(first.id)),
        rollup.rollUpAll([first.id, second.id, second.id]),
      ]);
      expect(await rollUpsOf(first.id)).toHaveLength(1);
      expect(await rollUpsOf(second.id)).toHaveLength(1);

      // Once the job runs it may have read the placements already: a change then gets a job of its own,
      // created when the running one ends.
      const queue = s.get(JobQueueService).queue(JOBS[JobName.DeploymentRollUp].queue);
      const { redisUrl } = s.get<AppConfig>(APP_CONFIG);
      const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
      const worker = new Worker(queue.name, null, { connection, prefix: queue.opts.prefix, autorun: false });
      try {
        const jobs = await queue.getJobs(['delayed', 'waiting']);
        await Promise.all(jobs.map((job) => job.promote().catch(() => undefined)));
        // Other tests' jobs may come first: they go back to waiting, as nothing here runs them.
        const others: Job[] = [];
        let active: Job | undefined;
        for (;;) {
          active = await worker.getNextJob('medium');
          if (!active || (active.name === JobName.DeploymentRollUp && active.data.deploymentId === first.id))
            break;
          others.push(active);
        }
        await Promise.all(others.map((job) => job.moveToWait('medium')));
        if (!active) throw new Error('the roll-up job was not fetched');
        expect(active.data).toEqual({ deploymentId: first.id });
        await rollup.rollUp(first.id);
        await rollup.rollUp(first.id);
        expect(await rollUpsOf(first.id)).toHaveLength(0);
        await active.moveToCompleted(null, 'medium', false);
        expect(await rollUpsOf(first.id)).toHaveLength(1);
      } finally {
        await worker.close();
        connection.disconnect();
      }
    });
  });

  describe('tenancy', () => {
    it('another business’s deployment and requests are not found: to read, change, delete or decide', async () => {
      const other = await s.make.newBusiness();
      const ours = await running();
      const theirs = await s.make.newDeployment(other, await s.make.newApp(other, { appName: 'web' }));
      const { requestId: pendingRequest } = await requestDeployment(
        s,
        await s.make.newMember(other),
        'theirs',
      );
      for (const attempt of [
        () => queries.get(admin.principal, theirs.id, true),
        () => commands.upgrade(asActor(admin), theirs.id, change('1.0')),
        () => commands.rollback(asActor(admin), theirs.id, change('1.0')),
        () => commands.deleteById(asActor(admin), theirs.id),
        () => commands.deleteByName(asActor(admin), theirs.deployName),
        () => decide(admin, pendingRequest, AuditStatus.Approved),
      ])
        await expect(attempt()).rejects.toMatchObject({ kind: ErrorKind.NotFound });
      expect(await requestCount(theirs.id)).toBe(1);

      const listed = await queries.list(admin.principal, withDefaults(DeployListQuery, { pageSize: 0 }));
      expect(listed.data.map((row) => row.id)).not.toContain(theirs.id);
      const requests = await queries.audits(
        admin.principal,
        withDefaults(RequestListQuery, { pageSize: 100 }),
      );
      expect(requests.data.map((row) => row.id)).not.toContain(pendingRequest);
      const asked = withDefaults(RequestListQuery, { businessName: other.name });
      expect(await queries.audits(admin.principal, asked)).toEqual({ data: [], total: 0 });

      const systemAdmin = (await s.make.newSystemAdmin()).principal;
      const everything = await queries.list(systemAdmin, withDefaults(DeployListQuery, { pageSize: 0 }));
      expect(everything.data.map((row) => row.id)).toEqual(expect.arrayContaining([theirs.id, ours.id]));
      expect((await queries.audits(systemAdmin, asked)).data.map((row) => row.id)).toContain(pendingRequest);
    });
  });
});
