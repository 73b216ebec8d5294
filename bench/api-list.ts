/**
 * List benchmark: `GET /v1/deploy?page=N&pageSize=10` for a business administrator, 100,000 deployments
 * (two cluster placements each) in 50 businesses, seeded by SQL. Starts the built product (`dist/`,
 * PROCESS_ROLE=api) and, in the same run, bench/api-list-baseline.js (raw node:http + pg + ioredis, the
 * same token check, Redis revocation check and SQL), each in its own process on the same database and
 * Redis. Drives both alternately with autocannon at 16 and 64 connections and prints req/s, p50 and p99 of
 * each and the ratio. Figures, not assertions: it fails only when an answer is wrong or not 200.
 *
 * Run: `npm run bench:api-list` (builds first; jest is only the runner: swc and the template database).
 * BENCH_SECONDS (5) per measurement, BENCH_ROUNDS (2) alternations per connection count,
 * BENCH_CPU_PROFILE=<dir>: the product runs with `node --cpu-prof` and the top entries are printed.
 * BENCH_NODE=<path to node>: the Node.js both servers run on (the production image's 24, say), else this one.
 * Both servers use the migrations' indexes (deployments (business_id, id) among them); the tables are
 * vacuumed after seeding, as autovacuum would have done on a database in use, so index-only scans work.
 * Besides wall-clock figures (noisy on a shared machine), it prints each server's own CPU time per
 * request (user + system, from /proc), which other processes on the machine hardly disturb.
 */
import autocannon from 'autocannon';
import bcrypt from 'bcryptjs';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import IORedis from 'ioredis';
import { Client } from 'pg';
import type { AppliedObject } from '../src/deploy/deploy.entity';
import { closedPort } from '../test/support/clusters';
import { createTestDatabase } from '../test/support/database';
import { eventually } from '../test/support/eventually';
import { TEST_REDIS_URL } from '../test/support/test-app';
import { cpuSeconds, syscalls } from './proc-stats';
import { stopChild } from './stop-child';

const ROOT = resolve(__dirname, '..');
const BUSINESSES = 50;
const DEPLOYMENTS = 100_000;
const PAGE_SIZE = 10;
const CONNECTIONS = [16, 64];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
/** The Node.js both servers run on: BENCH_NODE (a path), else the one running the bench. */
const SERVER_NODE = process.env.BENCH_NODE ?? process.execPath;
const PASSWORD = 'Bench12345';
const JWT_SECRET = randomBytes(24).toString('hex');
/** A stored placement's objects as the product keeps them, by reference (the list never shows them). */
const OBJECTS = JSON.stringify([
  { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'web' },
] satisfies AppliedObject[]);

const out = (line = '') => process.stdout.write(`${line}\n`);

async function seed(databaseUrl: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const hash = bcrypt.hashSync(PASSWORD, 4);
    await db.query(
      `INSERT INTO users (user_name, password_hash, real_name, phone, is_admin, status)
       SELECT 'bench' || i, $1, 'Bench Admin', '12345678910', true, 1 FROM generate_series(1, $2::int) i`,
      [hash, BUSINESSES],
    );
    await db.query(
      `INSERT INTO businesses (name, introduce, objective, scale, user_id, status)
       SELECT 'business-' || u.user_name, 'bench', 'bench', 'large', u.id, 1 FROM users u WHERE u.user_name LIKE 'bench%'`,
    );
    await db.query(`UPDATE users u SET business_id = b.id FROM businesses b WHERE b.user_id = u.id`);
    await db.query(
      `INSERT INTO deployments (business_id, deploy_name, app_name, version, app_id, cluster, node_label, deploy_type, status)
       SELECT b.id, 'deploy-' || i, 'app-' || (i % 20), '1.0', 1, 'all', 'all', 1, 5
         FROM generate_series(0, $1::int - 1) i
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM businesses) b ON b.n = i % $2::int`,
      [DEPLOYMENTS, BUSINESSES],
    );
    // Placements reference their clusters; a list never opens a cluster's kubeconfig, so none is sealed.
    await db.query(
      `INSERT INTO clusters (name, kubeconfig_sealed) VALUES ('edge-east', 'unused'), ('edge-west', 'unused')`,
    );
    await db.query(
      `INSERT INTO placements (deployment_id, cluster_id, cluster_name, objects, status, running, total)
       SELECT d.id, c.id, c.name, $1::jsonb, 'running', 2, 2
         FROM deployments d CROSS JOIN clusters c`,
      [OBJECTS],
    );
    await db.query('VACUUM ANALYZE users, businesses, clusters, deployments, placements');
  } finally {
    await db.end();
  }
}

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  stderr: string[];
}

