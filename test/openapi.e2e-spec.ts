import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { REGISTRY_BASIC_SCHEME, TOKEN_SCHEMES } from '../src/common/openapi';
import { exportOpenApiDocument, serializeOpenApiDocument } from '../src/openapi/export';
import { DeployStatus } from '../src/deploy/deployment-status';
import { FakeCluster } from './fake-kube';
import { createApp, DEPLOY_TEST_ENV, deploymentByName, registerClusters } from './support/deploys';
import { startClusters, waitForStatus } from './support/deploys';
import { approvedBusiness, auth, loginAdmin } from './support/factories';
import { ADMIN, startTestApp, TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '..');
const COMMITTED_JSON = path.join(ROOT, 'web/src/api/openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** The routes anyone may call; every other one needs a token. */
const PUBLIC = ['get /healthz', 'get /readyz', 'post /v1/authorization', 'post /v1/user'];
const TOKEN = [TOKEN_SCHEMES.token, TOKEN_SCHEMES.bearer, TOKEN_SCHEMES.xAuthToken].map((scheme) => ({
  [scheme]: [],
}));
/** The routes that take other credentials than the token, or a token only if one is sent. */
const OWN_SECURITY: Record<string, object[]> = {
  'get /service/token': [{ [REGISTRY_BASIC_SCHEME]: [] }],
  'get /metrics': [...TOKEN, {}],
};
/** The routes whose success is not JSON, and what it is instead. */
const NOT_JSON: Record<string, string> = { 'get /metrics': 'text/plain' };

const operationsOf = (document: OpenAPIObject) =>
  Object.entries(document.paths).flatMap(([route, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      name: `${method} ${route}`,
      pointer: `#/paths/${route.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses`,
      operation: item[method] as OperationObject,
    })),
  );

/** The reviewed exceptions to "a 4XX response", which redocly lint reads from the same file. */
const without4xx: string[] = parse(readFileSync(path.join(ROOT, '.redocly.lint-ignore.yaml'), 'utf8'))[
  'web/src/api/openapi.json'
]['operation-4xx-response'];

/**
 * The OpenAPI document is built from the controllers' decorators and committed; a changed route without
 * a regenerated document fails here. The console's client types (web/src/api/schema.d.ts) are not
 * committed: the build generates them from this document and type-checks the console against them.
 */
