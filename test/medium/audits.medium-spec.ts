import { AuditTrail } from '../../src/audit/audit-trail.service';
import { AuditListQuery } from '../../src/audit/dto';
import { AuthService } from '../../src/auth/auth.service';
import { UsersService } from '../../src/auth/users.service';
import { BusinessStatus } from '../../src/business/business-status';
import { BusinessService } from '../../src/business/business.service';
import { Principal } from '../../src/common/auth/principal';
import { ErrorKind } from '../../src/common/errors';
import { AuditStatus } from '../../src/deploy/deploy.entity';
import { DeployCommands } from '../../src/deploy/deploy-commands.service';
import { DeployStatus } from '../../src/deploy/deployment-status';
import { JobName } from '../../src/queue/jobs';
import { asActor, DEFAULT_ADDRESS, MadeBusiness, MadeUser } from './factories';
import {
  applyForBusiness,
  queuedJobs,
  requestDeployment,
  trailOf,
  whileRefusing,
  withDefaults,
} from './helpers';
import { ServiceContext, startServiceContext } from './service-context';

const ADDRESS = '198.51.100.7';
const PASSWORD = 'Passw0rdX'; // the factories' users' password
const NEW_PASSWORD = 'Passw0rdNew9';

/**
 * The audit trail (SPEC §13), straight on the services that decide: each kind of decision is recorded
 * with who, what, target, business and address, in the transaction of the change it records, and
 * each reader sees the entries of their scope.
 */