async function startServer(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyPath: string,
): Promise<Server> {
  const port = await closedPort();
  const child = spawn(SERVER_NODE, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr.join('').slice(-2000)}`);
      return fetch(`${url}${readyPath}`).then(
        (response) => response.status,
        () => 0,
      );
    },
    (status) => status > 0 && status < 500,
    { timeoutMs: 60_000, intervalMs: 200, what: `${name} answering ${readyPath}` },
  );
  return { name, url, child, stderr };
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  /** The server process's CPU time (user + system) per answered request, in milliseconds. */
  cpuMs: number;
  /** The server process's read and write system calls per answered request (sockets included). */
  syscalls: number;
}

async function drive(
  server: Server,
  token: string,
  connections: number,
  seconds: number,
): Promise<Measurement> {
  const pages = DEPLOYMENTS / BUSINESSES / PAGE_SIZE;
  const cpuBefore = cpuSeconds(server.child.pid) * 1000;
  const syscallsBefore = syscalls(server.child.pid);
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          path: `/v1/deploy?page=${1 + Math.floor(Math.random() * pages)}&pageSize=${PAGE_SIZE}`,
        }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    cpuMs: (cpuSeconds(server.child.pid) * 1000 - cpuBefore) / Math.max(1, result.requests.total),
    syscalls: (syscalls(server.child.pid) - syscallsBefore) / Math.max(1, result.requests.total),
  };
}

const nodeVersion = () => execFileSync(SERVER_NODE, ['--version'], { encoding: 'utf8' }).trim();

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Now on the monotonic clock, in microseconds: the clock of a V8 CPU profile's times (on Linux). */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * The product's CPU profile (the newest .cpuprofile of `dir`) during `window` (monotonic microseconds),
 * so that start-up, module loading, the warm-up and the baseline's runs do not count: the functions with
 * the most self time ("share name (file:line)"), then the same time by package (a frame of Node itself,
 * a socket write or the garbage collector, counts for the nearest package above it on the stack; our
 * own code is `dist:<folder>`). Shares of the time the process was busy: waiting is not our cost.
 */
function topOfProfile(dir: string, window: { from: number; to: number }[], count = 15): string[] {
  const file = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (!file) return ['(no profile written)'];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    startTime: number;
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  let at = profile.startTime;
  const measured = profile.samples.filter((_, i) => {
    at += profile.timeDeltas[i];
    return window.some(({ from, to }) => at >= from && at <= to);
  });
  const busy = measured.filter((id) => byId.get(id)!.callFrame.functionName !== '(idle)');
  const packageOf = (id: number): string => {
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      const url = byId.get(node)!.callFrame.url;
      const inPackage = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
      if (inPackage) return inPackage[1];
      const ours = /\/dist\/src\/([^/]+)/.exec(url);
      if (ours) return `dist:${ours[1].replace(/\.js$/, '')}`;
    }
    return byId.get(id)!.callFrame.functionName || '(anonymous)';
  };
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const count1 = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const id of busy) {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url
      ? ` (${frame.url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}/`, '')}:${frame.lineNumber + 1})`
      : '';
    count1(functions, `${frame.functionName || '(anonymous)'}${where}`);
    count1(packages, packageOf(id));
  }
  const top = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, count)
      .map(([label, n]) => `${((100 * n) / busy.length).toFixed(1).padStart(5)} %  ${label}`);
  return [
    `${busy.length} busy samples of ${measured.length}; by function (self time):`,
    ...top(functions),
    'by package:',
    ...top(packages),
  ];
}

