// The baseline of bench/api-list.ts: `GET /v1/deploy?page=N&pageSize=N` on raw node:http + pg + ioredis,
// with no framework. It does what the product must do for that request, and nothing else: verify the
// HS256 token (jsonwebtoken, the library the product uses, with the secret as a KeyObject), ask Redis
// whether it is revoked, load the caller's user row, then the same three statements as the product's list
// (the total, the page by id, the page's cluster placements), and answer the product's exact body.
// Plain JavaScript so that it runs with `node` alone. Environment: PORT, DATABASE_URL, REDIS_URL,
// REDIS_PREFIX, JWT_SECRET.
'use strict';
const http = require('node:http');
const { createSecretKey } = require('node:crypto');
const jwt = require('jsonwebtoken');
const { Pool } = require('pg');
const IORedis = require('ioredis');

const env = process.env;
const key = createSecretKey(Buffer.from(env.JWT_SECRET, 'utf8'));
// The product's pool size (src/database/data-source.ts).
const pool = new Pool({ connectionString: env.DATABASE_URL, max: 20 });
const redis = new IORedis(env.REDIS_URL, { keyPrefix: `${env.REDIS_PREFIX}:`, maxRetriesPerRequest: 3 });
/** Deployment statuses that may be edited (SETTLED_STATUSES of src/deploy/deployment-status.ts). */
const SETTLED = new Set([5, 6, 7, 8]);
const unixSeconds = (date) => Math.floor(date.getTime() / 1000);

function answer(res, code, body) {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
const fail = (res, code, message) => answer(res, code, { code, message });

function tokenOf(req) {
  const header = req.headers.authorization ?? req.headers['x-auth-token'];
  if (typeof header !== 'string') return undefined;
  return header.startsWith('Bearer ') ? header.slice(7) : header;
}

const pagingValue = (text, fallback) => (text === null ? fallback : /^\d+$/.test(text) ? Number(text) : NaN);

async function listDeployments(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/v1/deploy') return fail(res, 404, 'no such route');
  const page = pagingValue(url.searchParams.get('page'), 1);
  const pageSize = pagingValue(url.searchParams.get('pageSize'), 10);
  if (!(page >= 1) || !(pageSize >= 0))
    return fail(res, 422, 'page and pageSize must be non-negative integers');

  let claims;
  try {
    claims = jwt.verify(tokenOf(req) ?? '', key, { algorithms: ['HS256'] });
  } catch {
    return fail(res, 401, 'invalid or missing token');
  }
  if ((await redis.exists(`revoked-token:${claims.jti}`)) === 1) return fail(res, 401, 'token revoked');
  const { rows: users } = await pool.query(
    'SELECT status, is_admin, is_system_admin, business_id FROM users WHERE id = $1',
    [claims.sub],
  );
  const user = users[0];
  if (!user) return fail(res, 401, 'user no longer exists');
  if (user.status === 2 || user.status === 3)
    return fail(res, 403, 'this account is not approved or is forbidden');
  if (!user.is_system_admin && (user.status === 0 || user.business_id === null))
    return fail(res, 403, 'not allowed for your role');

  const scope = user.is_system_admin ? '' : 'WHERE business_id = $1';
  const scopeArgs = user.is_system_admin ? [] : [user.business_id];
  const { rows: counted } = await pool.query(
    `SELECT count(*)::int AS total FROM deployments ${scope}`,
    scopeArgs,
  );
  const limit = pageSize === 0 ? '' : `LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`;
  const { rows } = await pool.query(
    `SELECT id, deploy_name, app_name, version, cluster, node_label, comment, deploy_type, status, error_message,
            audit_comment, create_time, update_time
       FROM deployments ${scope} ORDER BY id ASC ${limit}`,
    scopeArgs,
  );
  const { rows: placements } = rows.length
    ? await pool.query(
        `SELECT deployment_id, cluster_name, status, running, error, total, message
           FROM placements WHERE deployment_id = ANY($1) ORDER BY cluster_name ASC`,
        [rows.map((row) => row.id)],
      )
    : { rows: [] };
  const data = rows.map((row) => ({
    id: row.id,
    deployName: row.deploy_name,
    appName: row.app_name,
    version: row.version,
    cluster: row.cluster,
    nodeLabel: row.node_label,
    comment: row.comment,
    deployType: row.deploy_type,
    status: row.status,
    errorMessage: row.error_message,
    auditComment: row.audit_comment,
    editable: SETTLED.has(row.status),
    createTime: unixSeconds(row.create_time),
    updateTime: unixSeconds(row.update_time),
    clusters: placements
      .filter((placement) => placement.deployment_id === row.id)
      .map(({ cluster_name, status, running, error, total, message }) => ({
        clusterName: cluster_name,
        status,
        running,
        error,
        total,
        message,
      })),
  }));
  answer(res, 200, { code: 200, message: 'success', data, total: counted[0].total });
}

const server = http.createServer((req, res) => {
  listDeployments(req, res).catch(() => fail(res, 500, 'internal error'));
});
server.listen(Number(env.PORT), '127.0.0.1', () =>
  process.stdout.write(`listening on ${server.address().port}\n`),
);
process.once('SIGTERM', () => {
  server.close();
  Promise.allSettled([pool.end(), redis.quit()]).then(() => process.exit(0));
});
