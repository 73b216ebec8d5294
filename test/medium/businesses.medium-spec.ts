import { BusinessStatus } from '../../src/business/business-status';
import { BusinessService } from '../../src/business/business.service';
import { BusinessListQuery } from '../../src/business/dto';
import { Role } from '../../src/common/auth/principal';
import { ErrorKind } from '../../src/common/errors';
import { JobName } from '../../src/queue/jobs';
import { asActor, MadeCluster, MadeUser } from './factories';
import { applyForBusiness, businessName, queuedJobs, trailOf, withDefaults } from './helpers';
import { ServiceContext, startServiceContext } from './service-context';

/** SPEC §3's rules for businesses, straight on BusinessService: who opens, who sees, how a decision is made. */
describe('businesses (service)', () => {
  let s: ServiceContext;
  let businesses: BusinessService;
  let systemAdmin: MadeUser;
  let clusters: MadeCluster[];

  beforeAll(async () => {
    s = await startServiceContext();
    businesses = s.get(BusinessService);
    systemAdmin = await s.make.newSystemAdmin();
    clusters = [await s.make.newCluster(), await s.make.newCluster()];
  });
  afterAll(() => s?.close());

  const applicant = () => s.make.newUser({ isAdmin: true });
  /** An approved administrator user's application, pending; returns its id. */
  const apply = async (owner: MadeUser, name?: string): Promise<number> =>
    (await applyForBusiness(s, owner, name)).id;
  const rowOf = async (id: number) =>
    (await s.db.query('SELECT status, comment, user_id AS "userId" FROM businesses WHERE id = $1', [id]))[0];
  const decide = (id: number, status: BusinessStatus.Approved | BusinessStatus.Disapproved, comment = 'ok') =>
    businesses.audit(asActor(systemAdmin), id, { status, comment });
  const listAs = (user: MadeUser, values: Partial<BusinessListQuery> = {}) =>
    businesses.list(user.principal, withDefaults(BusinessListQuery, values));
  const namespaceJobsOf = async (businessId: number) =>
    (await queuedJobs(s, JobName.NamespaceEnsure)).filter((job) => job.businessId === businessId);

  describe('opening one', () => {
    it('an approved administrator user without a business opens one, pending, owned by them', async () => {
      const owner = await applicant();
      const id = await apply(owner);
      expect(await rowOf(id)).toEqual({ status: BusinessStatus.Pending, comment: '', userId: owner.id });
      // Still without a business until the decision: the owner sees it as theirs all the same.
      expect(await businesses.get(owner.principal, id)).toMatchObject({ id, userId: owner.id, status: 0 });
      expect((await listAs(owner)).data.map((b) => b.id)).toEqual([id]);
    });

    it('one each: a second application is 409 while the first is pending or approved, allowed after disapproval', async () => {
      const owner = await applicant();
      const first = await apply(owner);
      await expect(apply(owner)).rejects.toMatchObject({ kind: ErrorKind.Conflict });
      await decide(first, BusinessStatus.Disapproved, 'no');
      await decide(await apply(owner), BusinessStatus.Approved);
      await expect(apply(await s.make.reload(owner))).rejects.toMatchObject({ kind: ErrorKind.Conflict });
    });

    it('a name is unique across owners (409), and nothing is stored for the refused one', async () => {
      const name = businessName();
      await apply(await applicant(), name);
      await expect(apply(await applicant(), name)).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
        message: expect.stringContaining(name),
      });
      expect(await s.db.query('SELECT id FROM businesses WHERE name = $1', [name])).toHaveLength(1);
    });

    it.each([
      ['an approved user who is not an administrator', () => s.make.newUser({ isAdmin: false })],
      [
        'a pending administrator user',
        () => s.make.newUser({ isAdmin: true, status: 0, role: Role.Pending }),
      ],
      ['a system administrator', () => s.make.newSystemAdmin()],
      ['a general user of a business', async () => s.make.newMember(await s.make.newBusiness())],
    ] as [string, () => Promise<MadeUser>][])('%s may not open one (403)', async (_, who) => {
      const user = await who();
      const name = businessName();
      await expect(apply(user, name)).rejects.toMatchObject({ kind: ErrorKind.Forbidden });
      expect(await s.db.query('SELECT id FROM businesses WHERE name = $1', [name])).toEqual([]);
    });

    it('a business administrator already has one (409)', async () => {
      const { owner } = await s.make.newBusiness();
      await expect(apply(owner)).rejects.toMatchObject({
        kind: ErrorKind.Conflict,
      });
    });
  });

  describe('the decision', () => {
    it('approval keeps the comment, makes the owner the business administrator and queues its namespace in every cluster', async () => {
      const owner = await applicant();
      const id = await apply(owner);
      expect(await namespaceJobsOf(id)).toEqual([]);
      await decide(id, BusinessStatus.Approved, 'welcome');
      expect(await rowOf(id)).toMatchObject({ status: BusinessStatus.Approved, comment: 'welcome' });
      expect((await s.make.reload(owner)).principal).toMatchObject({
        role: Role.BusinessAdmin,
        businessId: id,
      });
      expect(await namespaceJobsOf(id)).toEqual(
        expect.arrayContaining(clusters.map((cluster) => ({ businessId: id, clusterId: cluster.id }))),
      );
      expect(await namespaceJobsOf(id)).toHaveLength(clusters.length);
    });

    it('disapproval keeps the comment, leaves the owner without a business and queues nothing', async () => {
      const owner = await applicant();
      const id = await apply(owner);
      await decide(id, BusinessStatus.Disapproved, 'not now');
      expect(await rowOf(id)).toMatchObject({ status: BusinessStatus.Disapproved, comment: 'not now' });
      expect((await s.make.reload(owner)).principal).toMatchObject({ role: Role.Approved, businessId: null });
      expect(await namespaceJobsOf(id)).toEqual([]);
    });

    it.each([
      ['approved', BusinessStatus.Approved],
      ['disapproved', BusinessStatus.Disapproved],
    ] as const)(
      'a decision is made once, from pending: once %s, a business takes no other (409)',
      async (_, first) => {
        const id = await apply(await applicant());
        await decide(id, first, 'first');
        for (const next of [BusinessStatus.Approved, BusinessStatus.Disapproved] as const)
          await expect(decide(id, next, 'again')).rejects.toMatchObject({ kind: ErrorKind.Conflict });
        expect(await rowOf(id)).toMatchObject({ status: first, comment: 'first' });
        expect(await trailOf(s.db, 'business.audit', id)).toHaveLength(1);
      },
    );

    it('of two decisions made at once exactly one is taken; the other is 409', async () => {
      const owner = await applicant();
      const id = await apply(owner);
      const outcomes = await Promise.allSettled([
        decide(id, BusinessStatus.Approved, 'yes'),
        decide(id, BusinessStatus.Disapproved, 'no'),
      ]);
      const taken = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({
        reason: { kind: ErrorKind.Conflict },
      });
      const expected = taken === 0 ? BusinessStatus.Approved : BusinessStatus.Disapproved;
      expect(await rowOf(id)).toMatchObject({ status: expected });
      expect((await trailOf(s.db, 'business.audit', id)).map((entry) => entry.detail.status)).toEqual([
        expected,
      ]);
    });

    it('an unknown business is 404', async () => {
      await expect(decide(987654, BusinessStatus.Approved)).rejects.toMatchObject({
        kind: ErrorKind.NotFound,
      });
    });
  });

  describe('who sees what', () => {
    it('a system administrator sees every business, by id, by part of its name, in pages', async () => {
      const [a, b] = [await s.make.newBusiness(), await s.make.newBusiness()];
      const all = await listAs(systemAdmin, { pageSize: 100 });
      expect(all.data.map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(all.total).toBe(all.data.length);
      expect(await businesses.get(systemAdmin.principal, b.id)).toMatchObject({ id: b.id, name: b.name });
      const filtered = await listAs(systemAdmin, { name: a.name.slice(3).toUpperCase() });
      expect(filtered.data.map((x) => x.id)).toEqual([a.id]);
      const newest = await listAs(systemAdmin, { pageSize: 1, order: 'desc' });
      expect(newest).toMatchObject({
        total: all.total,
        data: [{ id: Math.max(...all.data.map((x) => x.id)) }],
      });
    });

    it('LIKE wildcards in the name filter are literal', async () => {
      await s.make.newBusiness();
      for (const name of ['%', '_'])
        expect(await listAs(systemAdmin, { name })).toEqual({ data: [], total: 0 });
    });

    it('its administrator and its members see their own business only; another one is 404', async () => {
      const [own, other] = [await s.make.newBusiness(), await s.make.newBusiness()];
      for (const user of [own.owner, await s.make.newMember(own)]) {
        expect((await listAs(user, { pageSize: 100 })).data.map((x) => x.id)).toEqual([own.id]);
        await expect(businesses.get(user.principal, own.id)).resolves.toMatchObject({ id: own.id });
        await expect(businesses.get(user.principal, other.id)).rejects.toMatchObject({
          kind: ErrorKind.NotFound,
        });
      }
    });
  });
});