describe('audit trail (service)', () => {
  let s: ServiceContext;
  let systemAdmin: MadeUser;
  let business: MadeBusiness;
  let member: MadeUser;

  beforeAll(async () => {
    s = await startServiceContext();
    systemAdmin = await s.make.newSystemAdmin();
    business = await s.make.newBusiness();
    member = await s.make.newMember(business);
    await s.make.newApp(business, { appName: 'web' });
  });
  afterAll(() => s?.close());

  const by = (user: MadeUser) => asActor(user, ADDRESS);
  const applied = async () => {
    const owner = await s.make.newUser({ isAdmin: true });
    return { ...(await applyForBusiness(s, owner)), owner };
  };
  const approve = (businessId: number) =>
    s
      .get(BusinessService)
      .audit(by(systemAdmin), businessId, { status: BusinessStatus.Approved, comment: 'ok' });
  const decideDeploy = (requestId: number) =>
    s
      .get(DeployCommands)
      .audit(by(business.owner), { id: requestId, status: AuditStatus.Approved, comment: 'go' });
  const userRow = async (id: number) =>
    (await s.db.query('SELECT status, business_id AS "businessId" FROM users WHERE id = $1', [id]))[0];
  /** Who acted, from where, for which business: the part of an entry every decision shares. */
  const recordedBy = (actor: MadeUser, businessId: number | null) => ({
    actorId: actor.id,
    actorName: actor.userName,
    sourceIp: ADDRESS,
    businessId,
  });

  describe('every kind of decision is recorded', () => {
    it('a user audit: the status it moved from and to', async () => {
      const user = await s.make.newUser({ status: 0 });
      await s.get(UsersService).audit(by(systemAdmin), user.id, { status: 1 });
      expect(await trailOf(s.db, 'user.audit', user.id)).toEqual([
        {
          ...recordedBy(systemAdmin, null),
          action: 'user.audit',
          targetType: 'user',
          targetId: String(user.id),
          detail: { user: user.userName, from: 0, status: 1 },
        },
      ]);
    });

    it('a password reset and an own password change, never the password', async () => {
      const users = s.get(UsersService);
      await users.resetPassword(by(business.owner), member.id, NEW_PASSWORD);
      await users.changeOwnPassword(by(member), NEW_PASSWORD, PASSWORD);
      expect(await trailOf(s.db, 'user.password-reset', member.id)).toEqual([
        expect.objectContaining({
          ...recordedBy(business.owner, business.id),
          detail: { user: member.userName },
        }),
      ]);
      expect(await trailOf(s.db, 'user.password-change', member.id)).toEqual([
        expect.objectContaining(recordedBy(member, business.id)),
      ]);
      const everything = JSON.stringify(await s.db.query('SELECT * FROM audit_log'));
      for (const secret of [PASSWORD, NEW_PASSWORD]) expect(everything).not.toContain(secret);
    });

    it('a user deletion', async () => {
      const leaving = await s.make.newMember(business);
      await s.get(UsersService).delete(by(business.owner), leaving.id);
      expect(await trailOf(s.db, 'user.delete', leaving.id)).toEqual([
        expect.objectContaining({ ...recordedBy(business.owner, business.id), targetType: 'user' }),
      ]);
    });

    it('a business audit, in the business it decided', async () => {
      const { id, name, owner } = await applied();
      await approve(id);
      expect(await trailOf(s.db, 'business.audit', id)).toEqual([
        expect.objectContaining({
          ...recordedBy(systemAdmin, id),
          targetType: 'business',
          detail: { name, ownerId: owner.id, status: BusinessStatus.Approved, comment: 'ok' },
        }),
      ]);
    });

    it('a decision on a deployment request, and an administrator’s own request approved automatically', async () => {
      const asked = await requestDeployment(s, member, 'audited');
      await decideDeploy(asked.requestId);
      const auto = await requestDeployment(s, business.owner, 'automatic');
      for (const [{ id, requestId }, comment, sourceIp] of [
        [asked, 'go', ADDRESS],
        [auto, 'approved automatically', DEFAULT_ADDRESS],
      ] as const)
        expect(await trailOf(s.db, 'deploy.audit', requestId)).toEqual([
          expect.objectContaining({
            ...recordedBy(business.owner, business.id),
            sourceIp,
            targetType: 'deploy-request',
            detail: { deploymentId: id, action: 1, id: requestId, status: AuditStatus.Approved, comment },
          }),
        ]);
    });

    it('a failed login, platform-wide when the name is nobody’s, without the password tried', async () => {
      const auth = s.get(AuthService);
      await expect(auth.login(member.userName, 'Wr0ngPassword', ADDRESS)).rejects.toMatchObject({
        kind: ErrorKind.Unauthorized,
      });
      await expect(auth.login('nobody-at-all', 'Wr0ngPassword', ADDRESS)).rejects.toMatchObject({
        kind: ErrorKind.Unauthorized,
      });
      expect(await trailOf(s.db, 'auth.login-failed', member.id)).toEqual([
        expect.objectContaining({
          ...recordedBy(member, business.id),
          detail: { reason: 'wrong user name or password' },
        }),
      ]);
      expect(await trailOf(s.db, 'auth.login-failed', 'nobody-at-all')).toEqual([
        expect.objectContaining({ actorId: null, actorName: 'nobody-at-all', businessId: null }),
      ]);
      expect(JSON.stringify(await s.db.query('SELECT * FROM audit_log'))).not.toContain('Wr0ngPassword');
    });
  });

  describe('in the transaction of the change', () => {
    it('a business approval that fails in the database leaves no entry, no administrator and no namespace job', async () => {
      const { id, owner } = await applied();
      await whileRefusing(s.db, 'users', `business_id IS DISTINCT FROM ${id}`, async () => {
        await expect(approve(id)).rejects.toThrow(/medium_refusal/);
      });
      expect(await s.db.query('SELECT status FROM businesses WHERE id = $1', [id])).toEqual([
        { status: BusinessStatus.Pending },
      ]);
      expect(await userRow(owner.id)).toMatchObject({ businessId: null });
      expect(await trailOf(s.db, 'business.audit', id)).toEqual([]);
      expect((await queuedJobs(s, JobName.NamespaceEnsure)).filter((job) => job.businessId === id)).toEqual(
        [],
      );
      await approve(id); // the same decision, once the database takes it, is recorded once
      expect(await trailOf(s.db, 'business.audit', id)).toHaveLength(1);
    });

    it('a user audit that fails in the database leaves no entry', async () => {
      const user = await s.make.newUser();
      await whileRefusing(s.db, 'users', 'status <> 2', async () => {
        await expect(s.get(UsersService).audit(by(systemAdmin), user.id, { status: 2 })).rejects.toThrow(
          /medium_refusal/,
        );
      });
      expect(await userRow(user.id)).toMatchObject({ status: 1 });
      expect(await trailOf(s.db, 'user.audit', user.id)).toEqual([]);
    });

    it('a deployment approval whose entry cannot be written does not happen', async () => {
      const { id, requestId } = await requestDeployment(s, member, 'unrecorded');
      await whileRefusing(s.db, 'audit_log', `action <> 'deploy.audit'`, async () => {
        await expect(decideDeploy(requestId)).rejects.toThrow(/medium_refusal/);
      });
      expect(await s.db.query('SELECT status FROM deployments WHERE id = $1', [id])).toEqual([
        { status: DeployStatus.Pending },
      ]);
      expect(await s.db.query('SELECT audit_status FROM deploy_requests WHERE id = $1', [requestId])).toEqual(
        [{ audit_status: AuditStatus.Pending }],
      );
      expect(await s.db.query('SELECT 1 FROM deployment_versions WHERE deployment_id = $1', [id])).toEqual(
        [],
      );
    });

    it('a user deletion whose entry cannot be written does not happen', async () => {
      const victim = await s.make.newMember(business);
      await whileRefusing(s.db, 'audit_log', `action <> 'user.delete'`, async () => {
        await expect(s.get(UsersService).delete(by(business.owner), victim.id)).rejects.toThrow(
          /medium_refusal/,
        );
      });
      expect(await userRow(victim.id)).toMatchObject({ businessId: business.id });
    });
  });

  describe('who reads which entries', () => {
    let other: MadeBusiness;
    const read = async (principal: Principal, values: Partial<AuditListQuery> = {}) =>
      s.get(AuditTrail).list(principal, withDefaults(AuditListQuery, { pageSize: 100, ...values }));
    const businessesIn = async (principal: Principal) =>
      new Set(
        (
          await s.db.query(`SELECT business_id FROM audit_log WHERE id = ANY($1::bigint[])`, [
            (await read(principal)).data.map((entry) => entry.id),
          ])
        ).map((row: { business_id: number | null }) => row.business_id),
      );

    beforeAll(async () => {
      other = await s.make.newBusiness();
      const outsider = await s.make.newMember(other);
      await s.get(UsersService).audit(by(systemAdmin), outsider.id, { status: 1 });
      await s.get(UsersService).audit(by(systemAdmin), member.id, { status: 1 });
      await expect(s.get(AuthService).login('nobody-else', 'Wr0ngPassword', ADDRESS)).rejects.toThrow();
    });

    it('a system administrator reads every entry, platform-wide ones included', async () => {
      expect([...(await businessesIn(systemAdmin.principal))]).toEqual(
        expect.arrayContaining([business.id, other.id, null]),
      );
      const { total } = await read(systemAdmin.principal);
      expect(total).toBe(Number((await s.db.query('SELECT count(*) FROM audit_log'))[0].count));
    });

    it('a business administrator reads their business’s entries only', async () => {
      expect(await businessesIn(business.owner.principal)).toEqual(new Set([business.id]));
      expect(await businessesIn(other.owner.principal)).toEqual(new Set([other.id]));
    });

    it('a user without a business reads none', async () => {
      expect(await read((await s.make.newUser()).principal)).toEqual({ data: [], total: 0 });
    });

    it('filters by action, actor and time, newest first, in pages with the total', async () => {
      const all = await read(systemAdmin.principal);
      const order = all.data.map((entry) => [entry.time, entry.id]);
      expect(order).toEqual([...order].sort(([t1, i1], [t2, i2]) => t2 - t1 || i2 - i1));
      const byAction = await read(systemAdmin.principal, { action: 'auth.login-failed' });
      expect(byAction.total).toBeGreaterThan(0);
      expect(byAction.data.every((entry) => entry.action === 'auth.login-failed')).toBe(true);
      const byActor = await read(systemAdmin.principal, { actorId: business.owner.id });
      expect(byActor.total).toBeGreaterThan(0);
      expect(byActor.data.every((entry) => entry.actorId === business.owner.id)).toBe(true);
      const now = Math.floor(Date.now() / 1000);
      expect((await read(systemAdmin.principal, { since: now - 3600 })).total).toBe(all.total);
      expect((await read(systemAdmin.principal, { since: now + 60 })).total).toBe(0);
      expect((await read(systemAdmin.principal, { until: now - 3600 })).total).toBe(0);
      const page = await read(systemAdmin.principal, { page: 2, pageSize: 2 });
      expect(page.total).toBe(all.total);
      expect(page.data.map((entry) => entry.id)).toEqual(all.data.slice(2, 4).map((entry) => entry.id));
    });
  });
});
