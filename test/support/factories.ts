import { randomBytes } from 'node:crypto';
import { ADMIN, TestApp } from './test-app';

export const PASSWORD = 'Passw0rdX';

export interface TestUser {
  id: number;
  user: string;
  password: string;
  token: string;
}

export const uniqueName = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export async function login(t: TestApp, user: string, password: string): Promise<string> {
  const response = await t.api().post('/v1/authorization').send({ user, password }).expect(200);
  return response.body.token;
}

export const loginAdmin = (t: TestApp) => login(t, ADMIN.user, ADMIN.password);

/** Sets a user's password as `token` (`PUT /v1/admin/user/{id}/password`); the caller says what it expects. */
export const resetPassword = (t: TestApp, token: string, userId: number, password: string) =>
  t.api().put(`/v1/admin/user/${userId}/password`).set(auth(token)).send({ password });

async function findUserId(t: TestApp, adminToken: string, user: string): Promise<number> {
  const response = await t
    .api()
    .get('/v1/admin/user?pageSize=100&order=desc')
    .set(auth(adminToken))
    .expect(200);
  const found = response.body.data.find((row: { user: string }) => row.user === user);
  if (!found) throw new Error(`user ${user} not listed`);
  return found.id;
}

/** Registers a user through the public route; approves it when asked to. */
export async function registerUser(
  t: TestApp,
  options: { isAdmin?: boolean; approve?: boolean } = {},
): Promise<TestUser> {
  const user = uniqueName('u');
  await t
    .api()
    .post('/v1/user')
    .send({
      user,
      password: PASSWORD,
      phone: '12345678910',
      realName: 'Test User',
      isAdmin: options.isAdmin ?? false,
    })
    .expect(200);
  const adminToken = await loginAdmin(t);
  const id = await findUserId(t, adminToken, user);
  if (options.approve ?? true) {
    await t.api().put(`/v1/admin/user/${id}`).set(auth(adminToken)).send({ status: 1 }).expect(200);
  }
  return { id, user, password: PASSWORD, token: await login(t, user, PASSWORD) };
}

export interface TestBusiness {
  id: number;
  name: string;
  admin: TestUser;
}

/** An approved business with its administrator logged in. */
export async function approvedBusiness(t: TestApp): Promise<TestBusiness> {
  const owner = await registerUser(t, { isAdmin: true });
  const name = uniqueName('biz');
  await t
    .api()
    .post('/v1/business')
    .set(auth(owner.token))
    .send({ name, introduce: 'intro', objective: 'goal', scale: 'small' })
    .expect(200);
  const list = await t.api().get('/v1/business').set(auth(owner.token)).expect(200);
  const id = list.body.data[0].id;
  const adminToken = await loginAdmin(t);
  await t
    .api()
    .put(`/v1/business/id/${id}`)
    .set(auth(adminToken))
    .send({ comment: 'ok', status: 1 })
    .expect(200);
  return { id, name, admin: owner };
}

/** A general user of the business, created by its administrator. */
export async function subUser(t: TestApp, business: TestBusiness, isAdmin = false): Promise<TestUser> {
  const user = uniqueName('s');
  await t
    .api()
    .post('/v1/admin/user')
    .set(auth(business.admin.token))
    .send({ user, password: PASSWORD, phone: '12345678910', realName: 'Sub User', isAdmin })
    .expect(200);
  const id = await findUserId(t, business.admin.token, user);
  return { id, user, password: PASSWORD, token: await login(t, user, PASSWORD) };
}
