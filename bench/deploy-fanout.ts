/**
 * Deployment fan-out benchmark. For each N (10, 100, 1000, 3000 by default; `BENCH_SIZES=10,100`
 * overrides) on a fresh database:
 * - the fake fleet (N fake clusters) runs in a child process (bench/fake-fleet.ts), which counts the
 *   Kubernetes requests each cluster answers;
 * - this process serves the API only (PROCESS_ROLE=api); the work is done by worker processes started
 *   from the build (PROCESS_ROLE=worker), as production runs them;
 * - one application is deployed to `cluster: all` with one worker, then another with two workers, each
 *   timed from `POST /v1/deploy` until the deployment reads status 5; before each, untimed deployments
 *   warm the workers up (see warmUp), and every deployment is removed from the fleet after it;
 * - at N = OUTAGE_N, the same with every cluster answering each request EDGE_LATENCY_MS late (the round
 *   trip to an edge over a WAN; BENCH_EDGE_LATENCY_MS, 0 skips it), with two workers, then one;
 * - at N = OUTAGE_N, OUTAGE_CLUSTERS clusters are down during a third deployment (which settles as 6)
 *   and come back; timed from their return until status 5, with CLUSTER_SYNC_SECONDS=OUTAGE_SYNC_S.
 * Prints seconds, Kubernetes requests per cluster, the product's CPU seconds per cluster (API process
 * plus workers, read from /proc) and the ratios. Returns the failures so that the runner exits non-zero.
 *
 * BENCH_CPU_PROFILE=<dir>: the worker processes run under `node --cpu-prof` (one .cpuprofile each, in
 * <dir>/N-<n>) and the functions with the most self time in each are printed.
 *
 * Run: `npm run bench:deploy-fanout` (jest is only the runner: swc, ESM packages, template database).
 */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { forEachLimited } from '../src/common/concurrency';
import { JobQueueService } from '../src/queue/job-queue.service';
import { DeployStatus } from '../src/deploy/deployment-status';
import { QueueName } from '../src/queue/jobs';
import { registerCluster } from '../test/support/clusters';
import { createApp, deployment, deploymentByName } from '../test/support/deploys';
import { eventually } from '../test/support/eventually';
import { approvedBusiness, auth, loginAdmin } from '../test/support/factories';
import { startTestApp, TEST_REDIS_URL, TestApp } from '../test/support/test-app';
import type { FleetCluster, FleetCommand } from './fake-fleet';
import { cpuSeconds, syscalls } from './proc-stats';
import { stopChild } from './stop-child';

const ROOT = resolve(__dirname, '..');
/** No periodic node sync in the middle of a measurement: one per hour is never. */
export const BENCH_ENV = { CLUSTER_SYNC_SECONDS: '3600', DEPLOY_TIMEOUT_SECONDS: '900', PROCESS_ROLE: 'api' };
const DEFAULT_SIZES = [10, 100, 1000, 3000];
const OUTAGE_N = 1000;
const OUTAGE_CLUSTERS = 100;
const OUTAGE_SYNC_S = 5;
/** Fake clusters answer instantly; an edge over a WAN answers each request a round trip later. */
const EDGE_LATENCY_MS = Number(process.env.BENCH_EDGE_LATENCY_MS ?? 50);
const REGISTER_CONCURRENCY = 20;
/** Untimed fan-outs (each a deployment to every cluster and its removal) before each measured one. */
const WARMUPS = 4;
const STATUS_POLL_MS = 20;
const QUIET_TIMEOUT_MS = 30 * 60 * 1000;
const DEPLOY_WAIT_MS = 15 * 60 * 1000;
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : null;
const APP = {
  appName: 'fanout',
  version: '1.0',
  isHPA: false,
  replicas: 1,
  minReplicas: 1,
  maxReplicas: 1,
  volume: [],
};

const out = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const fmt = (value: number | null, digits = 2) => (value === null ? '-' : value.toFixed(digits));

