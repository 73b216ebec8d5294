import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { parse } from 'yaml';
import { TOKEN_SCHEMES } from '../src/common/openapi';
import { exportOpenApiDocument, serializeOpenApiDocument } from '../src/openapi/export';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '..');
const COMMITTED_JSON = path.join(ROOT, 'web/src/api/openapi.json');
const COMMITTED_SCHEMA = path.join(ROOT, 'web/src/api/schema.d.ts');
/** The CLI the build runs (`npm run openapi`); its package exports no path to it. */
const OPENAPI_TYPESCRIPT = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** The routes anyone may call; every other one needs a token. */
const PUBLIC = ['get /healthz', 'get /readyz', 'post /v1/authorization', 'post /v1/user'];

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
 * The OpenAPI document is built from the controllers' decorators; the console's client is generated
 * from the committed copy. A changed route without a regenerated document and client fails here.
 */
describe('OpenAPI document', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await exportOpenApiDocument();
  });

  it('is committed as the build exports it (npm run build regenerates it)', () => {
    expect(readFileSync(COMMITTED_JSON, 'utf8')).toBe(serializeOpenApiDocument(document));
  });

  it('has the committed client types generated from it by openapi-typescript', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'ote-openapi-'));
    try {
      const generated = path.join(directory, 'schema.d.ts');
      execFileSync(process.execPath, [OPENAPI_TYPESCRIPT, COMMITTED_JSON, '-o', generated], {
        stdio: 'ignore',
      });
      expect(readFileSync(COMMITTED_SCHEMA, 'utf8')).toBe(readFileSync(generated, 'utf8'));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
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
        schema: Boolean(response?.content?.['application/json']?.schema),
        errors: without4xx.includes(pointer) ? errors.length === 0 : errors.length > 0,
      }).toEqual({ name, summary: true, tags: 1, success: 1, schema: true, errors: true });
    }
  });

  it('needs one of the three token headers everywhere but on the public routes, which say so', () => {
    expect(document.security).toEqual([
      { [TOKEN_SCHEMES.token]: [] },
      { [TOKEN_SCHEMES.bearer]: [] },
      { [TOKEN_SCHEMES.xAuthToken]: [] },
    ]);
    expect(document.components?.securitySchemes).toMatchObject({
      [TOKEN_SCHEMES.token]: { type: 'apiKey', in: 'header', name: 'Authorization' },
      [TOKEN_SCHEMES.bearer]: { type: 'http', scheme: 'bearer' },
      [TOKEN_SCHEMES.xAuthToken]: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
    });
    const operations = operationsOf(document);
    const explicitlyPublic = operations
      .filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0)
      .map(({ name }) => name);
    expect(explicitlyPublic.sort()).toEqual([...PUBLIC].sort());
    for (const { name, operation } of operations) {
      if (PUBLIC.includes(name)) continue;
      // No own security: the document's token requirement applies, and a missing token is a 401.
      expect({ name, security: operation.security, has401: '401' in operation.responses }).toEqual({
        name,
        security: undefined,
        has401: true,
      });
    }
  });

  describe('served by the running server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t?.close());

    it('is the exported document', async () => {
      const response = await t.api().get('/docs-json').expect(200);
      expect(response.body).toEqual(document);
    });

    it('answers a public route without a token and a guarded one with the documented 401', async () => {
      await t.api().get('/healthz').expect(200);
      const refused = await t.api().get('/v1/cluster').expect(401);
      expect(refused.body).toEqual({ code: 401, message: expect.any(String) });
    });
  });
});