describe('OpenAPI document', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await exportOpenApiDocument();
  });

  it('is committed as the build exports it (npm run build regenerates it)', () => {
    expect(readFileSync(COMMITTED_JSON, 'utf8')).toBe(serializeOpenApiDocument(document));
  });

  it('gives every operation a summary, tags, a 2xx schema and its 4xx answers', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(40);
    for (const { name, pointer, operation } of operations) {
      const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      const [, response] = (success[0] ?? []) as [
        string?,
        { content?: Record<string, { schema?: object }> }?,
      ];
      const errors = Object.keys(operation.responses).filter((status) => /^4\d\d$/.test(status));
      expect({
        name,
        summary: Boolean(operation.summary),
        tags: operation.tags?.length,
        success: success.length,
        schema: Boolean(response?.content?.[NOT_JSON[name] ?? 'application/json']?.schema),
        errors: without4xx.includes(pointer) ? errors.length === 0 : errors.length > 0,
      }).toEqual({ name, summary: true, tags: 1, success: 1, schema: true, errors: true });
    }
  });

  it('needs one of the three token headers everywhere but on the public routes, which say so', () => {
    expect(document.security).toEqual(TOKEN);
    expect(document.components?.securitySchemes).toMatchObject({
      [TOKEN_SCHEMES.token]: { type: 'apiKey', in: 'header', name: 'Authorization' },
      [TOKEN_SCHEMES.bearer]: { type: 'http', scheme: 'bearer' },
      [TOKEN_SCHEMES.xAuthToken]: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
      [REGISTRY_BASIC_SCHEME]: { type: 'http', scheme: 'basic' },
    });
    const operations = operationsOf(document);
    const explicitlyPublic = operations
      .filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0)
      .map(({ name }) => name);
    expect(explicitlyPublic.sort()).toEqual([...PUBLIC].sort());
    for (const { name, operation } of operations) {
      if (PUBLIC.includes(name)) continue;
      // No own security: the document's token requirement applies, and a missing token is a 401.
      // The token service's wrong password and /metrics' invalid token are 401s too.
      expect({ name, security: operation.security, has401: '401' in operation.responses }).toEqual({
        name,
        security: OWN_SECURITY[name],
        has401: true,
      });
    }
  });

  describe('served by the running server', () => {
    let t: TestApp;
    let cluster: FakeCluster;
    beforeAll(async () => {
      [t, [cluster]] = await Promise.all([startTestApp(DEPLOY_TEST_ENV), startClusters(['openapi-edge'])]);
    });
    afterAll(async () => {
      await cluster?.stop();
      await t?.close();
    });

    it('is the exported document', async () => {
      const response = await t.api().get('/docs-json').expect(200);
      expect(response.body).toEqual(document);
    });

    it('describes what the routes really answer, envelope or bare', async () => {
      const answers = new Answers(document);
      await registerClusters(t, [cluster]);
      const business = await approvedBusiness(t);
      const admin = await loginAdmin(t);
      await createApp(t, business.admin.token, { appName: 'docs', version: '1.0', isHPA: false });
      await t
        .api()
        .post('/v1/deploy')
        .set(auth(business.admin.token))
        .send({ deployName: 'docs-deploy', appName: 'docs', version: '1.0' })
        .expect(200);
      const { id } = await deploymentByName(t, business.admin.token, 'docs-deploy');
      await waitForStatus(t, business.admin.token, id, [DeployStatus.Success]);
      const clusterId = (await t.api().get('/v1/cluster').set(auth(admin)).expect(200)).body.data[0]
        .clusterId;
      await t
        .api()
        .post('/v1/repository/third')
        .set(auth(business.admin.token))
        .send({
          repositoryId: 'docs-repo',
          address: 'registry.example.com',
          user: 'puller',
          password: 'pull-Secret-42',
        })
        .expect(200);
      const packages = `/accounts/${business.id}/core/v1/packages`;
      const [docsPackage] = (await t.api().get(packages).set(auth(business.admin.token)).expect(200)).body
        .items;

      const reads: [string, string, string][] = [
        ['/v1/authorization', '/v1/authorization', business.admin.token],
        ['/v1/admin/user', '/v1/admin/user', admin],
        ['/v1/business', '/v1/business', admin],
        ['/v1/business/id/{id}', `/v1/business/id/${business.id}`, admin],
        ['/v1/cluster', '/v1/cluster', admin],
        ['/v1/cluster/label', '/v1/cluster/label', admin],
        ['/v1/node', '/v1/node', admin],
        ['/v1/app', '/v1/app', business.admin.token],
        ['/v1/deploy', '/v1/deploy', business.admin.token],
        ['/v1/deploy/id/{id}', `/v1/deploy/id/${id}?field=historyVersion`, business.admin.token],
        ['/v1/admin/deploy', '/v1/admin/deploy', business.admin.token],
        ['/v1/{projectId}/software_deployments', `/v1/${business.id}/software_deployments`, admin],
        ['/v1/repository/third', '/v1/repository/third', business.admin.token],
        ['/v1/repository/third/{repositoryId}', '/v1/repository/third/docs-repo', business.admin.token],
        ['/accounts/{accountId}/core/v1/packages', packages, business.admin.token],
        [
          '/accounts/{accountId}/core/v1/packages',
          `${packages}?include=id,packageName,packageVersion`,
          business.admin.token,
        ],
        ['/accounts/{accountId}/core/v1/packages/{packageId}', `${packages}/${docsPackage.id}`, admin],
        ['/cce/cam/v3/clusters/{clusterId}/releases', `/cce/cam/v3/clusters/${clusterId}/releases`, admin],
        ['/v1/admin/audit', '/v1/admin/audit', admin],
      ];
      for (const [route, url, token] of reads) {
        const response = await t.api().get(url).set(auth(token)).expect(200);
        answers.check('get', route, 200, response.body);
      }
      const records = await t
        .api()
        .get(`/v1/${business.id}/software_deployments?server_id=${clusterId}`)
        .set(auth(admin))
        .expect(200);
      expect(records.body.software_deployments.length).toBeGreaterThan(0);
      const [record] = records.body.software_deployments;
      const one = await t
        .api()
        .get(`/v1/${business.id}/software_deployments/${record.id}`)
        .set(auth(admin))
        .expect(200);
      answers.check('get', '/v1/{projectId}/software_deployments/{id}', 200, one.body);

      const login = await t.api().post('/v1/authorization').send(ADMIN).expect(200);
      answers.check('post', '/v1/authorization', 200, login.body);
      answers.check('get', '/healthz', 200, (await t.api().get('/healthz').expect(200)).body);
      answers.check('get', '/readyz', 200, (await t.api().get('/readyz').expect(200)).body);
      answers.check('get', '/v1/cluster', 401, (await t.api().get('/v1/cluster').expect(401)).body);
      const forbidden = await t.api().post('/v1/cluster/label').set(auth(business.admin.token)).expect(403);
      answers.check('post', '/v1/cluster/label', 403, forbidden.body);
      const missing = await t.api().get('/v1/deploy/id/999999').set(auth(admin)).expect(404);
      answers.check('get', '/v1/deploy/id/{id}', 404, missing.body);
      const noPackage = await t
        .api()
        .get(`${packages}/00000000-0000-4000-8000-000000000000`)
        .set(auth(admin))
        .expect(404)
        .expect('Content-Type', /^application\/problem\+json/);
      answers.check(
        'get',
        '/accounts/{accountId}/core/v1/packages/{packageId}',
        404,
        noPackage.body,
        PROBLEM,
      );
      const badQuery = await t.api().get(`${packages}?limit=x`).set(auth(admin)).expect(400);
      answers.check('get', '/accounts/{accountId}/core/v1/packages', 400, badQuery.body, PROBLEM);
      // This server runs without a registry (no REGISTRY_URL): the token service says so.
      const token = await t.api().get('/service/token').expect(503);
      answers.check('get', '/service/token', 503, token.body);
      await t
        .api()
        .get('/metrics')
        .set(auth(admin))
        .expect(200)
        .expect('Content-Type', /^text\/plain/);
    });
  });
});

const PROBLEM = 'application/problem+json';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 3339, as the release and package times are written. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Checks answers against the document's response schemas (OpenAPI 3.0 schemas are JSON Schema plus `nullable`). */
class Answers {
  private readonly ajv = new Ajv({
    strict: false,
    allErrors: true,
    formats: { uuid: UUID, 'date-time': DATE_TIME },
  });

  constructor(private readonly document: OpenAPIObject) {
    this.ajv.addSchema({ $id: 'openapi.json', components: document.components });
  }

  check(
    method: (typeof METHODS)[number],
    route: string,
    status: number,
    body: unknown,
    mediaType = 'application/json',
  ): void {
    const response = this.document.paths[route]?.[method]?.responses[status] as
      { content?: Record<string, { schema?: object }> } | undefined;
    const schema = response?.content?.[mediaType]?.schema;
    expect({ method, route, status, documented: Boolean(schema) }).toEqual({
      method,
      route,
      status,
      documented: true,
    });
    const validate = this.ajv.compile(
      JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi.json#/components/')),
    );
    validate(body);
    expect({ method, route, status, errors: validate.errors ?? [] }).toEqual({
      method,
      route,
      status,
      errors: [],
    });
  }
}