/** Runs the benchmark, prints the figures and returns what went wrong (wrong or failed answers). */
export async function runApiList(): Promise<string[]> {
  const problems: string[] = [];
  const database = await createTestDatabase();
  const redisPrefix = `ote-bench-${randomBytes(4).toString('hex')}`;
  const servers: Server[] = [];
  /** When the product was being measured (monotonic microseconds). */
  const productRuns: { from: number; to: number }[] = [];
  try {
    let started = Date.now();
    await seed(database.url);
    out(
      `seeded ${DEPLOYMENTS} deployments in ${BUSINESSES} businesses in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      JWT_SECRET,
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
    };
    if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
    const profileFlags = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE_DIR)}`] : [];
    started = Date.now();
    const product = await startServer(
      'product',
      [...profileFlags, 'dist/src/main.js'],
      { ...env, PROCESS_ROLE: 'api', NODE_ENV: 'production', MIGRATE_ON_START: 'false' },
      '/readyz',
    );
    servers.push(product);
    const baseline = await startServer('baseline', ['bench/api-list-baseline.js'], env, '/');
    servers.push(baseline);
    out(`servers up in ${((Date.now() - started) / 1000).toFixed(1)} s, on Node.js ${nodeVersion()}`);

    const login = await fetch(`${product.url}/v1/authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bench1', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    if (!token) throw new Error(`login failed with ${login.status}`);

    // The same answer from both, or the comparison means nothing.
    for (const page of [1, 7, 200, 201]) {
      const path = `/v1/deploy?page=${page}&pageSize=${PAGE_SIZE}`;
      const [mine, theirs] = await Promise.all(
        [product, baseline].map(async (server) => {
          const response = await fetch(`${server.url}${path}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return { status: response.status, body: await response.json() };
        }),
      );
      if (mine.status !== 200 || !isDeepStrictEqual(mine, theirs))
        problems.push(
          `${path}: product ${JSON.stringify(mine).slice(0, 300)} != baseline ${JSON.stringify(theirs).slice(0, 300)}`,
        );
    }

    for (const server of [product, baseline]) await drive(server, token, 16, 2); // warm-up
    out(`\nGET /v1/deploy?page=N&pageSize=${PAGE_SIZE}, ${SECONDS} s per run, ${ROUNDS} alternating rounds`);
    out('| connections | server   | req/s   | p50 (ms) | p99 (ms) | CPU ms/req | syscalls/req |');
    out('| ----------- | -------- | ------- | -------- | -------- | ---------- | ------------ |');
    const ratios: string[] = [];
    for (const connections of CONNECTIONS) {
      const runs = new Map<Server, Measurement[]>([
        [product, []],
        [baseline, []],
      ]);
      for (let round = 0; round < ROUNDS; round++) {
        for (const server of [product, baseline]) {
          const from = monotonicMicros();
          runs.get(server)!.push(await drive(server, token, connections, SECONDS));
          if (server === product) productRuns.push({ from, to: monotonicMicros() });
        }
      }
      const summary = new Map<Server, Measurement>();
      for (const [server, measurements] of runs) {
        const m = {
          rps: mean(measurements.map((x) => x.rps)),
          p50: mean(measurements.map((x) => x.p50)),
          p99: mean(measurements.map((x) => x.p99)),
          bad: measurements.reduce((sum, x) => sum + x.bad, 0),
          cpuMs: mean(measurements.map((x) => x.cpuMs)),
          syscalls: mean(measurements.map((x) => x.syscalls)),
        };
        summary.set(server, m);
        if (m.bad > 0)
          problems.push(`${server.name} at ${connections} connections: ${m.bad} answers not 200`);
        out(
          `| ${String(connections).padEnd(11)} | ${server.name.padEnd(8)} | ${m.rps.toFixed(0).padStart(7)} | ${m.p50.toFixed(1).padStart(8)} | ${m.p99.toFixed(1).padStart(8)} | ${m.cpuMs.toFixed(2).padStart(10)} | ${m.syscalls.toFixed(1).padStart(12)} |`,
        );
      }
      const ratio = summary.get(product)!.rps / summary.get(baseline)!.rps;
      const cpu = summary.get(product)!.cpuMs / summary.get(baseline)!.cpuMs;
      ratios.push(
        `${connections} connections: product/baseline = ${ratio.toFixed(2)} (req/s); CPU per request ${cpu.toFixed(2)}× the baseline's`,
      );
      if (connections === 64)
        ratios.push(`  target >= 0.85 at 64 connections: ${ratio >= 0.85 ? 'met' : 'NOT met'}`);
      if (connections === 16) {
        const p99 = summary.get(product)!.p99;
        ratios.push(
          `  target p99 < 50 ms at 16 connections: ${p99 < 50 ? 'met' : 'NOT met'} (${p99.toFixed(1)} ms)`,
        );
      }
    }
    out();
    for (const line of ratios) out(line);
  } finally {
    for (const server of servers) await stopChild(server.child);
    await database.drop();
    await deleteKeys(redisPrefix);
  }
  if (PROFILE_DIR) {
    out(
      `\nproduct CPU profile (${PROFILE_DIR}), top self time during its measured runs, share of busy samples:`,
    );
    for (const line of topOfProfile(PROFILE_DIR, productRuns)) out(line);
  }
  return problems;
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new IORedis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
