import { DEPLOY_FIELDS } from '../src/deploy/dto';
import { FakeCluster } from './fake-kube';
import { clusterIdOf } from './support/clusters';
import { createApp, deployment, deploymentByName, startWithClusters, decideDeploy } from './support/deploys';
import { waitForStatus } from './support/deploys';
import { approvedBusiness, auth, registerUser, subUser, TestBusiness, TestUser } from './support/factories';
import { TestApp } from './support/test-app';

/**
 * SPEC §1/§2/§7/§9: every deployment, audit, software deployment and application route is scoped to the
 * caller's business (another business's ids answer 404), roles are enforced, bad input is 422.
 */

interface SoftwareDeployment {
  id: string;
  action: string;
  config_id: string;
  server_id: string;
  input_values: { deployName: string; version: string };
  output_values: { deploy_stdout: string; deploy_stderr: string; deploy_status_code: number; result: string };
  status: string;
  status_reason: string;
  creation_time: string;
  updated_time: string;
}

const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe('deployments across businesses, roles and validation', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let x: TestBusiness;
  let y: TestBusiness;
  let xUser: TestUser;
  let yUser: TestUser;
  let xAppId: number;
  let xDeployId: number;
  let xPendingAuditId: number;
  let xPendingDeployId: number;
  let yDeployId: number;

  const body = (overrides: Record<string, unknown> = {}) => ({
    deployName: 'svc1',
    appName: 'svc',
    version: '1.2',
    cluster: 'all',
    nodeLabel: 'all',
    comment: '',
    ...overrides,
  });

  beforeAll(async () => {
    ({ t, clusters } = await startWithClusters(['t-one', 't-two']));
    [x, y] = [await approvedBusiness(t), await approvedBusiness(t)];
    [xUser, yUser] = [await subUser(t, x), await subUser(t, y)];
    xAppId = await createApp(t, x.admin.token, { appName: 'svc', isHPA: false });
    await createApp(t, x.admin.token, { appName: 'svc', isHPA: false, version: '1.3', image: 'nginx:1.26' });
    await createApp(t, y.admin.token, { appName: 'svc', isHPA: false });

    await t.api().post('/v1/deploy').set(auth(x.admin.token)).send(body()).expect(200);
    xDeployId = (await deploymentByName(t, x.admin.token, 'svc1')).id;
    await t
      .api()
      .post('/v1/deploy')
      .set(auth(xUser.token))
      .send(body({ deployName: 'svc-pending' }))
      .expect(200);
    xPendingDeployId = (await deploymentByName(t, xUser.token, 'svc-pending')).id;
    const audits = await t.api().get('/v1/admin/deploy?pageSize=100').set(auth(x.admin.token)).expect(200);
    xPendingAuditId = audits.body.data.find(
      (row: { deployId: number }) => row.deployId === xPendingDeployId,
    ).id;
    // Y has a deployment of the same name: names are unique per business only.
    await t.api().post('/v1/deploy').set(auth(y.admin.token)).send(body()).expect(200);
    yDeployId = (await deploymentByName(t, y.admin.token, 'svc1')).id;
    await waitForStatus(t, x.admin.token, xDeployId, [5]);
    await waitForStatus(t, y.admin.token, yDeployId, [5]);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all((clusters ?? []).map((cluster) => cluster.stop()));
  });

  describe('another business’s objects answer 404 and never leak', () => {
    it('deployment routes', async () => {
      for (const token of [y.admin.token, yUser.token]) {
        const got = await t.api().get(`/v1/deploy/id/${xDeployId}`).set(auth(token)).expect(404);
        expect(got.body).toEqual({ code: 404, message: expect.any(String) });
        await t.api().get(`/v1/deploy/id/${xDeployId}?field=historyVersion`).set(auth(token)).expect(404);
        await t
          .api()
          .post(`/v1/deploy/id/${xDeployId}`)
          .set(auth(token))
          .send({ version: '1.3' })
          .expect(404);
        await t
          .api()
          .put(`/v1/deploy/id/${xDeployId}`)
          .set(auth(token))
          .send({ version: '1.2', comment: '' })
          .expect(404);
        await t.api().delete(`/v1/deploy/id/${xDeployId}`).set(auth(token)).expect(404);
        await t.api().delete('/v1/deploy/svc-pending').set(auth(token)).expect(404);
        const list = await t.api().get('/v1/deploy?pageSize=0').set(auth(token)).expect(200);
        expect(list.body.data.map((row: { id: number }) => row.id)).toEqual([yDeployId]);
        expect(list.body.total).toBe(1);
      }
      const xList = await t.api().get('/v1/deploy?pageSize=0').set(auth(xUser.token)).expect(200);
      expect(xList.body.data.map((row: { id: number }) => row.id).sort()).toEqual(
        [xDeployId, xPendingDeployId].sort(),
      );
      // Nothing changed on X's deployments.
      expect(await deployment(t, x.admin.token, xDeployId)).toMatchObject({
        status: 5,
        version: '1.2',
        deployType: 1,
      });
      expect(await deployment(t, x.admin.token, xPendingDeployId)).toMatchObject({ status: 0 });
      // Both businesses have an "svc1": each sees only its own under that name.
      expect((await deploymentByName(t, y.admin.token, 'svc1')).id).toBe(yDeployId);
      expect((await deploymentByName(t, x.admin.token, 'svc1')).id).toBe(xDeployId);
    });

    it('audit routes: another business’s audit is invisible (404 to decide, absent from lists)', async () => {
      for (const route of ['put', 'post'] as const) {
        const answer = await t
          .api()
          [route]('/v1/admin/deploy')
          .set(auth(y.admin.token))
          .send({ id: xPendingAuditId, status: 1, comment: 'mine now' })
          .expect(404);
        expect(answer.body.code).toBe(404);
      }
      const yAudits = await t.api().get('/v1/admin/deploy?pageSize=100').set(auth(y.admin.token)).expect(200);
      expect(yAudits.body.data.map((row: { id: number }) => row.id)).not.toContain(xPendingAuditId);
      expect(yAudits.body.data.every((row: { businessName: string }) => row.businessName === y.name)).toBe(
        true,
      );
      expect(yAudits.body.total).toBe(yAudits.body.data.length);
      const byName = await t
        .api()
        .get(`/v1/admin/deploy?businessName=${x.name}`)
        .set(auth(y.admin.token))
        .expect(200);
      expect(byName.body).toMatchObject({ data: [], total: 0 });
      const xAudits = await t.api().get('/v1/admin/deploy?pageSize=100').set(auth(x.admin.token)).expect(200);
      expect(xAudits.body.data.every((row: { businessName: string }) => row.businessName === x.name)).toBe(
        true,
      );
      expect(xAudits.body.data.find((row: { id: number }) => row.id === xPendingAuditId)).toMatchObject({
        status: 0,
        deployName: 'svc-pending',
      });
      expect((await deployment(t, x.admin.token, xPendingDeployId)).status).toBe(0);
    });

    it('software deployment routes', async () => {
      const xRecords = await t
        .api()
        .get(`/v1/${x.id}/software_deployments`)
        .set(auth(x.admin.token))
        .expect(200);
      const recordId = xRecords.body.software_deployments[0].id;
      for (const token of [y.admin.token, yUser.token]) {
        await t.api().get(`/v1/${x.id}/software_deployments`).set(auth(token)).expect(404);
        await t.api().get(`/v1/${x.id}/software_deployments/${recordId}`).set(auth(token)).expect(404);
        // Through one's own project, another business's record does not exist either.
        await t.api().get(`/v1/${y.id}/software_deployments/${recordId}`).set(auth(token)).expect(404);
        const own = await t.api().get(`/v1/${y.id}/software_deployments`).set(auth(token)).expect(200);
        expect(own.body.software_deployments.map((record: SoftwareDeployment) => record.id)).not.toContain(
          recordId,
        );
        expect(own.body.software_deployments).toHaveLength(2);
      }
    });

    it('application routes', async () => {
      await t.api().get(`/v1/app/id/${xAppId}`).set(auth(y.admin.token)).expect(404);
      await t.api().get(`/v1/app/id/${xAppId}`).set(auth(yUser.token)).expect(404);
      await t
        .api()
        .delete('/v1/app')
        .set(auth(y.admin.token))
        .send({ appId: [xAppId] })
        .expect(404);
      await t.api().get(`/v1/app/id/${xAppId}`).set(auth(x.admin.token)).expect(200);
    });
  });

  describe('roles', () => {
    it('a general user can neither audit nor list audits (403)', async () => {
      await decideDeploy(t, xUser.token, xPendingAuditId, 1, 'self').expect(403);
      await t
        .api()
        .post('/v1/admin/deploy')
        .set(auth(xUser.token))
        .send({ id: xPendingAuditId, status: 1, comment: 'self' })
        .expect(403);
      await t.api().get('/v1/admin/deploy').set(auth(xUser.token)).expect(403);
      expect((await deployment(t, x.admin.token, xPendingDeployId)).status).toBe(0);
    });

    it('a pending user, and an approved user without a business, get 403 on every deployment route', async () => {
      const pending = await registerUser(t, { approve: false });
      const loner = await registerUser(t, { approve: true });
      for (const user of [pending, loner]) {
        const token = user.token;
        await t.api().get('/v1/deploy').set(auth(token)).expect(403);
        await t
          .api()
          .post('/v1/deploy')
          .set(auth(token))
          .send(body({ deployName: 'intruder' }))
          .expect(403);
        await t.api().get(`/v1/deploy/id/${xDeployId}`).set(auth(token)).expect(403);
        await t.api().delete(`/v1/deploy/id/${xDeployId}`).set(auth(token)).expect(403);
        await t.api().get('/v1/admin/deploy').set(auth(token)).expect(403);
        await decideDeploy(t, token, xPendingAuditId, 1, 'x').expect(403);
        await t.api().get(`/v1/${x.id}/software_deployments`).set(auth(token)).expect(403);
      }
      await t.api().get('/v1/deploy').expect(401);
    });
  });

  describe('validation (422) and unknown ids (404)', () => {
    it('each invalid deploy field is 422 and named', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ deployName: 'Web1' }, 'deployName'],
        [{ deployName: 'web_1' }, 'deployName'],
        [{ deployName: '-web' }, 'deployName'],
        [{ deployName: 'a'.repeat(64) }, 'deployName'],
        [{ deployName: '' }, 'deployName'],
        [{ deployName: 7 }, 'deployName'],
        [{ version: '1' }, 'version'],
        [{ version: '1.2.3.4.5' }, 'version'],
        [{ version: 'v1.2' }, 'version'],
        [{ cluster: 'bad label!' }, 'cluster'],
        [{ cluster: '-edge' }, 'cluster'],
        [{ cluster: 'e'.repeat(64) }, 'cluster'],
        [{ nodeLabel: 'x_y' }, 'nodeLabel'],
        [{ nodeLabel: 'gpu.' }, 'nodeLabel'],
        [{ comment: 5 }, 'comment'],
        [{ status: 5 }, 'status'],
        [{ businessId: y.id }, 'businessId'],
      ];
      for (const [overrides, field] of cases) {
        const response = await t
          .api()
          .post('/v1/deploy')
          .set(auth(x.admin.token))
          .send(body({ deployName: 'valid1', ...overrides }));
        expect({ overrides, status: response.status }).toEqual({ overrides, status: 422 });
        expect(response.body.code).toBe(422);
        expect(response.body.message).toContain(field);
      }
      const withoutApp: Record<string, unknown> = body({ deployName: 'valid1' });
      delete withoutApp.appName;
      const missing = await t.api().post('/v1/deploy').set(auth(x.admin.token)).send(withoutApp).expect(422);
      expect(missing.body.message).toContain('appName');
      // Several bad fields are all named.
      const many = await t
        .api()
        .post('/v1/deploy')
        .set(auth(x.admin.token))
        .send(body({ deployName: 'Bad_Name', version: 'x', cluster: '!', nodeLabel: '?' }))
        .expect(422);
      for (const field of ['deployName', 'version', 'cluster', 'nodeLabel'])
        expect(many.body.message).toContain(field);
      expect(await deploymentByName(t, x.admin.token, 'valid1')).toBeUndefined();
      // Upgrade and rollback bodies are validated too.
      await t
        .api()
        .post(`/v1/deploy/id/${xDeployId}`)
        .set(auth(x.admin.token))
        .send({ version: 'latest' })
        .expect(422);
      await t
        .api()
        .put(`/v1/deploy/id/${xDeployId}`)
        .set(auth(x.admin.token))
        .send({ version: '1.2', comment: 3 })
        .expect(422);
      await t
        .api()
        .post(`/v1/deploy/id/${xDeployId}`)
        .set(auth(x.admin.token))
        .send({ version: '1.3', status: 5 })
        .expect(422);
      await t.api().get('/v1/deploy/id/abc').set(auth(x.admin.token)).expect(422);
      await t.api().get(`/v1/deploy/id/${xDeployId}?field=everything`).set(auth(x.admin.token)).expect(422);
    });

    it('bad list queries are 422', async () => {
      for (const query of [
        'editable=maybe',
        'running=false',
        'appNameMode=fuzzy',
        'field=nope',
        'field=deployName,nope',
        'pageSize=-1',
        'pageSize=abc',
        'page=0',
        'order=up',
      ]) {
        const response = await t.api().get(`/v1/deploy?${query}`).set(auth(x.admin.token));
        expect({ query, status: response.status }).toEqual({ query, status: 422 });
        expect(response.body.code).toBe(422);
      }
      for (const query of ['pageSize=-1', 'page=0', 'orderBy=deployName']) {
        const response = await t.api().get(`/v1/admin/deploy?${query}`).set(auth(x.admin.token));
        expect({ query, status: response.status }).toEqual({ query, status: 422 });
      }
    });

    it('bad audit bodies are 422; unknown deployment and audit ids are 404', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ id: xPendingAuditId, status: 3, comment: 'x' }, 'status'],
        [{ id: xPendingAuditId, status: 0, comment: 'x' }, 'status'],
        [{ id: xPendingAuditId, status: 1 }, 'comment'],
        [{ id: 'abc', status: 1, comment: 'x' }, 'id'],
        [{ id: 1.5, status: 1, comment: 'x' }, 'id'],
        [{ status: 1, comment: 'x' }, 'id'],
      ];
      for (const [payload, field] of cases) {
        const response = await t.api().put('/v1/admin/deploy').set(auth(x.admin.token)).send(payload);
        expect({ payload, status: response.status }).toEqual({ payload, status: 422 });
        expect(response.body.message).toContain(field);
      }
      expect((await deployment(t, x.admin.token, xPendingDeployId)).status).toBe(0);

      await t.api().get('/v1/deploy/id/999999').set(auth(x.admin.token)).expect(404);
      await t
        .api()
        .post('/v1/deploy/id/999999')
        .set(auth(x.admin.token))
        .send({ version: '1.3' })
        .expect(404);
      await t
        .api()
        .put('/v1/deploy/id/999999')
        .set(auth(x.admin.token))
        .send({ version: '1.2', comment: '' })
        .expect(404);
      await t.api().delete('/v1/deploy/id/999999').set(auth(x.admin.token)).expect(404);
      await t.api().delete('/v1/deploy/no-such-deploy').set(auth(x.admin.token)).expect(404);
      await decideDeploy(t, x.admin.token, 999999, 1, 'x').expect(404);
      await t
        .api()
        .get(`/v1/${x.id}/software_deployments/00000000-0000-4000-8000-000000000000`)
        .set(auth(x.admin.token))
        .expect(404);
      await t.api().get(`/v1/${x.id}/software_deployments/not-a-uuid`).set(auth(x.admin.token)).expect(404);
    });

    it('an application version that a live (or requested) deployment uses cannot be deleted (409)', async () => {
      const refused = await t
        .api()
        .delete('/v1/app')
        .set(auth(x.admin.token))
        .send({ appId: [xAppId] })
        .expect(409);
      expect(refused.body).toMatchObject({ code: 409 });
      await t.api().get(`/v1/app/id/${xAppId}`).set(auth(x.admin.token)).expect(200);
    });
  });

  describe('list filters', () => {
    let z: TestBusiness;
    let zUser: TestUser;
    const names = async (query: string) => {
      const response = await t
        .api()
        .get(`/v1/deploy?pageSize=0&${query}`)
        .set(auth(z.admin.token))
        .expect(200);
      expect(response.body.total).toBe(response.body.data.length);
      return response.body.data.map((row: { deployName: string }) => row.deployName).sort();
    };

    beforeAll(async () => {
      z = await approvedBusiness(t);
      zUser = await subUser(t, z);
      for (const appName of ['alpha', 'alphabet', 'xalpha', 'beta'])
        await createApp(t, z.admin.token, { appName, isHPA: false });
      // Administrator deployments run to success; the general user's waits for audit.
      for (const [deployName, appName] of [
        ['da', 'alpha'],
        ['dxa', 'xalpha'],
        ['dup', 'beta'],
      ]) {
        await t
          .api()
          .post('/v1/deploy')
          .set(auth(z.admin.token))
          .send(body({ deployName, appName }))
          .expect(200);
        await waitForStatus(t, z.admin.token, (await deploymentByName(t, z.admin.token, deployName)).id, [5]);
      }
      await t
        .api()
        .post('/v1/deploy')
        .set(auth(zUser.token))
        .send(body({ deployName: 'dab', appName: 'alphabet' }))
        .expect(200);
    });

    it('appName with appNameMode strict, partial (the default) and prefix; LIKE wildcards are literal', async () => {
      expect(await names('appName=alpha&appNameMode=strict')).toEqual(['da']);
      expect(await names('appName=alpha&appNameMode=partial')).toEqual(['da', 'dab', 'dxa']);
      expect(await names('appName=alpha')).toEqual(['da', 'dab', 'dxa']);
      expect(await names('appName=alpha&appNameMode=prefix')).toEqual(['da', 'dab']);
      expect(await names('appName=beta&appNameMode=prefix')).toEqual(['dup']);
      // '_' and '%' match themselves, not any character.
      expect(await names('appName=al_ha&appNameMode=partial')).toEqual([]);
      expect(await names('appName=al%25&appNameMode=prefix')).toEqual([]);
      expect(await names('appName=%25&appNameMode=partial')).toEqual([]);
      expect(await names('appName=nothing')).toEqual([]);
    });

    it('editable and running', async () => {
      expect(await names('editable=true')).toEqual(['da', 'dup', 'dxa']);
      expect(await names('editable=false')).toEqual(['dab']);
      expect(await names('editable=all')).toEqual(['da', 'dab', 'dup', 'dxa']);
      expect(await names('running=true')).toEqual(['da', 'dup', 'dxa']);
      expect(await names('running=all')).toEqual(['da', 'dab', 'dup', 'dxa']);
      expect(await names('running=true&appName=alpha&appNameMode=prefix')).toEqual(['da']);
    });

    it('field keeps only the named keys; pageSize 0 is no limit; total counts before paging', async () => {
      const slim = await t
        .api()
        .get('/v1/deploy?field=deployName,status&pageSize=0')
        .set(auth(z.admin.token))
        .expect(200);
      expect(slim.body.data).toHaveLength(4);
      for (const row of slim.body.data) expect(Object.keys(row).sort()).toEqual(['deployName', 'status']);
      expect(slim.body.data.find((row: { deployName: string }) => row.deployName === 'dab')).toEqual({
        deployName: 'dab',
        status: 0,
      });

      const all = await t.api().get('/v1/deploy?pageSize=0').set(auth(z.admin.token)).expect(200);
      expect(all.body).toMatchObject({ code: 200, message: 'success', total: 4 });
      expect(all.body.data).toHaveLength(4);
      const firstPage = await t
        .api()
        .get('/v1/deploy?pageSize=3&page=1')
        .set(auth(z.admin.token))
        .expect(200);
      const secondPage = await t
        .api()
        .get('/v1/deploy?pageSize=3&page=2')
        .set(auth(z.admin.token))
        .expect(200);
      expect(firstPage.body.total).toBe(4);
      expect(firstPage.body.data).toHaveLength(3);
      expect(secondPage.body.data).toHaveLength(1);
      // The total of a short page, of a full last page and past the end, each taken its own way.
      expect(secondPage.body.total).toBe(4);
      for (const [query, length] of [
        ['pageSize=2&page=2', 2],
        ['pageSize=3&page=3', 0],
        ['pageSize=2&page=2&order=desc', 2],
      ] as const) {
        const response = await t.api().get(`/v1/deploy?${query}`).set(auth(z.admin.token)).expect(200);
        expect({ query, length: response.body.data.length, total: response.body.total }).toEqual({
          query,
          length,
          total: 4,
        });
      }
      const paged = [...firstPage.body.data, ...secondPage.body.data].map((row: { id: number }) => row.id);
      expect(new Set(paged).size).toBe(4);
      const defaults = await t.api().get('/v1/deploy').set(auth(z.admin.token)).expect(200);
      expect(defaults.body.data).toHaveLength(4);
      // Without `field`, a row has every field that `field` may name, and no other.
      expect(Object.keys(all.body.data[0]).sort()).toEqual([...DEPLOY_FIELDS].sort());
    });
  });

  describe('software deployments (seed 003)', () => {
    it('filter by server_id, one by id, and one record per cluster and action: CREATE, UPDATE, ROLLBACK, DELETE', async () => {
      const token = x.admin.token;
      const [oneId, twoId] = [await clusterIdOf(t, token, 't-one'), await clusterIdOf(t, token, 't-two')];
      const appIds = new Map<string, string>();
      for (const version of ['1.2', '1.3']) {
        const apps = await t
          .api()
          .get(`/v1/app?appName=svc&appNameMode=strict&version=${version}`)
          .set(auth(token))
          .expect(200);
        appIds.set(version, String(apps.body.data[0].id));
      }
      const list = async (query = '') =>
        (await t.api().get(`/v1/${x.id}/software_deployments${query}`).set(auth(token)).expect(200)).body
          .software_deployments as SoftwareDeployment[];
      const of = (records: SoftwareDeployment[], deployName: string) =>
        records.filter((record) => record.input_values?.deployName === deployName);

      await t
        .api()
        .post('/v1/deploy')
        .set(auth(token))
        .send(body({ deployName: 'sw1' }))
        .expect(200);
      const id = (await deploymentByName(t, token, 'sw1')).id;
      await waitForStatus(t, token, id, [5]);

      const onOne = of(await list(`?server_id=${oneId}`), 'sw1');
      expect(onOne).toHaveLength(1);
      expect((await list(`?server_id=${oneId}`)).every((record) => record.server_id === oneId)).toBe(true);
      expect((await list(`?server_id=${twoId}`)).every((record) => record.server_id === twoId)).toBe(true);
      expect(await list('?server_id=00000000-0000-4000-8000-000000000000')).toEqual([]);

      const one = await t
        .api()
        .get(`/v1/${x.id}/software_deployments/${onOne[0].id}`)
        .set(auth(token))
        .expect(200);
      expect(Object.keys(one.body)).toEqual(['software_deployment']);
      const record: SoftwareDeployment = one.body.software_deployment;
      expect(Object.keys(record).sort()).toEqual(
        [
          'action',
          'config_id',
          'creation_time',
          'id',
          'input_values',
          'output_values',
          'server_id',
          'status',
          'status_reason',
          'updated_time',
        ].sort(),
      );
      expect(record).toMatchObject({
        id: onOne[0].id,
        action: 'CREATE',
        config_id: appIds.get('1.2'),
        server_id: oneId,
        status: 'COMPLETE',
      });
      expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(typeof record.status_reason).toBe('string');
      expect(record.status_reason.length).toBeGreaterThan(0);
      expect(record.input_values).toMatchObject({ deployName: 'sw1', version: '1.2' });
      expect(record.output_values).toEqual({
        deploy_stdout: 'deployment.apps/sw1 created\n',
        deploy_stderr: '',
        deploy_status_code: 0,
        result: expect.any(String),
      });
      expect(record.creation_time).toMatch(ISO_8601);
      expect(record.updated_time).toMatch(ISO_8601);
      expect(Date.parse(record.updated_time)).toBeGreaterThanOrEqual(Date.parse(record.creation_time));

      await t.api().post(`/v1/deploy/id/${id}`).set(auth(token)).send({ version: '1.3' }).expect(200);
      await waitForStatus(t, token, id, [5]);
      await t
        .api()
        .put(`/v1/deploy/id/${id}`)
        .set(auth(token))
        .send({ version: '1.2', comment: 'back' })
        .expect(200);
      await waitForStatus(t, token, id, [5]);
      await t.api().delete(`/v1/deploy/id/${id}`).set(auth(token)).expect(200);
      await waitForStatus(t, token, id, [9]);

      for (const serverId of [oneId, twoId]) {
        const records = of(await list(`?server_id=${serverId}`), 'sw1');
        expect(records.map((entry) => entry.action)).toEqual(['CREATE', 'UPDATE', 'ROLLBACK', 'DELETE']);
        expect(records.every((entry) => entry.status === 'COMPLETE' && entry.server_id === serverId)).toBe(
          true,
        );
        expect(records.map((entry) => entry.config_id)).toEqual([
          appIds.get('1.2'),
          appIds.get('1.3'),
          appIds.get('1.2'),
          appIds.get('1.2'),
        ]);
        expect(records.map((entry) => entry.input_values.version)).toEqual(['1.2', '1.3', '1.2', '1.2']);
        expect(records[1].output_values.deploy_stdout).toBe('deployment.apps/sw1 configured\n');
        expect(records[3].output_values.deploy_stdout).toBe('deployment.apps/sw1 deleted\n');
        for (const entry of records) {
          expect(entry.output_values.deploy_status_code).toBe(0);
          expect(entry.creation_time).toMatch(ISO_8601);
        }
      }
    });
  });
});
