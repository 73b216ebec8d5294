import { DataSource } from 'typeorm';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { conflict } from '../src/common/errors';
import type { EventMap } from '../src/events/event-map';
import { approvedBusiness, auth, loginAdmin, registerUser, subUser, TestBusiness } from './support/factories';
import { TestUser, uniqueName } from './support/factories';
import { seedApp } from './support/seed-app';
import { startTestApp, TestApp } from './support/test-app';

/** The seed's example body for `POST /v1/app` (seed 002), with a repository and two volumes. */
const seedBody = () => ({
  ...seedApp(),
  repositoryId: 'repo1',
  volume: [
    { path: '/host/usr/bin', hostPath: '/usr/bin', readOnly: true },
    { path: '/host/usr/sbin', hostPath: '/usr/sbin', readOnly: true },
  ],
});

/** The seed example's fields that have a default; every other one missing is a 422 naming it. */
const WITH_DEFAULTS = new Set(['replicas', 'command', 'volume', 'env', 'minReplicas', 'maxReplicas']);
const REQUIRED = Object.keys(seedApp()).filter((field) => !WITH_DEFAULTS.has(field));

interface AppItem {
  id: number;
  appName: string;
  version: string;
  status: number;
  projectName: string;
}

describe('applications (/v1/app)', () => {
  let t: TestApp;
  let admin: string;
  let business: TestBusiness;
  let member: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    business = await approvedBusiness(t);
    member = await subUser(t, business);
  });
  afterAll(() => t.close());

  const create = (token: string, body: Record<string, unknown>) =>
    t.api().post('/v1/app').set(auth(token)).send(body);
  const list = async (token: string, query = '') =>
    (await t.api().get(`/v1/app${query}`).set(auth(token)).expect(200)).body as {
      data: AppItem[];
      apps: AppItem[];
      total: number;
    };
  const idOf = async (token: string, appName: string, version: string) => {
    const found = (await list(token, `?pageSize=0&appName=${appName}&appNameMode=strict`)).data.find(
      (app) => app.version === version,
    );
    if (!found) throw new Error(`${appName} ${version} not listed`);
    return found.id;
  };

  describe('POST and the package state', () => {
    it('creates the seed example; the verify job makes it available; GET shows the seed shape', async () => {
      const response = await create(business.admin.token, seedBody()).expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      await t.waitForQuietQueues();

      const body = await list(business.admin.token, '?appName=nginx1&appNameMode=strict');
      // The body as sent, CPU in cores, plus the id, package status, business name and times.
      const expected = {
        ...seedBody(),
        id: expect.any(Number),
        status: 1,
        projectName: business.name,
        minCPU: 0.1,
        maxCPU: 2,
        GPU: 0,
        createTime: expect.any(Number),
        updateTime: expect.any(Number),
      };
      expect(body).toMatchObject({ code: 200, message: 'success', total: 1 });
      expect(body.data).toEqual([expected]);
      expect(body.apps).toEqual(body.data);
      const item = body.data[0] as unknown as { createTime: number };
      expect(Math.abs(item.createTime - Date.now() / 1000)).toBeLessThan(60);

      const one = await t.api().get(`/v1/app/id/${body.data[0].id}`).set(auth(member.token)).expect(200);
      expect(one.body).toEqual({ code: 200, message: 'success', data: expected });

      const [row] = await t.app
        .get(DataSource)
        .query('SELECT status_detail FROM applications WHERE id = $1', [body.data[0].id]);
      expect(row.status_detail).toMatch(/unmanaged registry.*no digest recorded/);
    });

    it('a general user creates in the business; defaults fill what the seed makes optional', async () => {
      const minimal = { ...seedBody(), appName: 'minimal', isHPA: false };
      for (const key of [
        'repositoryId',
        'replicas',
        'command',
        'volume',
        'env',
        'minReplicas',
        'maxReplicas',
      ]) {
        delete (minimal as Record<string, unknown>)[key];
      }
      await create(member.token, minimal).expect(200);
      await t.waitForQuietQueues();
      const id = await idOf(member.token, 'minimal', '1.2');
      const { body } = await t.api().get(`/v1/app/id/${id}`).set(auth(business.admin.token)).expect(200);
      expect(body.data).toMatchObject({
        status: 1,
        repositoryId: '',
        replicas: 1,
        minReplicas: 1,
        maxReplicas: 1,
        command: '',
        volume: [],
        env: [],
        GPU: 0,
      });
    });

    it('keeps the whole uint32 range', async () => {
      const body = {
        ...seedBody(),
        appName: 'big',
        maxMemory: 4294967295,
        maxCPU: 4294967295,
        GPU: 4294967295,
      };
      await create(business.admin.token, body).expect(200);
      const id = await idOf(business.admin.token, 'big', '1.2');
      const { body: got } = await t.api().get(`/v1/app/id/${id}`).set(auth(business.admin.token)).expect(200);
      expect(got.data).toMatchObject({ maxMemory: 4294967295, maxCPU: 42949672.95, GPU: 4294967295 });
    });

    it('an image reference that cannot be parsed makes the package corrupt', async () => {
      await create(business.admin.token, { ...seedBody(), appName: 'broken', image: 'Nginx:latest' }).expect(
        200,
      );
      await t.waitForQuietQueues();
      const id = await idOf(business.admin.token, 'broken', '1.2');
      const { body } = await t.api().get(`/v1/app/id/${id}`).set(auth(business.admin.token)).expect(200);
      expect(body.data.status).toBe(3);
    });

    it('409 for a duplicate appName+version in the business; other versions and businesses are free', async () => {
      const body = { ...seedBody(), appName: 'dup' };
      await create(business.admin.token, body).expect(200);
      const again = await create(member.token, body).expect(409);
      expect(again.body).toEqual({ code: 409, message: expect.stringContaining('dup') });
      await create(business.admin.token, { ...body, version: '1.2.0' }).expect(200);
      const other = await approvedBusiness(t);
      await create(other.admin.token, body).expect(200);
    });

    it('does not store a client-set id or status', async () => {
      const response = await create(business.admin.token, {
        ...seedBody(),
        appName: 'sneaky',
        id: 1,
        status: 1,
      });
      expect(response.status).toBe(422);
      expect(response.body.message).toMatch(/id/);
      expect(response.body.message).toMatch(/status/);
    });
  });

  describe('POST validation: 422 naming the field', () => {
    const invalidBodies: [string, Record<string, unknown>, string][] = [
      ['appName a number', { appName: 5 }, 'appName'],
      ['appName with capitals', { appName: 'Nginx' }, 'appName'],
      ['appName starting with -', { appName: '-nginx' }, 'appName'],
      ['appName with _', { appName: 'my_app' }, 'appName'],
      ['appName longer than 63', { appName: 'a'.repeat(64) }, 'appName'],
      ['deployType chart', { deployType: 'chart' }, 'deployType'],
      ['deployType statefulset', { deployType: 'statefulset' }, 'deployType'],
      ['image empty', { image: '' }, 'image'],
      ['image a number', { image: 5 }, 'image'],
      ['image with a space', { image: 'nginx latest' }, 'image'],
      ['version with one part', { version: '1' }, 'version'],
      ['version with five parts', { version: '1.2.3.4.5' }, 'version'],
      ['version with a v', { version: 'v1.2' }, 'version'],
      ['version with a suffix', { version: '1.2-beta' }, 'version'],
      ['version a number', { version: 1.2 }, 'version'],
      ['repositoryId a number', { repositoryId: 5 }, 'repositoryId'],
      ['port not an array', { port: 8080 }, 'port'],
      ['port with a number item', { port: [8080] }, 'port'],
      ['port item without port', { port: [{ hostPort: 80 }] }, 'port.0.port'],
      ['port 0', { port: [{ port: 0 }] }, 'port.0.port'],
      ['port 65536', { port: [{ port: 65536 }] }, 'port.0.port'],
      ['port a string', { port: [{ port: '80' }] }, 'port.0.port'],
      ['hostPort 0', { port: [{ port: 80, hostPort: 0 }] }, 'port.0.hostPort'],
      ['hostPort 70000', { port: [{ port: 80, hostPort: 70000 }] }, 'port.0.hostPort'],
      ['an unknown field in a port', { port: [{ port: 80, protocol: 'TCP' }] }, 'protocol'],
      ['a repeated port', { port: [{ port: 80 }, { port: 80 }] }, 'port'],
      ['command a number', { command: 5 }, 'command'],
      ['volume not an array', { volume: { path: '/a', hostPath: '/b' } }, 'volume'],
      ['volume path relative', { volume: [{ path: 'data', hostPath: '/data' }] }, 'volume.0.path'],
      ['volume hostPath relative', { volume: [{ path: '/data', hostPath: 'data' }] }, 'volume.0.hostPath'],
      ['volume without hostPath', { volume: [{ path: '/data' }] }, 'volume.0.hostPath'],
      [
        'volume readOnly a string',
        { volume: [{ path: '/a', hostPath: '/b', readOnly: 'yes' }] },
        'volume.0.readOnly',
      ],
      ['env name starting with a digit', { env: [{ name: '1A', value: 'x' }] }, 'env.0.name'],
      ['env name with -', { env: [{ name: 'A-B', value: 'x' }] }, 'env.0.name'],
      ['env value a number', { env: [{ name: 'A', value: 5 }] }, 'env.0.value'],
      ['env without value', { env: [{ name: 'A' }] }, 'env.0.value'],
      ['replicas negative', { replicas: -1 }, 'replicas'],
      ['replicas fractional', { replicas: 1.5 }, 'replicas'],
      ['replicas a string', { replicas: '10' }, 'replicas'],
      ['replicas above uint32', { replicas: 4294967296 }, 'replicas'],
      ['minCPU negative', { minCPU: -10 }, 'minCPU'],
      ['GPU negative', { GPU: -1 }, 'GPU'],
      ['isHPA a string', { isHPA: 'true' }, 'isHPA'],
      ['targetCPUUtilization a string', { targetCPUUtilization: '100' }, 'targetCPUUtilization'],
      ['minReadySeconds null', { minReadySeconds: null }, 'minReadySeconds'],
      [
        'minReplicas above maxReplicas',
        { minReplicas: 30, maxReplicas: 20, replicas: 25 },
        'minReplicas (30)',
      ],
      [
        'minCPU above maxCPU',
        { minCPU: 300, maxCPU: 200 },
        'minCPU (300) must not be greater than maxCPU (200)',
      ],
      [
        'minMemory above maxMemory',
        { minMemory: 300, maxMemory: 200 },
        'minMemory (300) must not be greater than maxMemory',
      ],
      ['replicas above maxReplicas with HPA', { replicas: 21 }, 'replicas (21) must be within'],
      ['replicas below minReplicas with HPA', { replicas: 1 }, 'replicas (1) must be within'],
      [
        'maxUnavailable and maxSurge both 0',
        { maxUnavailable: 0, maxSurge: 0 },
        'maxUnavailable and maxSurge',
      ],
      ['an unknown field', { dependence: [] }, 'dependence'],
      // SPEC §12: a tenant never gets the node through a host path.
      ['hostPath / read-write', { volume: [{ path: '/host', hostPath: '/' }] }, 'volume[0]: hostPath /'],
      [
        'hostPath / read-only',
        { volume: [{ path: '/host', hostPath: '/', readOnly: true }] },
        'volume[0]: hostPath /',
      ],
      [
        'the docker socket',
        { volume: [{ path: '/s', hostPath: '/var/run/docker.sock', readOnly: true }] },
        'volume[0]: hostPath /var/run/docker.sock',
      ],
      [
        'a folder above the kubelet',
        { volume: [{ path: '/v', hostPath: '/var/lib', readOnly: true }] },
        'volume[0]: hostPath /var/lib',
      ],
      [
        '/etc spelled around',
        { volume: [{ path: '/e', hostPath: '//usr/../etc/', readOnly: true }] },
        'volume[0]',
      ],
      [
        'a writable host path outside the writable prefixes',
        { volume: [{ path: '/o', hostPath: '/opt/models' }] },
        'volume[0]: hostPath /opt/models may only be mounted read-only',
      ],
    ];

    it('allows read-only host paths outside the deny list, writable ones under /data, and GPUs and cameras', async () => {
      await create(business.admin.token, {
        ...seedBody(),
        appName: uniqueName('vol'),
        volume: [
          { path: '/host/usr/bin', hostPath: '/usr/bin', readOnly: true },
          { path: '/models', hostPath: '/data/models' },
          { path: '/cache', hostPath: '/var/data/cache' },
          { path: '/dev/video0', hostPath: '/dev/video0', readOnly: true },
          { path: '/dev/nvidia0', hostPath: '/dev/nvidia0', readOnly: true },
        ],
      }).expect(200);
    });

    it.each(invalidBodies)('%s', async (_name, overrides, field) => {
      const response = await create(business.admin.token, {
        ...seedBody(),
        appName: 'invalid',
        ...overrides,
      }).expect(422);
      expect(response.body.code).toBe(422);
      expect(response.body.message).toContain(field);
    });

    it.each(REQUIRED)('%s missing', async (field) => {
      const body: Record<string, unknown> = { ...seedBody(), appName: 'invalid' };
      delete body[field];
      const response = await create(business.admin.token, body).expect(422);
      expect(response.body.message).toContain(field);
    });

    it('names every bad field at once, and stores nothing', async () => {
      const response = await create(business.admin.token, {
        appName: 'x',
        version: '1',
        minCPU: 'a',
        isHPA: 1,
      }).expect(422);
      for (const field of ['version', 'minCPU', 'isHPA', 'deployType', 'image', 'port', 'maxMemory']) {
        expect(response.body.message).toContain(field);
      }
      expect((await list(business.admin.token, '?appName=invalid&appNameMode=strict')).total).toBe(0);
      expect((await list(business.admin.token, '?appName=x&appNameMode=strict')).total).toBe(0);
    });

    it('accepts 2, 3 and 4 part versions', async () => {
      for (const version of ['2.0', '2.0.1', '2.0.1.7']) {
        await create(business.admin.token, { ...seedBody(), appName: 'versions', version }).expect(200);
      }
    });
  });

  describe('GET /v1/app filters and paging', () => {
    let owner: TestBusiness;
    const names: [string, string][] = [
      ['web-a', '1.0'],
      ['web-a', '1.1'],
      ['web-b', '1.0'],
      ['api-web', '2.0'],
      ['db', '1.0'],
    ];
    const query = async (q: string) => {
      const body = await list(owner.admin.token, q);
      expect(body.apps).toEqual(body.data);
      return { total: body.total, items: body.data.map((app) => `${app.appName}@${app.version}`) };
    };

    beforeAll(async () => {
      owner = await approvedBusiness(t);
      for (const [appName, version] of names) {
        await create(owner.admin.token, { ...seedBody(), appName, version }).expect(200);
      }
      await t.waitForQuietQueues();
    });

    it('orders by id and pages with the total before paging', async () => {
      expect(await query('')).toEqual({
        total: 5,
        items: ['web-a@1.0', 'web-a@1.1', 'web-b@1.0', 'api-web@2.0', 'db@1.0'],
      });
      expect(await query('?page=2&pageSize=2')).toEqual({ total: 5, items: ['web-b@1.0', 'api-web@2.0'] });
      expect(await query('?page=3&pageSize=2')).toEqual({ total: 5, items: ['db@1.0'] });
      expect(await query('?page=9&pageSize=2')).toEqual({ total: 5, items: [] });
      expect(await query('?pageSize=0&page=3')).toMatchObject({
        total: 5,
        items: expect.arrayContaining(['db@1.0']),
      });
      expect((await query('?pageSize=0')).items).toHaveLength(5);
      expect((await query('?order=desc&pageSize=1')).items).toEqual(['db@1.0']);
    });

    it('pageSize defaults to 10', async () => {
      const many = await approvedBusiness(t);
      for (let index = 0; index < 11; index++) {
        await create(many.admin.token, { ...seedBody(), appName: `app${index}` }).expect(200);
      }
      const body = await list(many.admin.token);
      expect(body.total).toBe(11);
      expect(body.data).toHaveLength(10);
      expect((await list(many.admin.token, '?pageSize=0')).data).toHaveLength(11);
    });

    it('filters by appName in the three modes (partial by default) and by exact version', async () => {
      expect((await query('?appName=web')).items).toEqual([
        'web-a@1.0',
        'web-a@1.1',
        'web-b@1.0',
        'api-web@2.0',
      ]);
      expect((await query('?appName=web&appNameMode=partial')).total).toBe(4);
      expect((await query('?appName=web&appNameMode=prefix')).items).toEqual([
        'web-a@1.0',
        'web-a@1.1',
        'web-b@1.0',
      ]);
      expect((await query('?appName=web-a&appNameMode=strict')).items).toEqual(['web-a@1.0', 'web-a@1.1']);
      expect((await query('?appName=web&appNameMode=strict')).total).toBe(0);
      expect((await query('?appName=%25')).total).toBe(0);
      expect((await query('?appName=_')).total).toBe(0);
      expect((await query('?version=1.0')).items).toEqual(['web-a@1.0', 'web-b@1.0', 'db@1.0']);
      expect((await query('?version=1')).total).toBe(0);
      expect((await query('?appName=web-a&version=1.1')).items).toEqual(['web-a@1.1']);
      expect((await query('?appName=web&appNameMode=prefix&page=2&pageSize=2')).items).toEqual(['web-b@1.0']);
    });

    it.each([
      ['appNameMode=fuzzy', 'appNameMode'],
      ['page=0', 'page'],
      ['page=x', 'page'],
      ['pageSize=-1', 'pageSize'],
      ['pageSize=abc', 'pageSize'],
      ['orderBy=appName', 'orderBy'],
      ['order=up', 'order'],
      ['unknown=1', 'unknown'],
    ])('422 for %s', async (q, field) => {
      const response = await t.api().get(`/v1/app?${q}`).set(auth(owner.admin.token)).expect(422);
      expect(response.body.message).toContain(field);
    });
  });

  describe('GET /v1/app/id/{appId}', () => {
    it('404 for an unknown id (also one beyond the id column, SPEC §12), 422 for one that is not a positive integer', async () => {
      await t.api().get('/v1/app/id/999999').set(auth(business.admin.token)).expect(404);
      await t.api().get('/v1/app/id/99999999999').set(auth(business.admin.token)).expect(404);
      for (const id of ['abc', '0', '-1', '1.5']) {
        await t.api().get(`/v1/app/id/${id}`).set(auth(business.admin.token)).expect(422);
      }
    });
  });

  describe('DELETE /v1/app', () => {
    let owner: TestBusiness;
    beforeAll(async () => {
      owner = await approvedBusiness(t);
    });
    const make = async (appName: string, version = '1.0') => {
      await create(owner.admin.token, { ...seedBody(), appName, version }).expect(200);
      return idOf(owner.admin.token, appName, version);
    };

    it('deletes every listed application', async () => {
      const first = await make('del-a');
      const second = await make('del-b');
      const keep = await make('del-c');
      const response = await t
        .api()
        .delete('/v1/app')
        .set(auth(owner.admin.token))
        .send({ appId: [first, second, first] })
        .expect(200);
      expect(response.body).toEqual({ code: 200, message: 'success' });
      await t.api().get(`/v1/app/id/${first}`).set(auth(owner.admin.token)).expect(404);
      await t.api().get(`/v1/app/id/${second}`).set(auth(owner.admin.token)).expect(404);
      await t.api().get(`/v1/app/id/${keep}`).set(auth(owner.admin.token)).expect(200);
      await t.waitForQuietQueues();
    });

    it('a general user deletes too', async () => {
      const id = await make('del-member');
      const general = await subUser(t, owner);
      await t
        .api()
        .delete('/v1/app')
        .set(auth(general.token))
        .send({ appId: [id] })
        .expect(200);
    });

    it('all or nothing: 404 when any id is unknown, and nothing is deleted', async () => {
      const id = await make('del-partial');
      const response = await t
        .api()
        .delete('/v1/app')
        .set(auth(owner.admin.token))
        .send({ appId: [id, 999999] })
        .expect(404);
      expect(response.body.message).toContain('999999');
      await t.api().get(`/v1/app/id/${id}`).set(auth(owner.admin.token)).expect(200);
    });

    it('409 while a listener of app.deletion-checking objects (a live deployment), and nothing is deleted', async () => {
      t.app
        .get(EventEmitter2)
        .on('app.deletion-checking', async ({ apps }: EventMap['app.deletion-checking']) => {
          const busy = apps.find((app) => app.appName === 'del-busy');
          if (busy) throw conflict(`application ${busy.appName} ${busy.version} is deployed`);
        });
      const busy = await make('del-busy');
      const free = await make('del-free');
      const response = await t
        .api()
        .delete('/v1/app')
        .set(auth(owner.admin.token))
        .send({ appId: [free, busy] })
        .expect(409);
      expect(response.body).toEqual({ code: 409, message: 'application del-busy 1.0 is deployed' });
      await t.api().get(`/v1/app/id/${free}`).set(auth(owner.admin.token)).expect(200);
      await t
        .api()
        .delete('/v1/app')
        .set(auth(owner.admin.token))
        .send({ appId: [free] })
        .expect(200);
    });

    it.each([
      ['no appId', {}],
      ['an empty list', { appId: [] }],
      ['a single number', { appId: 1 }],
      ['strings', { appId: ['1'] }],
      ['zero', { appId: [0] }],
      ['a fraction', { appId: [1.5] }],
      ['an unknown field', { appId: [1], force: true }],
    ])('422 for %s', async (_name, body) => {
      const response = await t.api().delete('/v1/app').set(auth(owner.admin.token)).send(body).expect(422);
      expect(response.body.message).toMatch(/appId|force/);
    });
  });

  describe('business scoping and roles', () => {
    let mine: TestBusiness;
    let theirs: TestBusiness;
    let mineId: number;
    let theirsId: number;

    beforeAll(async () => {
      mine = await approvedBusiness(t);
      theirs = await approvedBusiness(t);
      await create(mine.admin.token, { ...seedBody(), appName: 'scoped' }).expect(200);
      await create(theirs.admin.token, { ...seedBody(), appName: 'scoped' }).expect(200);
      mineId = await idOf(mine.admin.token, 'scoped', '1.2');
      theirsId = await idOf(theirs.admin.token, 'scoped', '1.2');
      await t.waitForQuietQueues();
    });

    it("another business's application answers 404 on get and delete, and stays", async () => {
      const response = await t.api().get(`/v1/app/id/${theirsId}`).set(auth(mine.admin.token)).expect(404);
      expect(response.body).toEqual({ code: 404, message: expect.any(String) });
      await t
        .api()
        .delete('/v1/app')
        .set(auth(mine.admin.token))
        .send({ appId: [theirsId] })
        .expect(404);
      await t
        .api()
        .delete('/v1/app')
        .set(auth(mine.admin.token))
        .send({ appId: [mineId, theirsId] })
        .expect(404);
      await t.api().get(`/v1/app/id/${theirsId}`).set(auth(theirs.admin.token)).expect(200);
      await t.api().get(`/v1/app/id/${mineId}`).set(auth(mine.admin.token)).expect(200);
    });

    it('each business lists only its own applications', async () => {
      const body = await list(mine.admin.token, '?pageSize=0');
      expect(body.data.map((app) => app.id)).toEqual([mineId]);
      expect(body.data[0].projectName).toBe(mine.name);
      expect(body.total).toBe(1);
    });

    it('a system administrator reads every business, with each project name, but cannot create or delete', async () => {
      const body = await list(admin, '?pageSize=0&appName=scoped&appNameMode=strict');
      expect(body.data.map((app) => [app.id, app.projectName])).toEqual([
        [mineId, mine.name],
        [theirsId, theirs.name],
      ]);
      const all = await list(admin, '?pageSize=0');
      expect(all.total).toBeGreaterThan(body.total);
      expect(new Set(all.data.map((app) => app.projectName)).size).toBeGreaterThan(2);
      const one = await t.api().get(`/v1/app/id/${theirsId}`).set(auth(admin)).expect(200);
      expect(one.body.data).toMatchObject({ id: theirsId, projectName: theirs.name, status: 1 });
      await create(admin, { ...seedBody(), appName: uniqueName('sys') }).expect(403);
      await t
        .api()
        .delete('/v1/app')
        .set(auth(admin))
        .send({ appId: [theirsId] })
        .expect(403);
    });

    it('403 for a pending user and for an approved user without a business; 401 without a token', async () => {
      const pending = await registerUser(t, { approve: false });
      const loner = await registerUser(t, { isAdmin: true });
      for (const user of [pending, loner]) {
        await t.api().get('/v1/app').set(auth(user.token)).expect(403);
        await t.api().get(`/v1/app/id/${mineId}`).set(auth(user.token)).expect(403);
        await create(user.token, { ...seedBody(), appName: 'nope' }).expect(403);
        await t
          .api()
          .delete('/v1/app')
          .set(auth(user.token))
          .send({ appId: [mineId] })
          .expect(403);
      }
      await t.api().get('/v1/app').expect(401);
      await t.api().post('/v1/app').send(seedBody()).expect(401);
    });
  });
});
