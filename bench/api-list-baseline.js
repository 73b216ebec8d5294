// The baseline of bench/api-list.ts: `GET /v1/deploy?page=N&pageSize=N` on raw node:http + pg + ioredis,
// with no framework. It does what the product must do for that request, and nothing else:
// - the token check of src/auth/auth.service.ts: HS256 verified by jsonwebtoken (the library the product
//   uses) with the secret as a KeyObject, the session claims, Redis asked in one pipeline whether the token
//   is revoked and for the user's change epoch (src/auth/principal-cache.service.ts), the caller's row
//   (no password hash) loaded again only when the epoch moved or it is older than two seconds, the
//   refused statuses, the token version and the session's end; then the role check of the route;
// - the list of src/deploy/deploy-queries.service.ts for a business member: the product's own statement
//   and row mapping (src/deploy/deploy-list.ts, from dist/: the page's ids, only the shown columns, the
//   placements as JSON with their sums, the total counted only for a full page), prepared as the product
//   prepares them (named statements, parsed once per connection), and the product's body.
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
/** UserStatus.NotApproved and Forbidden (src/auth/user.entity.ts). */
const REFUSED = new Set([2, 3]);
/** The product's default SESSION_MAX_HOURS. */
const SESSION_MAX_SECONDS = 12 * 3600;
const PRINCIPAL_MAX_AGE_MS = 2000;
const MAX_PAGE_SIZE = 1000;

// The product's own statements and row mapping for a business member's page in id order, from the build
// the bench starts (src/deploy/deploy-list.ts, which loads neither Nest nor TypeORM).
const { countStatement, listStatement, toListView } = require('../dist/src/deploy/deploy-list');
const MEMBER = 'WHERE business_id = $1';
const LIST_SQL = listStatement(MEMBER, 'ASC', '$2', '$3');
const COUNT_SQL = countStatement(MEMBER);
const USER_SQL =
  'SELECT id, user_name, status, is_admin, is_system_admin, business_id, token_version FROM users WHERE id = $1';

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
  const authorization = req.headers.authorization?.trim();
  if (authorization) return authorization.replace(/^Bearer\s+/i, '') || null;
  return req.headers['x-auth-token']?.trim() || null;
}

const pagingValue = (text, fallback) => (text === null ? fallback : /^\d+$/.test(text) ? Number(text) : NaN);
const isInteger = (value) => Number.isSafeInteger(value);

/** The user rows, per process, each with the epoch it was read under and when (PrincipalCache). */
const principals = new Map();
function principal(userId, epoch) {
  const now = Date.now();
  const cached = principals.get(userId);
  if (cached && cached.epoch === epoch && now - cached.loadedAt < PRINCIPAL_MAX_AGE_MS) return cached.record;
  const record = pool.query(USER_SQL, [userId]).then(({ rows }) => rows[0] ?? null);
  principals.set(userId, { epoch, loadedAt: now, record });
  record.catch(() => principals.delete(userId));
  return record;
}

async function listDeployments(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/v1/deploy') return fail(res, 404, 'no such route');

  let claims;
  try {
    claims = jwt.verify(tokenOf(req) ?? '', key, { algorithms: ['HS256'] });
  } catch {
    return fail(res, 401, 'invalid token');
  }
  if (
    !isInteger(claims.sub) ||
    typeof claims.jti !== 'string' ||
    !isInteger(claims.ver) ||
    !isInteger(claims.auth_time) ||
    !isInteger(claims.exp)
  )
    return fail(res, 401, 'invalid token');
  const [[revokedError, revoked], [epochError, epoch]] = await redis
    .pipeline()
    .exists(`revoked-token:${claims.jti}`)
    .get(`principal-epoch:${claims.sub}`)
    .exec();
  if (revokedError || epochError) throw revokedError ?? epochError;
  if (revoked === 1) return fail(res, 401, 'token revoked');
  const user = await principal(claims.sub, epoch);
  if (!user) return fail(res, 401, 'user no longer exists');
  if (REFUSED.has(user.status)) return fail(res, 403, 'this account is not approved or is forbidden');
  if (
    claims.ver !== user.token_version &&
    (await redis.get(`kept-token:${claims.jti}`)) !== String(user.token_version)
  )
    return fail(res, 401, 'session ended by a password change or an account change; log in again');
  if (Math.floor(Date.now() / 1000) >= claims.auth_time + SESSION_MAX_SECONDS)
    return fail(res, 401, 'session expired; log in again');
  // The route's roles (general user, business administrator): a member of an approved business.
  if (user.is_system_admin || user.status === 0 || user.business_id === null)
    return fail(res, 403, 'not allowed for your role');

  const page = pagingValue(url.searchParams.get('page'), 1);
  const pageSize = pagingValue(url.searchParams.get('pageSize'), 10);
  if (!(page >= 1) || !(pageSize >= 0) || pageSize > MAX_PAGE_SIZE)
    return fail(res, 422, 'page and pageSize must be non-negative integers');
  const take = pageSize === 0 ? MAX_PAGE_SIZE : pageSize;
  const skip = pageSize === 0 ? 0 : (page - 1) * pageSize;

  const { rows } = await pool.query({
    name: 'list',
    text: LIST_SQL,
    values: [user.business_id, take, skip],
  });
  const total = rows.length
    ? rows[0].total_rows
    : skip === 0
      ? 0
      : (await pool.query({ name: 'count', text: COUNT_SQL, values: [user.business_id] })).rows[0].total;
  const data = rows.map(toListView);
  answer(res, 200, { code: 200, message: 'success', data, total });
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
