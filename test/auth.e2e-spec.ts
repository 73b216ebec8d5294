import { JwtService } from '@nestjs/jwt';
import { auth, login, loginAdmin, PASSWORD, registerUser, uniqueName } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('authorization and self-service user routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(() => t.close());

  const newUser = (overrides: Record<string, unknown> = {}) => ({
    user: uniqueName('reg'),
    password: 'xxX@1234',
    phone: '12345678910',
    realName: 'hello',
    isAdmin: true,
    ...overrides,
  });

  describe('POST /v1/user', () => {
    it('creates a pending user with the seed envelope, who logs in with role 0', async () => {
      const body = newUser();
      const response = await t.api().post('/v1/user').send(body).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      const token = await login(t, body.user, body.password);
      const info = await t.api().get('/v1/authorization').set(auth(token)).expect(200);
      expect(info.body).toEqual({
        code: 200,
        message: 'success',
        data: {
          displayName: body.user,
          hasRepoAccount: false,
          role: 0,
          privateProject: true,
          enableIngress: false,
          enableAlert: false,
          enableAdminAutoDeploy: true,
        },
      });
    });

    it('answers 409 for a user name that exists', async () => {
      const body = newUser();
      await t.api().post('/v1/user').send(body).expect(200);
      const response = await t.api().post('/v1/user').send(body).expect(409);
      expect(response.body).toEqual({ code: 409, message: expect.stringContaining(body.user) });
    });

    it.each([
      ['a missing user', { user: undefined }, 'user'],
      ['a user name with spaces', { user: 'bad name' }, 'user'],
      ['a password without a digit', { password: 'Password' }, 'password'],
      ['a password without an upper-case letter', { password: 'password1' }, 'password'],
      ['a password too short', { password: 'Pa1' }, 'password'],
      ['a password too long', { password: 'Password1Password1Pa1' }, 'password'],
      ['isAdmin as a string', { isAdmin: 'yes' }, 'isAdmin'],
      ['a phone that is not a number', { phone: 'call me' }, 'phone'],
      ['an empty realName', { realName: '' }, 'realName'],
      ['an unknown field', { status: 1 }, 'status'],
    ])('answers 422 naming the field for %s', async (_case, overrides, field) => {
      const response = await t.api().post('/v1/user').send(newUser(overrides)).expect(422);
      expect(response.body.code).toBe(422);
      expect(response.body.message).toContain(field);
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/);
    });

    it('names every bad field at once', async () => {
      const response = await t.api().post('/v1/user').send({ phone: 'x' }).expect(422);
      for (const field of ['user', 'password', 'phone', 'isAdmin', 'realName']) {
        expect(response.body.message).toContain(field);
      }
    });
  });

  describe('POST /v1/authorization', () => {
    it('returns a token in the seed shape', async () => {
      const response = await t
        .api()
        .post('/v1/authorization')
        .send({ user: 'sysadmin', password: 'Sysadmin123' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ code: 200, message: 'success', token: expect.stringMatching(/^ey/) });
    });

    it('answers 401 for a wrong password or an unknown user', async () => {
      await t.api().post('/v1/authorization').send({ user: 'sysadmin', password: 'Wrong1234' }).expect(401);
      await t
        .api()
        .post('/v1/authorization')
        .send({ user: uniqueName('nobody'), password: 'Wrong1234' })
        .expect(401);
    });

    it('answers 422 for a missing password', async () => {
      const response = await t.api().post('/v1/authorization').send({ user: 'x' }).expect(422);
      expect(response.body.message).toContain('password');
    });

    it.each([
      [2, 'not approved'],
      [3, 'forbidden'],
    ])(
      'refuses a user whose status is %s (%s) with 403, and their old token stops working',
      async (status) => {
        const user = await registerUser(t);
        const admin = await loginAdmin(t);
        await t.api().put(`/v1/admin/user/${user.id}`).set(auth(admin)).send({ status }).expect(200);
        await t
          .api()
          .post('/v1/authorization')
          .send({ user: user.user, password: user.password })
          .expect(403);
        await t.api().get('/v1/authorization').set(auth(user.token)).expect(403);
      },
    );

    it('throttles repeated failed logins for one user name', async () => {
      const user = await registerUser(t);
      for (let i = 0; i < 3; i++) {
        await t.api().post('/v1/authorization').send({ user: user.user, password: 'Wrong1234' }).expect(401);
      }
      const blocked = await t
        .api()
        .post('/v1/authorization')
        .send({ user: user.user, password: user.password });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // Other user names are not affected.
      await login(t, 'sysadmin', 'Sysadmin123');
    });
  });

  describe('tokens', () => {
    it('are accepted through all three headers', async () => {
      const token = await loginAdmin(t);
      await t.api().get('/v1/authorization').set('Authorization', token).expect(200);
      await t.api().get('/v1/authorization').set('Authorization', `Bearer ${token}`).expect(200);
      await t.api().get('/v1/authorization').set('X-Auth-Token', token).expect(200);
    });

    it('are required: a missing, forged or expired token answers 401', async () => {
      const missing = await t.api().get('/v1/authorization').expect(401);
      expect(missing.body).toEqual({ code: 401, message: expect.any(String) });
      await t.api().get('/v1/authorization').set('Authorization', 'Bearer not-a-token').expect(401);
      const forged = new JwtService({ secret: 'another-secret-entirely' }).sign({ sub: 1, jti: 'x' });
      await t.api().get('/v1/authorization').set(auth(forged)).expect(401);
      const expired = t.app
        .get(JwtService, { strict: false })
        .sign({ sub: 1, jti: 'expired', exp: Math.floor(Date.now() / 1000) - 10 });
      const response = await t.api().get('/v1/authorization').set(auth(expired)).expect(401);
      expect(response.body.message).toContain('expired');
    });

    it('last one hour', async () => {
      const token = await loginAdmin(t);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(3600);
    });

    it('PUT /v1/authorization returns a fresh token and revokes the old one', async () => {
      const old = await loginAdmin(t);
      const response = await t.api().put('/v1/authorization').set(auth(old)).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success', token: expect.any(String) });
      expect(response.body.token).not.toBe(old);
      await t.api().get('/v1/authorization').set(auth(old)).expect(401);
      await t.api().get('/v1/authorization').set(auth(response.body.token)).expect(200);
    });

    it('DELETE /v1/authorization revokes the token at once, and it stays revoked after a restart', async () => {
      const token = await loginAdmin(t);
      const kept = await loginAdmin(t);
      const response = await t.api().delete('/v1/authorization').set(auth(token)).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      await t.api().get('/v1/authorization').set(auth(token)).expect(401);

      await t.restart();
      await t.api().get('/v1/authorization').set(auth(token)).expect(401);
      await t.api().get('/v1/authorization').set(auth(kept)).expect(200);
    });
  });

  describe('PUT /v1/user', () => {
    it('changes the caller’s password', async () => {
      const user = await registerUser(t);
      await t
        .api()
        .put('/v1/user')
        .set(auth(user.token))
        .send({ oldPassword: user.password, password: 'NewPassw0rd' })
        .expect(200);
      await t.api().post('/v1/authorization').send({ user: user.user, password: user.password }).expect(401);
      await login(t, user.user, 'NewPassw0rd');
    });

    it('answers 422 for a wrong old password or a weak new one, 401 without a token', async () => {
      const user = await registerUser(t);
      const wrong = await t
        .api()
        .put('/v1/user')
        .set(auth(user.token))
        .send({ oldPassword: 'Wrong1234', password: 'NewPassw0rd' })
        .expect(422);
      expect(wrong.body.message).toContain('oldPassword');
      const weak = await t
        .api()
        .put('/v1/user')
        .set(auth(user.token))
        .send({ oldPassword: PASSWORD, password: 'weak' })
        .expect(422);
      expect(weak.body.message).toContain('password');
      await t.api().put('/v1/user').send({ oldPassword: PASSWORD, password: 'NewPassw0rd' }).expect(401);
    });
  });
});
