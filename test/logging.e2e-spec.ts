import { Writable } from 'node:stream';
import { auth, login, PASSWORD, registerUser } from './support/factories';
import { ADMIN, startTestApp, TestApp } from './support/test-app';

/** Every line the application's logger writes, as written. */
class CapturedLog extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line));
  }

  requestLine(requestId: string) {
    return this.records.find((record) => record.reqId === requestId && record.msg === 'request completed');
  }
}

describe('logs', () => {
  let t: TestApp;
  const log = new CapturedLog();
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: log });
  });
  afterAll(() => t.close());

  it('writes only JSON lines, the Nest and worker logs included', () => {
    expect(log.lines.length).toBeGreaterThan(0);
    for (const line of log.lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(log.records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'WorkerRunner',
        msg: expect.stringContaining('workers'),
      }),
    );
  });

  it('logs each request once with the request id that the response echoes', async () => {
    const response = await t.api().get('/v1/cluster').expect(401);
    const requestId = response.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.requestLine(requestId)).toMatchObject({
      level: 'warn',
      req: { method: 'GET', url: '/v1/cluster' },
      res: { statusCode: 401 },
    });
  });

  it('keeps a sane incoming request id and replaces anything else', async () => {
    const kept = await t.api().get('/healthz').set('X-Request-Id', 'trace-4bf92f35.77:1').expect(200);
    expect(kept.headers['x-request-id']).toBe('trace-4bf92f35.77:1');
    await t.api().get('/v1/nothing-here').set('X-Request-Id', 'trace-4bf92f35.77:2').expect(404);
    expect(log.requestLine('trace-4bf92f35.77:2')).toMatchObject({ res: { statusCode: 404 } });

    for (const insane of ['has spaces in it', 'x'.repeat(129), '<script>']) {
      const replaced = await t.api().get('/healthz').set('X-Request-Id', insane).expect(200);
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('never writes a password, a token, a cookie or a kubeconfig', async () => {
    const user = await registerUser(t);
    await t.api().post('/v1/authorization').send({ user: user.user, password: 'Wrong-Secret-9' }).expect(401);
    const token = await login(t, user.user, PASSWORD);
    const adminToken = await login(t, ADMIN.user, ADMIN.password);
    await t.api().get('/v1/authorization').set(auth(token)).expect(200);
    await t.api().get('/v1/authorization').set('X-Auth-Token', token).expect(200);
    await t
      .api()
      .get('/v1/authorization')
      .set('Authorization', token)
      .set('Cookie', 'session=cookie-secret-1');
    await t
      .api()
      .post('/v1/cluster')
      .set(auth(adminToken))
      .send({ clusterName: 'leaky', kubeconfig: 'client-key-data: KUBECONFIG-SECRET-1' })
      .expect(422);
    await t
      .api()
      .put('/v1/user')
      .set(auth(token))
      .send({ oldPassword: 'Wrong-Old-Secret-1', password: 'New-Secret-Pass1' })
      .expect(422);

    const written = log.lines.join('\n');
    for (const secret of [
      PASSWORD,
      'Wrong-Secret-9',
      ADMIN.password,
      token,
      adminToken,
      'cookie-secret-1',
      'KUBECONFIG-SECRET-1',
      'Wrong-Old-Secret-1',
      'New-Secret-Pass1',
    ]) {
      expect(written).not.toContain(secret);
    }
    // The headers are logged, with the credentials blanked out.
    expect(written).toContain('[redacted]');
    expect(written).toContain('"url":"/v1/authorization"');
  });
});
