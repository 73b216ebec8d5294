import { approvedBusiness, auth, loginAdmin } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('queue dashboard at /admin/queues', () => {
  let t: TestApp;
  let adminToken: string;
  beforeAll(async () => {
    t = await startTestApp();
    adminToken = await loginAdmin(t);
  });
  afterAll(() => t.close());

  it('serves the dashboard page and its assets to a system administrator', async () => {
    const page = await t.api().get('/admin/queues').set(auth(adminToken)).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<base href="/admin/queues/" />');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await t.api().get(`/admin/queues/${script}`).set('X-Auth-Token', adminToken).expect(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    await t.api().get(`/admin/queues/${script}`).expect(401);
  });

  it('lists every queue through its API', async () => {
    const response = await t.api().get('/admin/queues/api/queues').set(auth(adminToken)).expect(200);
    const names = response.body.queues.map((queue: { name: string }) => queue.name).sort();
    expect(names).toEqual(['cluster', 'deploy', 'package']);
    expect(response.body.queues.every((queue: { readOnlyMode: boolean }) => queue.readOnlyMode)).toBe(true);
  });

  it('refuses changes other than retries', async () => {
    await t.api().put('/admin/queues/api/queues/deploy/pause').set(auth(adminToken)).expect(405);
  });

  it('answers 401 without a valid token and 403 to anyone but a system administrator', async () => {
    const business = await approvedBusiness(t);
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      await t.api().get(path).expect(401);
      await t.api().get(path).set(auth('forged')).expect(401);
      const refused = await t.api().get(path).set(auth(business.admin.token)).expect(403);
      expect(refused.body).toEqual({ code: 403, message: 'not allowed for your role' });
    }
    await t.api().put('/admin/queues/api/queues/deploy/pause').set(auth(business.admin.token)).expect(403);
  });
});