export function benchSizes(env = process.env.BENCH_SIZES): number[] {
  if (!env) return DEFAULT_SIZES;
  const sizes = env.split(',').map((part) => Number(part.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`BENCH_SIZES=${env}: want positive integers`);
  return sizes;
}

/**
 * CPU seconds so far of each PostgreSQL backend serving `database` (their process title names it), by
 * pid: the API's and the workers' pooled connections. The server's own background processes (WAL
 * writer, checkpointer), shared with everything else on the machine, are not counted.
 */
function postgresCpuSeconds(database: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let title: string;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (title.startsWith('postgres:') && title.includes(` ${database} `))
      byPid.set(Number(pid), cpuSeconds(Number(pid)));
  }
  return byPid;
}

/**
 * The backends' CPU between two readings: each one's growth, or all of it for a backend opened since.
 * A backend closed in between (a pool closes connections idle for 10 s) is left out rather than
 * subtracted, so the figure is a lower bound.
 */
function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}

/**
 * The Redis server's CPU seconds so far (INFO cpu, main thread and children). The server is shared with
 * whatever else runs on the machine; during a measurement only the bench uses it.
 */
async function redisCpuSeconds(redis: IORedis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** The fake fleet's process, compiled on the fly (it uses Node built-ins only). */
class Fleet {
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (reply: { id: number; result?: unknown; error?: string }) => {
      const pending = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.error !== undefined) pending?.reject(new Error(reply.error));
      else pending?.resolve(reply.result);
    });
  }

  /** Under BENCH_CPU_PROFILE the fleet is profiled too (fleet.cpuprofile beside the workers' profiles). */
  static start(compiledDir: string, profileDir: string | null = null): Fleet {
    const profile = profileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=fleet.cpuprofile']
      : [];
    return new Fleet(
      fork(join(compiledDir, 'bench/fake-fleet.js'), [], { serialization: 'advanced', execArgv: profile }),
    );
  }

  ask<T>(request: FleetCommand): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  async stop(): Promise<void> {
    await this.ask({ op: 'stop' });
    await stopChild(this.child);
  }
}

