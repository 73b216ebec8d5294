import {
  approvedBusiness,
  auth,
  loginAdmin,
  registerUser,
  subUser,
  TestUser,
  uniqueName,
} from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('businesses (/v1/business)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const body = (overrides: Record<string, unknown> = {}) => ({
    name: uniqueName('biz'),
    introduce: 'intrduce',
    objective: 'objective',
    scale: 'scale',
    ...overrides,
  });
  const ownBusinessId = async (user: TestUser) =>
    (await t.api().get('/v1/business').set(auth(user.token)).expect(200)).body.data[0].id as number;
  /** The user applies for a new business; returns its id. */
  const applyAs = async (user: TestUser) => {
    await t.api().post('/v1/business').set(auth(user.token)).send(body()).expect(200);
    return ownBusinessId(user);
  };
  /** Decides on business `id` as `token` (`PUT /v1/business/id/{id}`). */
  const audit = (id: number, token: string, decision: object) =>
    t.api().put(`/v1/business/id/${id}`).set(auth(token)).send(decision);

  describe('POST', () => {
    it('an approved admin user opens one business, pending', async () => {
      const owner = await registerUser(t, { isAdmin: true });
      const request = body();
      const response = await t.api().post('/v1/business').set(auth(owner.token)).send(request).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      const list = await t.api().get('/v1/business').set(auth(owner.token)).expect(200);
      expect(list.body).toMatchObject({ code: 200, total: 1 });
      expect(list.body.data[0]).toEqual({
        id: expect.any(Number),
        name: request.name,
        userId: owner.id,
        introduce: 'intrduce',
        objective: 'objective',
        scale: 'scale',
        comment: '',
        status: 0,
        createTime: expect.any(Number),
        updateTime: expect.any(Number),
      });
      await t.api().post('/v1/business').set(auth(owner.token)).send(body()).expect(409);
    });

    it('422 naming each bad field', async () => {
      const owner = await registerUser(t, { isAdmin: true });
      const response = await t
        .api()
        .post('/v1/business')
        .set(auth(owner.token))
        .send({ name: '', introduce: 5, userId: 3 })
        .expect(422);
      for (const field of ['name', 'introduce', 'objective', 'scale', 'userId'])
        expect(response.body.message).toContain(field);
    });
  });

  describe('GET', () => {
    it('a system administrator lists all, filters by name and pages; others see only their own', async () => {
      const a = await approvedBusiness(t);
      const b = await approvedBusiness(t);
      const all = await t.api().get('/v1/business?pageSize=100').set(auth(admin)).expect(200);
      const ids = all.body.data.map((x: { id: number }) => x.id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(all.body.total).toBe(ids.length);

      const filtered = await t
        .api()
        .get(`/v1/business?name=${a.name.slice(2)}`)
        .set(auth(admin))
        .expect(200);
      expect(filtered.body.data.map((x: { id: number }) => x.id)).toEqual([a.id]);

      const desc = await t
        .api()
        .get('/v1/business?pageSize=1&orderBy=id&order=desc')
        .set(auth(admin))
        .expect(200);
      expect(desc.body.data).toHaveLength(1);
      expect(desc.body.data[0].id).toBe(Math.max(...ids));

      const mine = await t.api().get('/v1/business').set(auth(a.admin.token)).expect(200);
      expect(mine.body.data.map((x: { id: number }) => x.id)).toEqual([a.id]);
      const general = await subUser(t, a);
      const theirs = await t.api().get('/v1/business').set(auth(general.token)).expect(200);
      expect(theirs.body.data.map((x: { id: number }) => x.id)).toEqual([a.id]);
    });

    it('422 for an orderBy other than id', async () => {
      await t.api().get('/v1/business?orderBy=name').set(auth(admin)).expect(422);
    });

    it('GET /v1/business/id/{id}: own business in the seed shape, another business 404', async () => {
      const a = await approvedBusiness(t);
      const b = await approvedBusiness(t);
      const response = await t.api().get(`/v1/business/id/${a.id}`).set(auth(a.admin.token)).expect(200);
      expect(response.body).toEqual({
        code: 200,
        message: 'success',
        data: expect.objectContaining({
          id: a.id,
          name: a.name,
          userId: a.admin.id,
          status: 1,
          comment: 'ok',
        }),
      });
      await t.api().get(`/v1/business/id/${b.id}`).set(auth(a.admin.token)).expect(404);
      await t.api().get(`/v1/business/id/${b.id}`).set(auth(admin)).expect(200);
      await t.api().get('/v1/business/id/987654').set(auth(admin)).expect(404);
      await t.api().get('/v1/business/id/x1').set(auth(admin)).expect(422);
    });
  });

  describe('PUT /v1/business/id/{id} (audit)', () => {
    it('approval makes the owner a business administrator; a second decision is 409', async () => {
      const owner = await registerUser(t, { isAdmin: true });
      const id = await applyAs(owner);
      expect((await t.api().get('/v1/authorization').set(auth(owner.token))).body.data.role).toBe(1);

      const response = await audit(id, admin, { comment: 'pass', status: 1 }).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      expect((await t.api().get('/v1/authorization').set(auth(owner.token))).body.data.role).toBe(3);
      const business = await t.api().get(`/v1/business/id/${id}`).set(auth(owner.token)).expect(200);
      expect(business.body.data).toMatchObject({ status: 1, comment: 'pass' });

      await audit(id, admin, { comment: 'again', status: 2 }).expect(409);
    });

    it('disapproval leaves the owner without a business, who may then apply again', async () => {
      const owner = await registerUser(t, { isAdmin: true });
      const id = await applyAs(owner);
      await audit(id, admin, { comment: 'no', status: 2 }).expect(200);
      expect((await t.api().get('/v1/authorization').set(auth(owner.token))).body.data.role).toBe(1);
      await t.api().post('/v1/business').set(auth(owner.token)).send(body()).expect(200);
    });

    it('only a system administrator audits: the owner and a business administrator get 403', async () => {
      const owner = await registerUser(t, { isAdmin: true });
      const id = await applyAs(owner);
      const other = await approvedBusiness(t);
      await audit(id, owner.token, { comment: 'me', status: 1 }).expect(403);
      await audit(id, other.admin.token, { comment: 'x', status: 1 }).expect(403);
    });

    it('422 for a status other than 1 or 2 or a missing comment; 404 for an unknown business', async () => {
      const owner = await registerUser(t, { isAdmin: true });
      const id = await applyAs(owner);
      await audit(id, admin, { comment: 'x', status: 3 }).expect(422);
      await audit(id, admin, { comment: 'x', status: 0 }).expect(422);
      const missing = await audit(id, admin, { status: 1 }).expect(422);
      expect(missing.body.message).toContain('comment');
      await audit(987654, admin, { comment: 'x', status: 1 }).expect(404);
    });
  });
});
