import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, login, loginAdmin, PASSWORD, registerUser } from './support/factories';
import { resetPassword } from './support/factories';
import { subUser, TestBusiness, uniqueName } from './support/factories';
import { ADMIN, readyToServe, startTestApp, TestApp } from './support/test-app';

/** Issue 8's findings on sessions, login throttling and account takeover, one test each. */

const nowSeconds = () => Math.floor(Date.now() / 1000);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const newUserBody = () => ({
  user: uniqueName('reg'),
  password: PASSWORD,
  phone: '12345678910',
  realName: 'Someone',
  isAdmin: false,
});

describe('sessions', () => {
  let t: TestApp;
  /** A second replica on the same database and Redis, as a second process would be. */
  let replica: INestApplication;
  const onReplica = (): TestAgent => request(replica.getHttpServer());

  beforeAll(async () => {
    t = await startTestApp();
    replica = await createApp(loadConfig({ ...t.env, PROCESS_ROLE: 'api' }));
    await readyToServe(replica);
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  it('changing one’s password ends every other session on every replica at once, and keeps the current one', async () => {
    const user = await registerUser(t);
    const other = await login(t, user.user, user.password);
    // Both replicas have just seen both sessions (and may hold the user in their caches).
    await onReplica().get('/v1/authorization').set(auth(other)).expect(200);
    await t.api().get('/v1/authorization').set(auth(other)).expect(200);

    await t
      .api()
      .put('/v1/user')
      .set(auth(user.token))
      .send({ oldPassword: user.password, password: 'Changed123' })
      .expect(200);

    const ended = await onReplica().get('/v1/authorization').set(auth(other)).expect(401);
    expect(ended.body.message).toContain('log in again');
    await t.api().get('/v1/authorization').set(auth(other)).expect(401);
    await t.api().put('/v1/authorization').set(auth(other)).expect(401);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(200);
    const refreshed = await t.api().put('/v1/authorization').set(auth(user.token)).expect(200);
    await onReplica().get('/v1/authorization').set(auth(refreshed.body.token)).expect(200);
    await login(t, user.user, 'Changed123');
  });

  it('a password reset by an administrator ends every session of the user on every replica', async () => {
    const business = await approvedBusiness(t);
    const user = await subUser(t, business);
    const second = await login(t, user.user, user.password);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(200);

    await resetPassword(t, business.admin.token, user.id, 'Reset1234').expect(200);

    for (const token of [user.token, second]) {
      await onReplica().get('/v1/authorization').set(auth(token)).expect(401);
      await t.api().get('/v1/authorization').set(auth(token)).expect(401);
    }
    // The administrator's own session is not touched.
    await onReplica().get('/v1/authorization').set(auth(business.admin.token)).expect(200);
    await login(t, user.user, 'Reset1234');
  });

  it('refusing an account ends its sessions for good: approving it again does not revive them', async () => {
    const user = await registerUser(t);
    const admin = await loginAdmin(t);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(200);
    await t.api().put(`/v1/admin/user/${user.id}`).set(auth(admin)).send({ status: 3 }).expect(200);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(403);
    await t.api().put(`/v1/admin/user/${user.id}`).set(auth(admin)).send({ status: 1 }).expect(200);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(401);
    await login(t, user.user, user.password);
  });

  it('deleting a user ends their sessions on every replica at once', async () => {
    const business = await approvedBusiness(t);
    const user = await subUser(t, business);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(200);
    await t.api().delete(`/v1/admin/user/${user.id}`).set(auth(business.admin.token)).expect(200);
    await onReplica().get('/v1/authorization').set(auth(user.token)).expect(401);
  });

  it('a role change is seen by the next request on every replica', async () => {
    const owner = await registerUser(t, { isAdmin: true });
    const before = await onReplica().get('/v1/authorization').set(auth(owner.token)).expect(200);
    expect(before.body.data.role).toBe(1);
    await t
      .api()
      .post('/v1/business')
      .set(auth(owner.token))
      .send({ name: uniqueName('biz'), introduce: 'i', objective: 'o', scale: 's' })
      .expect(200);
    const id = (await t.api().get('/v1/business').set(auth(owner.token)).expect(200)).body.data[0].id;
    const admin = await loginAdmin(t);
    await t
      .api()
      .put(`/v1/business/id/${id}`)
      .set(auth(admin))
      .send({ comment: 'ok', status: 1 })
      .expect(200);
    const after = await onReplica().get('/v1/authorization').set(auth(owner.token)).expect(200);
    expect(after.body.data.role).toBe(3);
  });

  it('of four parallel refreshes of one token exactly one succeeds', async () => {
    const token = await loginAdmin(t);
    const answers = await Promise.all(
      [t.api(), onReplica(), t.api(), onReplica()].map((agent) =>
        agent.put('/v1/authorization').set(auth(token)),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401]);
    const winner = answers.find((answer) => answer.status === 200)!;
    await t.api().get('/v1/authorization').set(auth(winner.body.token)).expect(200);
    await t.api().get('/v1/authorization').set(auth(token)).expect(401);
  });

  it('a session ends SESSION_MAX_HOURS (12) after its login, however often it is refreshed', async () => {
    const user = await registerUser(t);
    const login = claimsOf(user.token);
    const refreshed = claimsOf(
      (await t.api().put('/v1/authorization').set(auth(user.token)).expect(200)).body.token,
    );
    expect(refreshed.auth_time).toBe(login.auth_time);

    // Tokens as a session would hold them near and past its end (signed with the server's key).
    const jwt = t.app.get(JwtService, { strict: false });
    const tokenOfSessionStarted = (secondsAgo: number) =>
      jwt.sign({
        sub: user.id,
        jti: uniqueName('jti'),
        ver: login.ver,
        auth_time: nowSeconds() - secondsAgo,
        exp: nowSeconds() + 3600,
      });
    const nearTheEnd = tokenOfSessionStarted(12 * 3600 - 600);
    const last = await t.api().put('/v1/authorization').set(auth(nearTheEnd)).expect(200);
    const lastClaims = claimsOf(last.body.token);
    expect(lastClaims.exp).toBe(lastClaims.auth_time + 12 * 3600);
    expect(lastClaims.exp - lastClaims.iat).toBeLessThanOrEqual(600);

    const pastTheEnd = tokenOfSessionStarted(12 * 3600 + 60);
    const refused = await t.api().put('/v1/authorization').set(auth(pastTheEnd)).expect(401);
    expect(refused.body.message).toContain('session expired');
    await t.api().get('/v1/authorization').set(auth(pastTheEnd)).expect(401);
  });

  it('a token without the session claims (as issued before them) is refused', async () => {
    const jwt = t.app.get(JwtService, { strict: false });
    const legacy = jwt.sign({ sub: 1, jti: uniqueName('jti'), exp: nowSeconds() + 3600 });
    await t.api().get('/v1/authorization').set(auth(legacy)).expect(401);
  });
});

describe('login throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    // One proxy in front: each test picks its own client address through X-Forwarded-For.
    t = await startTestApp({ TRUST_PROXY: '1' });
  });
  afterAll(() => t.close());

  let addressCount = 0;
  const newAddress = () => `198.51.100.${++addressCount}`;
  const attempt = (user: string, password: string, address: string) =>
    t.api().post('/v1/authorization').set('X-Forwarded-For', address).send({ user, password });

  it('of 20 parallel wrong guesses for one user name at most 5 are checked; the rest are 429 with Retry-After', async () => {
    const user = await registerUser(t);
    const address = newAddress();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => attempt(user.user, 'Wrong1234', address)),
    );
    const checked = answers.filter((answer) => answer.status === 401);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(checked.length + refused.length).toBe(20);
    for (const answer of refused) {
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(answer.body).toEqual({ code: 429, message: expect.stringContaining('retry in') });
    }
    // The right password waits too, from any address.
    await attempt(user.user, user.password, newAddress()).expect(429);
  });

  it('past the limit each further failure doubles the wait, and a correct login starts afresh', async () => {
    const user = await registerUser(t);
    const address = newAddress();
    for (let i = 0; i < 5; i++) await attempt(user.user, 'Wrong1234', address).expect(401);
    const waits: number[] = [];
    for (let failure = 0; failure < 2; failure++) {
      const refused = await attempt(user.user, 'Wrong1234', address).expect(429);
      waits.push(Number(refused.headers['retry-after']));
      // Attempts during the wait are refused unchecked; the first after it is checked again.
      await eventuallyStatus(() => attempt(user.user, 'Wrong1234', address), 401);
    }
    const refused = await attempt(user.user, user.password, address).expect(429);
    waits.push(Number(refused.headers['retry-after']));
    expect(waits).toEqual([1, 2, 4]);
    await eventuallyStatus(() => attempt(user.user, user.password, address), 200);
    // Counting starts afresh after a correct login.
    for (let i = 0; i < 4; i++) await attempt(user.user, 'Wrong1234', address).expect(401);
    await attempt(user.user, user.password, address).expect(200);
  });

  it('failures from one client address are limited to 100 in 15 minutes, counted atomically', async () => {
    const address = newAddress();
    // Unknown names, so that no single name reaches its own limit.
    const answers = await Promise.all(
      Array.from({ length: 110 }, () => attempt(uniqueName('nobody'), 'Wrong1234', address)),
    );
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(100);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(10);
    expect(Number(refused[0].headers['retry-after'])).toBeGreaterThan(800);

    const user = await registerUser(t);
    await attempt(user.user, user.password, address).expect(429);
    await attempt(user.user, user.password, newAddress()).expect(200);
  });

  it('registration is throttled per client address', async () => {
    const crowded = await startTestApp({ TRUST_PROXY: '1', REGISTRATIONS_PER_ADDRESS: '3' });
    try {
      const register = (address: string) =>
        crowded.api().post('/v1/user').set('X-Forwarded-For', address).send(newUserBody());
      for (let i = 0; i < 3; i++) await register('192.0.2.7').expect(200);
      const refused = await register('192.0.2.7').expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(800);
      await register('192.0.2.8').expect(200);
    } finally {
      await crowded.close();
    }
  });

  /** Polls until the answer has the status; the waits here are the throttle's own, seconds long. */
  /** Sends until the answer is `status`; until then the only answer allowed is 429 (still locked). */
  async function eventuallyStatus(send: () => request.Test, status: number): Promise<void> {
    await eventually(
      async () => (await send()).status,
      (answer) => {
        if (answer !== status) expect(answer).toBe(429);
        return answer === status;
      },
      { timeoutMs: 20_000, what: `status ${status}` },
    );
  }
});