/** A worker-only server process from the build, as production runs one. */
class Worker {
  readonly process: ChildProcess;
  constructor(env: Record<string, string>, profileDir: string | null = null) {
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    this.process = spawn(process.execPath, [...profile, join(ROOT, 'dist/src/main.js')], {
      env: { ...process.env, ...env, PROCESS_ROLE: 'worker' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  cpuSeconds(): number {
    return cpuSeconds(this.process.pid);
  }

  syscalls(): number {
    return syscalls(this.process.pid);
  }

  stop(): Promise<void> {
    return stopChild(this.process);
  }
}

interface Phase {
  workers: number;
  /** How late each fake cluster answered each request. */
  latencyMs: number;
  deployS: number;
  status: number;
  requestsPerCluster: number;
  /** Connections the clusters accepted: requests that found no open connection to reuse. */
  connectionsPerCluster: number;
  cpuPerClusterMs: number;
  /** Of which the worker processes' (the rest is this process: the API and its status polls). */
  workerCpuPerClusterMs: number;
  /** The worker processes' read and write system calls (their sockets to clusters, PostgreSQL, Redis). */
  workerSyscallsPerCluster: number;
  /** Beside the product: the fake fleet's process, the PostgreSQL backends of the bench's database, Redis. */
  fleetCpuPerClusterMs: number;
  postgresCpuPerClusterMs: number;
  redisCpuPerClusterMs: number;
}

interface SizeResult {
  n: number;
  registerS: number;
  phases: Phase[];
  /** The same with every cluster EDGE_LATENCY_MS late (at OUTAGE_N only). */
  edgePhases: Phase[];
  /** Seconds from the return of OUTAGE_CLUSTERS clusters until status 5 (at OUTAGE_N only). */
  outageS: number | null;
}

async function waitForWorkers(t: TestApp, count: number): Promise<void> {
  const queue = t.app.get(JobQueueService).queue(QueueName.Deploy);
  await eventually(
    () => queue.getWorkersCount(),
    (workers) => workers >= count,
    { timeoutMs: 60_000, what: `${count} deploy workers` },
  );
}

async function deployAll(t: TestApp, token: string, deployName: string): Promise<number> {
  await t
    .api()
    .post('/v1/deploy')
    .set(auth(token))
    .send({
      deployName,
      appName: APP.appName,
      version: APP.version,
      cluster: 'all',
      nodeLabel: 'all',
      comment: '',
    })
    .expect(200);
  return (await deploymentByName(t, token, deployName)).id;
}

/**
 * Deletes a deployment from every cluster and waits until that is done: each measured fan-out then meets
 * the same fleet, one workload per cluster (a fake cluster's controllers take longer with every workload
 * it runs, so a run after more deployments than another would be slower for the fleet's sake).
 */
async function removeEverywhere(t: TestApp, token: string, id: number): Promise<void> {
  await t.api().delete(`/v1/deploy/id/${id}`).set(auth(token)).expect(200);
  await settled(t, token, id, [DeployStatus.Deleted]);
  await t.waitForQuietQueues({ timeoutMs: QUIET_TIMEOUT_MS });
}

/**
 * Deploys and removes `name` everywhere WARMUPS times. A worker started just now takes about half the
 * jobs of each fan-out with two workers; after these rounds it has met almost every cluster (the measured
 * run's new connections per cluster show how many it had not), and the JIT has compiled the hot path of
 * every worker. Both measured runs get as many rounds.
 */
async function warmUp(t: TestApp, token: string, name: string): Promise<void> {
  for (let round = 1; round <= WARMUPS; round++) {
    const id = await deployAll(t, token, `${name}-${round}`);
    await settled(t, token, id, [5]);
    await removeEverywhere(t, token, id);
  }
}

/**
 * Waits until the deployment's status is one of `statuses`, read from its row every STATUS_POLL_MS, then
 * reads it once through the API, which must agree. Watching costs the machine next to nothing: the API's
 * view of a deployment over N clusters aggregates its N placements (about 10 ms of PostgreSQL and as much
 * of Node at N = 1000), and polled through the API every 100 ms it took a tenth of the CPU of the fan-out
 * it was timing.
 */
async function settled(t: TestApp, token: string, id: number, statuses: number[]) {
  const database = t.app.get(DataSource);
  await eventually(
    async () =>
      (
        (await database.query('SELECT status FROM deployments WHERE id = $1', [id])) as { status: number }[]
      )[0]?.status,
    (status) => status !== undefined && statuses.includes(status),
    { timeoutMs: DEPLOY_WAIT_MS, intervalMs: STATUS_POLL_MS, what: `deployment ${id} in ${statuses}` },
  );
  const row = await deployment(t, token, id);
  if (!statuses.includes(row.status))
    throw new Error(`deployment ${id}: the API says ${row.status}, its row did not`);
  return row;
}

async function runSize(n: number, compiledDir: string): Promise<SizeResult> {
  const t = await startTestApp(BENCH_ENV);
  const profileDir = PROFILE_DIR && join(PROFILE_DIR, `N-${n}`);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const fleet = Fleet.start(compiledDir, profileDir);
  let workers: Worker[] = [];
  const workerCpu = () => workers.reduce((sum, worker) => sum + worker.cpuSeconds(), 0);
  const workerSyscalls = () => workers.reduce((sum, worker) => sum + worker.syscalls(), 0);
  const database = new URL(t.env.DATABASE_URL).pathname.slice(1);
  const productCpu = () => {
    const own = process.cpuUsage();
    return {
      all: (own.user + own.system) / 1e6 + workerCpu(),
      workers: workerCpu(),
      workerSyscalls: workerSyscalls(),
      fleet: cpuSeconds(fleet.child.pid),
      postgres: postgresCpuSeconds(database),
    };
  };
  const redis = new IORedis(TEST_REDIS_URL);
  const fleetTotal = async (op: 'requests' | 'connections') =>
    (await fleet.ask<number[]>({ op })).reduce((a, b) => a + b, 0);
  try {
    const business = await approvedBusiness(t);
    const token = business.admin.token;
    const clusters = await fleet.ask<FleetCluster[]>({ op: 'start', n });
    workers.push(new Worker(t.env, profileDir));
    await waitForWorkers(t, 1);

    let mark = performance.now();
    const admin = await loginAdmin(t);
    await forEachLimited(clusters, REGISTER_CONCURRENCY, (cluster) =>
      registerCluster(t, admin, cluster.name, cluster),
    );
    const registerS = seconds(mark);
    await t.waitForQuietQueues({ timeoutMs: QUIET_TIMEOUT_MS });
    await createApp(t, token, APP);
    await t.waitForQuietQueues({ timeoutMs: QUIET_TIMEOUT_MS });

    /** One timed deployment to every cluster with the workers running now. */
    const measure = async (latencyMs: number): Promise<Phase> => {
      const [requestsBefore, connectionsBefore, redisBefore, cpuBefore] = [
        await fleetTotal('requests'),
        await fleetTotal('connections'),
        await redisCpuSeconds(redis),
        productCpu(),
      ];
      mark = performance.now();
      const id = await deployAll(t, token, `fanout-${workers.length}w-${latencyMs}ms`);
      const row = await settled(t, token, id, [5, 6, 7, 8]);
      const deployS = seconds(mark);
      const [cpuAfter, redisAfter] = [productCpu(), await redisCpuSeconds(redis)];
      const phase = {
        workers: workers.length,
        latencyMs,
        deployS,
        status: row.status,
        requestsPerCluster: ((await fleetTotal('requests')) - requestsBefore) / n,
        connectionsPerCluster: ((await fleetTotal('connections')) - connectionsBefore) / n,
        cpuPerClusterMs: ((cpuAfter.all - cpuBefore.all) * 1000) / n,
        workerCpuPerClusterMs: ((cpuAfter.workers - cpuBefore.workers) * 1000) / n,
        workerSyscallsPerCluster: (cpuAfter.workerSyscalls - cpuBefore.workerSyscalls) / n,
        fleetCpuPerClusterMs: ((cpuAfter.fleet - cpuBefore.fleet) * 1000) / n,
        postgresCpuPerClusterMs: (postgresCpuBetween(cpuBefore.postgres, cpuAfter.postgres) * 1000) / n,
        redisCpuPerClusterMs: ((redisAfter - redisBefore) * 1000) / n,
      };
      await removeEverywhere(t, token, id);
      return phase;
    };

    const phases: Phase[] = [];
    for (const count of [1, 2]) {
      while (workers.length < count) workers.push(new Worker(t.env, profileDir));
      await waitForWorkers(t, count);
      // A worker replica runs for days: each measured one has done fan-outs already (its code compiled by
      // the JIT, its connections and its clients for every cluster made), as the first worker had done the
      // registration's syncs, and a second one started just now had not (see warmUp).
      await warmUp(t, token, `fanout-warm-${count}w`);
      phases.push(await measure(0));
    }

    // Both workers are warm now: two of them first, then one, each cluster a round trip away.
    const edgePhases: Phase[] = [];
    if (n === OUTAGE_N && EDGE_LATENCY_MS > 0) {
      await fleet.ask({ op: 'latency', ms: EDGE_LATENCY_MS });
      edgePhases.push(await measure(EDGE_LATENCY_MS));
      await workers.pop()!.stop();
      edgePhases.unshift(await measure(EDGE_LATENCY_MS));
      await fleet.ask({ op: 'latency', ms: 0 });
    }

    let outageS: number | null = null;
    if (n === OUTAGE_N) {
      // Workers that sync every OUTAGE_SYNC_S: the sync is what notices a cluster answering again.
      await Promise.all(workers.map((worker) => worker.stop()));
      const env = { ...t.env, CLUSTER_SYNC_SECONDS: String(OUTAGE_SYNC_S) };
      workers = [new Worker(env, profileDir), new Worker(env, profileDir)];
      await waitForWorkers(t, 2);
      const down = clusters.slice(0, OUTAGE_CLUSTERS).map((cluster) => cluster.name);
      await fleet.ask({ op: 'mode', names: down, mode: 'unreachable' });
      const id = await deployAll(t, token, 'fanout-outage');
      const partial = await settled(t, token, id, [5, 6, 7, 8]);
      if (partial.status !== 6) throw new Error(`outage deployment settled as ${partial.status}, not 6`);
      mark = performance.now();
      await fleet.ask({ op: 'mode', names: down, mode: 'healthy' });
      const back = await settled(t, token, id, [5]);
      outageS = back.status === 5 ? seconds(mark) : null;
    }
    return { n, registerS, phases, edgePhases, outageS };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    redis.disconnect();
    await t.close();
    await fleet.stop();
    if (profileDir) for (const line of profileSummary(profileDir)) out(line);
  }
}

/**
 * The functions with the most self time in each worker's .cpuprofile of `dir`, as "share name (file:line)",
 * shares of the time the worker was busy (start-up included; waiting for the database or a cluster is not).
 */
function profileSummary(dir: string, count = 25): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
    };
    const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    const busy = profile.samples.filter((id) => byId.get(id)!.functionName !== '(idle)');
    const hits = new Map<string, number>();
    for (const id of busy) {
      const frame = byId.get(id)!;
      const where = frame.url
        ? ` (${frame.url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}/`, '')}:${frame.lineNumber + 1})`
        : '';
      const label = `${frame.functionName || '(anonymous)'}${where}`;
      hits.set(label, (hits.get(label) ?? 0) + 1);
    }
    lines.push(`profile ${join(dir, file)}: ${busy.length} busy samples`);
    for (const [label, hitCount] of [...hits.entries()].sort((x, y) => y[1] - x[1]).slice(0, count))
      lines.push(`  ${((100 * hitCount) / busy.length).toFixed(1).padStart(5)} %  ${label}`);
  }
  return lines;
}

/** Runs every size in order, prints the figures, and returns a description of each failure. */
export async function runDeployFanout(sizes = benchSizes()): Promise<string[]> {
  const began = performance.now();
  const compiledDir = mkdtempSync(join(tmpdir(), 'fleet-'));
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
    },
  );
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      ...[
        '--ignoreConfig',
        '--outDir',
        compiledDir,
        '--module',
        'commonjs',
        '--target',
        'es2022',
        '--skipLibCheck',
      ],
      ...['--types', 'node', '--rootDir', ROOT, join(ROOT, 'bench/fake-fleet.ts')],
    ],
    { cwd: ROOT },
  );
  out();
  out('deploy fan-out benchmark');
  out(`  sizes: ${sizes.join(', ')}; each on a fresh database; fake fleet in its own process`);
  out(`  product: this process serves the API; 1, then 2 worker processes from dist/ do the work`);
  out(
    `  env: ${Object.entries(BENCH_ENV)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
  );
  out(`  app: Deployment, replicas 1, no HPA; deployed by the business admin (auto-approved), cluster=all`);
  out(
    `  time: POST /v1/deploy until the deployment's row reads status 5 (polled every ${STATUS_POLL_MS} ms), confirmed by GET /v1/deploy/id/{id}`,
  );
  out();

