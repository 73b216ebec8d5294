import { approvedBusiness, auth, login, loginAdmin, PASSWORD, registerUser } from './support/factories';
import { resetPassword } from './support/factories';
import { subUser, TestBusiness, uniqueName } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('user administration (/v1/admin/user)', () => {
  let t: TestApp;
  let admin: string;
  let business: TestBusiness;
  let other: TestBusiness;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    business = await approvedBusiness(t);
    other = await approvedBusiness(t);
  });
  afterAll(() => t.close());

  const subUserBody = (overrides: Record<string, unknown> = {}) => ({
    user: uniqueName('sub'),
    password: PASSWORD,
    phone: '12345678910',
    realName: 'Sub',
    isAdmin: false,
    ...overrides,
  });

  describe('who may call', () => {
    it.each([
      ['a pending user', { approve: false }],
      ['an approved user without a business', {}],
    ])('%s gets 403 on every route', async (_name, options) => {
      const user = await registerUser(t, options);
      await t.api().get('/v1/admin/user').set(auth(user.token)).expect(403);
      await t.api().post('/v1/admin/user').set(auth(user.token)).send(subUserBody()).expect(403);
      await t.api().delete(`/v1/admin/user/${user.id}`).set(auth(user.token)).expect(403);
      await resetPassword(t, user.token, user.id, 'NewPassw0rd').expect(403);
      await t.api().put(`/v1/admin/user/${user.id}`).set(auth(user.token)).send({ status: 1 }).expect(403);
    });

    it('a general user of a business gets 403', async () => {
      const general = await subUser(t, business);
      await t.api().get('/v1/admin/user').set(auth(general.token)).expect(403);
      await t.api().post('/v1/admin/user').set(auth(general.token)).send(subUserBody()).expect(403);
      await t.api().delete(`/v1/admin/user/${general.id}`).set(auth(general.token)).expect(403);
      await resetPassword(t, general.token, general.id, 'NewPassw0rd').expect(403);
    });

    it('only a system administrator audits users: a business administrator gets 403', async () => {
      const pending = await registerUser(t, { approve: false });
      await t
        .api()
        .put(`/v1/admin/user/${pending.id}`)
        .set(auth(business.admin.token))
        .send({ status: 1 })
        .expect(403);
      await t.api().put(`/v1/admin/user/${pending.id}`).set(auth(admin)).send({ status: 1 }).expect(200);
      const info = await t.api().get('/v1/authorization').set(auth(pending.token)).expect(200);
      expect(info.body.data.role).toBe(1);
    });

    it('no token: 401', async () => {
      await t.api().get('/v1/admin/user').expect(401);
    });
  });

  describe('POST /v1/admin/user', () => {
    it('creates an approved user in the creator’s business', async () => {
      const body = subUserBody();
      const response = await t
        .api()
        .post('/v1/admin/user')
        .set(auth(business.admin.token))
        .send(body)
        .expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      const token = await login(t, body.user, body.password);
      const info = await t.api().get('/v1/authorization').set(auth(token)).expect(200);
      expect(info.body.data.role).toBe(2);
      const list = await t
        .api()
        .get('/v1/admin/user?pageSize=100')
        .set(auth(business.admin.token))
        .expect(200);
      expect(list.body.data.find((u: { user: string }) => u.user === body.user)).toMatchObject({
        status: 1,
        businessId: business.id,
      });
    });

    it('an admin sub-user is a business administrator', async () => {
      const subAdmin = await subUser(t, business, true);
      const info = await t.api().get('/v1/authorization').set(auth(subAdmin.token)).expect(200);
      expect(info.body.data.role).toBe(3);
    });

    it('409 for a duplicate name, 422 for bad fields', async () => {
      const body = subUserBody();
      await t.api().post('/v1/admin/user').set(auth(business.admin.token)).send(body).expect(200);
      await t.api().post('/v1/admin/user').set(auth(business.admin.token)).send(body).expect(409);
      const bad = await t
        .api()
        .post('/v1/admin/user')
        .set(auth(business.admin.token))
        .send(subUserBody({ password: 'short', isAdmin: 1 }))
        .expect(422);
      expect(bad.body.message).toContain('password');
      expect(bad.body.message).toContain('isAdmin');
    });
  });

  describe('GET /v1/admin/user', () => {
    it('a system administrator sees every user, in the seed shape', async () => {
      const response = await t.api().get('/v1/admin/user?pageSize=1000').set(auth(admin)).expect(200);
      expect(response.body.code).toBe(200);
      expect(response.body.total).toBe(response.body.data.length);
      const owners = response.body.data.map((u: { id: number }) => u.id);
      expect(owners).toEqual(expect.arrayContaining([business.admin.id, other.admin.id]));
      expect(response.body.data[0]).toEqual({
        id: expect.any(Number),
        user: expect.any(String),
        status: expect.any(Number),
        realName: expect.any(String),
        phone: expect.any(String),
        isAdmin: expect.any(Boolean),
        businessId: null,
        createTime: expect.any(Number),
        updateTime: expect.any(Number),
      });
      expect(response.body.data[0]).not.toHaveProperty('passwordHash');
    });

    it('a business administrator sees only the users of their own business', async () => {
      const mine = await subUser(t, business);
      const theirs = await subUser(t, other);
      const response = await t
        .api()
        .get('/v1/admin/user?pageSize=1000')
        .set(auth(business.admin.token))
        .expect(200);
      const ids = response.body.data.map((u: { id: number }) => u.id);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
      expect(ids).not.toContain(other.admin.id);
      expect(response.body.data.every((u: { businessId: number }) => u.businessId === business.id)).toBe(
        true,
      );
    });

    it('pages and orders by id or user_name', async () => {
      const all = await t
        .api()
        .get('/v1/admin/user?pageSize=1000&orderBy=user_name&order=desc')
        .set(auth(admin))
        .expect(200);
      const names = all.body.data.map((u: { user: string }) => u.user);
      expect(names).toEqual([...names].sort().reverse());
      const page2 = await t
        .api()
        .get('/v1/admin/user?page=2&pageSize=2&orderBy=id')
        .set(auth(admin))
        .expect(200);
      expect(page2.body.data).toHaveLength(2);
      expect(page2.body.total).toBe(all.body.total);
      const ids = [...all.body.data].map((u: { id: number }) => u.id).sort((a: number, b: number) => a - b);
      expect(page2.body.data.map((u: { id: number }) => u.id)).toEqual(ids.slice(2, 4));
    });

    it.each([
      ['orderBy=phone', 'orderBy'],
      ['order=up', 'order'],
      ['page=abc', 'page'],
      ['page=0', 'page'],
      ['pageSize=-1', 'pageSize'],
      ['pageSize=x', 'pageSize'],
    ])('422 for %s', async (query, field) => {
      const response = await t.api().get(`/v1/admin/user?${query}`).set(auth(admin)).expect(422);
      expect(response.body.message).toContain(field);
    });
  });

  describe('PUT /v1/admin/user/{id}', () => {
    it('422 for a status outside 0-3 and for a non-numeric id; 404 for an unknown user', async () => {
      const user = await registerUser(t, { approve: false });
      await t.api().put(`/v1/admin/user/${user.id}`).set(auth(admin)).send({ status: 4 }).expect(422);
      await t.api().put(`/v1/admin/user/${user.id}`).set(auth(admin)).send({ status: '1' }).expect(422);
      await t.api().put('/v1/admin/user/abc').set(auth(admin)).send({ status: 1 }).expect(422);
      await t.api().put('/v1/admin/user/999999').set(auth(admin)).send({ status: 1 }).expect(404);
    });
  });

  describe('DELETE /v1/admin/user/{id}', () => {
    it('a business administrator deletes a user of their business; the user can no longer log in', async () => {
      const victim = await subUser(t, business);
      const response = await t
        .api()
        .delete(`/v1/admin/user/${victim.id}`)
        .set(auth(business.admin.token))
        .expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      await t
        .api()
        .post('/v1/authorization')
        .send({ user: victim.user, password: victim.password })
        .expect(401);
      await t.api().get('/v1/authorization').set(auth(victim.token)).expect(401);
    });

    it('another business’s user answers 404 and survives', async () => {
      const theirs = await subUser(t, other);
      const response = await t
        .api()
        .delete(`/v1/admin/user/${theirs.id}`)
        .set(auth(business.admin.token))
        .expect(404);
      expect(response.body).toEqual({ code: 404, message: expect.any(String) });
      await login(t, theirs.user, theirs.password);
    });

    it('nobody deletes themselves or a system administrator', async () => {
      await t.api().delete(`/v1/admin/user/${business.admin.id}`).set(auth(business.admin.token)).expect(403);
      const me = await t.api().get('/v1/admin/user?pageSize=1000').set(auth(admin)).expect(200);
      const sysadminId = me.body.data.find((u: { user: string }) => u.user === 'sysadmin').id;
      await t.api().delete(`/v1/admin/user/${sysadminId}`).set(auth(admin)).expect(403);
      await t.api().delete(`/v1/admin/user/${sysadminId}`).set(auth(business.admin.token)).expect(404);
    });

    it('a system administrator deletes any user; 404 for one that does not exist', async () => {
      const theirs = await subUser(t, other);
      await t.api().delete(`/v1/admin/user/${theirs.id}`).set(auth(admin)).expect(200);
      await t.api().delete(`/v1/admin/user/${theirs.id}`).set(auth(admin)).expect(404);
    });

    it('a business owner cannot be deleted while the business exists (409)', async () => {
      await t.api().delete(`/v1/admin/user/${other.admin.id}`).set(auth(admin)).expect(409);
    });
  });

  describe('PUT /v1/admin/user/{id}/password', () => {
    it('resets the password of a user in the caller’s business', async () => {
      const user = await subUser(t, business);
      await resetPassword(t, business.admin.token, user.id, 'Reset1234').expect(200);
      await login(t, user.user, 'Reset1234');
    });

    it('404 for another business’s user, 422 for a weak password', async () => {
      const theirs = await subUser(t, other);
      await resetPassword(t, business.admin.token, theirs.id, 'Reset1234').expect(404);
      await login(t, theirs.user, theirs.password);
      const mine = await subUser(t, business);
      await resetPassword(t, business.admin.token, mine.id, 'weakpass').expect(422);
    });
  });
});