describe('login with a production-like password cost', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A cost at which a hash comparison clearly outweighs the rest of a login; X-Forwarded-For is
    // not trusted (the default), so the registration limit counts the connection's address.
    t = await startTestApp({
      BCRYPT_ROUNDS: '10',
      LOGIN_MAX_FAILURES: '1000',
      REGISTRATIONS_PER_ADDRESS: '3',
    });
  });
  afterAll(() => t.close());

  it('an unknown user name costs as much time as a wrong password (within 3×)', async () => {
    const admin = await loginAdmin(t);
    const known = uniqueName('known');
    await t
      .api()
      .post('/v1/admin/user')
      .set(auth(admin))
      .send({ ...newUserBody(), user: known })
      .expect(200);
    const timeOf = async (user: string) => {
      const started = process.hrtime.bigint();
      await t.api().post('/v1/authorization').send({ user, password: 'Wrong1234' }).expect(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let i = 0; i < 7; i++) {
      wrongPassword.push(await timeOf(known));
      unknownUser.push(await timeOf(uniqueName('nobody')));
    }
    const [wrong, unknown] = [median(wrongPassword), median(unknownUser)];
    expect(unknown).toBeGreaterThan(wrong / 3);
    expect(unknown).toBeLessThan(wrong * 3);
  });

  it('does not take X-Forwarded-For from clients when no proxy is trusted', async () => {
    for (let i = 0; i < 3; i++) {
      await t.api().post('/v1/user').set('X-Forwarded-For', `192.0.2.${i}`).send(newUserBody()).expect(200);
    }
    await t.api().post('/v1/user').set('X-Forwarded-For', '192.0.2.99').send(newUserBody()).expect(429);
  });
});