  const results: SizeResult[] = [];
  const failures: string[] = [];
  for (const n of sizes) {
    out(`N=${n}: starting`);
    try {
      const result = await runSize(n, compiledDir);
      results.push(result);
      for (const phase of [...result.phases, ...result.edgePhases]) {
        const label = `N=${n} ${phase.workers} worker(s)${phase.latencyMs ? `, clusters ${phase.latencyMs} ms away` : ''}`;
        if (phase.status !== 5) failures.push(`${label}: status ${phase.status}`);
        out(
          `${label}: ${fmt(phase.deployS)} s to status ${phase.status} | ` +
            `${fmt(phase.requestsPerCluster, 1)} kube requests/cluster ` +
            `(${fmt(phase.connectionsPerCluster, 2)} new connections/cluster) | ` +
            `${fmt(phase.cpuPerClusterMs, 2)} ms product CPU/cluster ` +
            `(workers ${fmt(phase.workerCpuPerClusterMs, 2)} ms, API ${fmt(phase.cpuPerClusterMs - phase.workerCpuPerClusterMs, 2)} ms; ` +
            `workers' system calls ${fmt(phase.workerSyscallsPerCluster, 1)}/cluster) | ` +
            `beside it: fake fleet ${fmt(phase.fleetCpuPerClusterMs, 2)} ms, PostgreSQL ${fmt(phase.postgresCpuPerClusterMs, 2)} ms, ` +
            `Redis ${fmt(phase.redisCpuPerClusterMs, 2)} ms | ` +
            `load average ${loadavg()[0].toFixed(1)}`,
        );
      }
      if (result.outageS !== null)
        out(`N=${n}: ${OUTAGE_CLUSTERS} clusters back from an outage → status 5 in ${fmt(result.outageS)} s`);
    } catch (error) {
      failures.push(`N=${n}: ${(error as Error).message}`);
      out(`N=${n}: ERROR ${(error as Error).stack ?? error}`);
    }
  }

