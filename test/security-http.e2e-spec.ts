import { approvedBusiness, auth, loginAdmin, TestBusiness } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import { decideDeploy } from './support/deploys';

/** SPEC §12: bounded paging and ids, security headers, a 1 MB limit on JSON bodies. */
describe('HTTP hardening', () => {
  let t: TestApp;
  let admin: string;
  let business: TestBusiness;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    business = await approvedBusiness(t);
  });
  afterAll(() => t.close());

  describe('headers', () => {
    it.each([
      ['a success', '/healthz', undefined],
      ['a 401', '/v1/cluster', undefined],
      ['a 404', '/v1/no-such-route', 'admin'],
    ])('%s carries no X-Powered-By and the standard security headers', async (_what, url, as) => {
      const request = t.api().get(url);
      if (as) request.set(auth(admin));
      const response = await request;
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['content-security-policy']).toBeDefined();
    });
  });

  describe('request bodies', () => {
    const login = (body: string) =>
      t.api().post('/v1/authorization').set('Content-Type', 'application/json').send(body);

    it('a JSON body over 1 MB is 413 in our envelope', async () => {
      const body = JSON.stringify({ user: 'x'.repeat(1024 * 1024 + 1), password: 'y' });
      const response = await login(body).expect(413);
      expect(response.body).toEqual({ code: 413, message: expect.stringMatching(/larger than 1 MB/) });
    });

    it('a JSON body just under 1 MB is read (and then judged on its fields)', async () => {
      const body = JSON.stringify({ user: 'x'.repeat(1000 * 1000), password: 'y' });
      const response = await login(body);
      expect(response.status).not.toBe(413);
      expect(response.status).toBeLessThan(500);
    });

    // What passes validation but PostgreSQL refuses is the client's fault: 422 in our words, never 500.
    it.each([
      [
        'a NUL character in a registration',
        '/v1/user',
        { realName: 'a\u0000b' },
        'text may not contain the NUL character',
      ],
      [
        'a NUL character in a login',
        '/v1/authorization',
        { user: 'a\u0000', password: 'x' },
        'text may not contain the NUL character',
      ],
      [
        'a name within its length in characters but not in code points',
        '/v1/user',
        { realName: '\u2764\ufe0f'.repeat(100) },
        'a text value is longer than its field allows',
      ],
    ])('%s is 422', async (_what, path, fields, message) => {
      const body =
        path === '/v1/user'
          ? {
              user: `nul${Math.random().toString(36).slice(2, 8)}`,
              password: 'Passw0rd!x',
              phone: '+15550100',
              isAdmin: false,
              ...fields,
            }
          : fields;
      const response = await t.api().post(path).send(body);
      expect([response.status, response.body]).toEqual([422, { code: 422, message }]);
    });

    it('a path that is not valid percent-encoding is 400 in our envelope, without echoing it', async () => {
      const response = await t.api().get('/v1/app/id/%FF').expect(400);
      expect(response.body).toEqual({ code: 400, message: 'request path is not valid percent-encoding' });
    });

    it('malformed JSON is 400 in our envelope, without the parser text', async () => {
      const response = await login('{"user": "a", "password": ').expect(400);
      expect(response.body).toEqual({ code: 400, message: 'request body is not valid JSON' });
    });
  });

  describe('ids beyond the column are 404, malformed ones 422, never 500', () => {
    it.each(['3000000000', '2147483648', '99999999999999999999'])('path id %s: 404', async (id) => {
      for (const url of [`/v1/app/id/${id}`, `/v1/business/id/${id}`, `/v1/deploy/id/${id}`]) {
        const response = await t.api().get(url).set(auth(admin));
        expect([url, response.status]).toEqual([url, 404]);
        expect(response.body.code).toBe(404);
      }
      await t.api().delete(`/v1/admin/user/${id}`).set(auth(admin)).expect(404);
      await t.api().get(`/v1/${id}/software_deployments`).set(auth(admin)).expect(404);
    });

    it.each(['12abc', '1e30', '-1', '0', '1.5'])('path id %s: 422', async (id) => {
      await t.api().get(`/v1/app/id/${id}`).set(auth(admin)).expect(422);
      await t.api().get(`/v1/business/id/${id}`).set(auth(admin)).expect(422);
    });

    it.each([
      ['3000000000', 404],
      ['1e30', 404],
      ['2147483648', 404],
      ['"12abc"', 422],
      ['1.5', 422],
      ['0', 422],
      ['"3000000000"', 422],
    ])('PUT /v1/admin/deploy {"id":%s}: %i', async (id, status) => {
      const response = await t
        .api()
        .put('/v1/admin/deploy')
        .set(auth(admin))
        .set('Content-Type', 'application/json')
        .send(`{"id":${id},"status":1,"comment":"audit"}`)
        .expect(status);
      expect(response.body).toEqual({ code: status, message: expect.stringContaining('id') });
    });

    it('an in-range id that names nothing is 404 too', async () => {
      await decideDeploy(t, admin, 2147483647, 1, 'a').expect(404);
    });

    it.each([
      ['[3000000000]', 404],
      ['[1e30]', 404],
      ['[2147483647, 3000000000]', 404],
      ['["12abc"]', 422],
      ['[3000000000, "12abc"]', 422],
    ])('DELETE /v1/app {"appId":%s}: %i', async (ids, status) => {
      const response = await t
        .api()
        .delete('/v1/app')
        .set(auth(business.admin.token))
        .set('Content-Type', 'application/json')
        .send(`{"appId":${ids}}`)
        .expect(status);
      expect(response.body).toEqual({ code: status, message: expect.stringContaining('appId') });
    });
  });

  describe('paging is bounded', () => {
    const LISTS = [
      '/v1/app',
      '/v1/deploy',
      '/v1/admin/deploy',
      '/v1/business',
      '/v1/admin/user',
      '/v1/cluster',
      '/v1/node',
    ];

    it.each(LISTS)('%s: pageSize over 1000 is 422, 1000 is fine', async (url) => {
      const tooBig = await t.api().get(`${url}?pageSize=1000000000`).set(auth(admin)).expect(422);
      expect(tooBig.body.message).toContain('pageSize');
      await t.api().get(`${url}?pageSize=1001`).set(auth(admin)).expect(422);
      await t.api().get(`${url}?pageSize=1000`).set(auth(admin)).expect(200);
    });

    it.each(LISTS)(
      '%s: the largest page times the largest page size is an empty page, not a 500',
      async (url) => {
        const response = await t
          .api()
          .get(`${url}?page=2147483647&pageSize=1000`)
          .set(auth(admin))
          .expect(200);
        expect(response.body.data).toEqual([]);
      },
    );

    it.each(LISTS)('%s: a page beyond the bound or not an integer is 422', async (url) => {
      for (const page of ['2147483648', '99999999999999999999', '1e30', '1.5', 'abc', '-1', '0']) {
        const response = await t.api().get(`${url}?page=${page}&pageSize=1000`).set(auth(admin));
        expect([page, response.status]).toEqual([page, 422]);
        expect(response.body.message).toContain('page');
      }
    });

    it('pageSize=0 (no limit, where the seed allows it) is accepted where allowed, 422 elsewhere', async () => {
      await t.api().get('/v1/app?pageSize=0').set(auth(admin)).expect(200);
      await t.api().get('/v1/cluster?pageSize=0').set(auth(admin)).expect(200);
      await t.api().get('/v1/business?pageSize=0').set(auth(admin)).expect(422);
    });
  });
});