describe('account takeover inside a business', () => {
  let t: TestApp;
  let sysadmin: string;
  let business: TestBusiness;
  beforeAll(async () => {
    t = await startTestApp();
    sysadmin = await login(t, ADMIN.user, ADMIN.password);
    business = await approvedBusiness(t);
  });
  afterAll(() => t.close());

  const resetPassword = (token: string, userId: number) =>
    t.api().put(`/v1/admin/user/${userId}/password`).set(auth(token)).send({ password: 'Taken1234' });
  const createAdmin = (token: string) =>
    t
      .api()
      .post('/v1/admin/user')
      .set(auth(token))
      .send({ ...newUserBody(), isAdmin: true });

  it('an administrator sub-user cannot reset or delete the owner’s account', async () => {
    const subAdmin = await subUser(t, business, true);
    const reset = await resetPassword(subAdmin.token, business.admin.id).expect(403);
    expect(reset.body.message).toContain('owner');
    await t.api().delete(`/v1/admin/user/${business.admin.id}`).set(auth(subAdmin.token)).expect(403);
    await login(t, business.admin.user, business.admin.password);
  });

  it('an administrator sub-user cannot change another administrator or create one; general users they may', async () => {
    const subAdmin = await subUser(t, business, true);
    const otherAdmin = await subUser(t, business, true);
    await resetPassword(subAdmin.token, otherAdmin.id).expect(403);
    await t.api().delete(`/v1/admin/user/${otherAdmin.id}`).set(auth(subAdmin.token)).expect(403);
    const refused = await createAdmin(subAdmin.token).expect(403);
    expect(refused.body.message).toContain('owner');

    const general = await subUser(t, business);
    await resetPassword(subAdmin.token, general.id).expect(200);
    await t.api().delete(`/v1/admin/user/${general.id}`).set(auth(subAdmin.token)).expect(200);
  });

  it('the owner manages the other administrators; a system administrator manages the owner', async () => {
    const subAdmin = await subUser(t, business, true);
    await createAdmin(business.admin.token).expect(200);
    await resetPassword(business.admin.token, subAdmin.id).expect(200);
    await t.api().delete(`/v1/admin/user/${subAdmin.id}`).set(auth(business.admin.token)).expect(200);
    // The owner changes their own password with the old one (PUT /v1/user), not through this route.
    await resetPassword(business.admin.token, business.admin.id).expect(403);

    const other = await approvedBusiness(t);
    await resetPassword(sysadmin, other.admin.id).expect(200);
    await login(t, other.admin.user, 'Taken1234');
  });
});