  out();
  out(
    '     N  register_s  t_1w_s  t_2w_s  t2w/t1w  req/cluster  cpu_ms/cluster(1w)  worker_cpu_ms/cluster(1w)' +
      '  fleet_cpu_ms/cluster(1w)  pg_cpu_ms/cluster(1w)',
  );
  for (const r of results) {
    const [one, two] = r.phases;
    out(
      `${String(r.n).padStart(6)}  ${fmt(r.registerS).padStart(10)}  ${fmt(one.deployS).padStart(6)}  ` +
        `${fmt(two.deployS).padStart(6)}  ${fmt(two.deployS / one.deployS).padStart(7)}  ` +
        `${fmt(one.requestsPerCluster, 1).padStart(11)}  ${fmt(one.cpuPerClusterMs).padStart(18)}  ` +
        `${fmt(one.workerCpuPerClusterMs).padStart(25)}  ${fmt(one.fleetCpuPerClusterMs).padStart(24)}  ` +
        `${fmt(one.postgresCpuPerClusterMs).padStart(21)}`,
    );
  }
  for (let i = 1; i < results.length; i++) {
    const [small, big] = [results[i - 1], results[i]];
    out(
      `ratio t${big.n}/t${small.n}: 1 worker ${fmt(big.phases[0].deployS / small.phases[0].deployS)}, ` +
        `2 workers ${fmt(big.phases[1].deployS / small.phases[1].deployS)} (N ratio ${fmt(big.n / small.n, 1)})`,
    );
  }
  for (const {
    n,
    edgePhases: [one, two],
  } of results.filter((r) => r.edgePhases.length))
    out(
      `clusters ${one.latencyMs} ms away, N=${n}: 1 worker ${fmt(one.deployS)} s, 2 workers ${fmt(two.deployS)} s ` +
        `(t2w/t1w ${fmt(two.deployS / one.deployS)})`,
    );
  const outage = results.find((r) => r.outageS !== null);
  if (outage)
    out(
      `outage: ${OUTAGE_CLUSTERS} of ${outage.n} back → 5 in ${fmt(outage.outageS)} s ` +
        `(target ≤ 2 × ${OUTAGE_SYNC_S} s + 10 s = ${2 * OUTAGE_SYNC_S + 10} s)`,
    );
  out(`wall time: ${fmt(seconds(began), 1)} s`);
  out(failures.length ? `FAILED: ${failures.join('; ')}` : 'all deployments reached status 5');
  out();
  return failures;
}
