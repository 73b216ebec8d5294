/**
 * Deployment fan-out benchmark: for each N (10, 100, 1000 by default; `BENCH_SIZES=10,100` overrides),
 * starts the real application on a fresh database, registers N in-process fake clusters through
 * `POST /v1/cluster`, waits for the namespace jobs, then deploys one application to `cluster: all` as the
 * business administrator (auto-approved) and measures the seconds from `POST /v1/deploy` until the
 * deployment reads status 5. Prints figures, not assertions; returns the sizes whose deployment did not
 * reach 5 so that the runner exits non-zero.
 *
 * Run: `npm run bench:deploy-fanout` (jest is only the runner: swc, ESM packages, template database).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { forEachLimited } from '../src/common/concurrency';
import { FakeCluster, startFakeCluster } from '../test/fake-kube';
import { createApp, deploymentByName } from '../test/support/deploys';
import { approvedBusiness, auth, loginAdmin } from '../test/support/factories';
import { startTestApp, TestApp } from '../test/support/test-app';

/** Periodic node syncs would add load in the middle of a measurement: one per hour is never. */
export const BENCH_ENV = {
  DEPLOY_POLL_MILLISECONDS: '200',
  CLUSTER_SYNC_SECONDS: '3600',
  DEPLOY_TIMEOUT_SECONDS: '900',
};
const DEFAULT_SIZES = [10, 100, 1000];
const REGISTER_CONCURRENCY = 20;
/** BENCH_STATUS_POLL_MS overrides, to see how much the status polling itself costs (one process, one CPU). */
const STATUS_POLL_MS = Number(process.env.BENCH_STATUS_POLL_MS ?? 100);
const QUIET_TIMEOUT_MS = 30 * 60 * 1000;
/** The product gives up at DEPLOY_TIMEOUT_SECONDS; the benchmark waits a little longer for its verdict. */
const DEPLOY_WAIT_MS = (Number(BENCH_ENV.DEPLOY_TIMEOUT_SECONDS) + 120) * 1000;
/** Status reads that keep failing this long end the size (the app is broken, or its database is gone). */
const FAILING_READS_MS = 30_000;
const FINAL_STATUSES = [2, 5, 6, 7, 8, 9];
const APP = {
  appName: 'fanout',
  version: '1.0',
  isHPA: false,
  replicas: 1,
  minReplicas: 1,
  maxReplicas: 1,
  volume: [],
};

interface SizeResult {
  n: number;
  startClustersS: number;
  registerS: number;
  namespaceJobsS: number;
  /** POST /v1/deploy until the first read of status 4 or later (every cluster applied). */
  appliedS: number | null;
  /** Mean latency of one GET /v1/deploy/id/{id} status poll while deploying. */
  pollMs: number;
  /** Status polls that did not answer 200 (a product fault; polling goes on). */
  pollErrors: string[];
  deployS: number;
  status: number;
  errorMessage: string;
  runningClusters: number;
  /** Pod list requests per cluster during the deployment: the number of watch rounds (min..max). */
  watchRounds: [number, number];
  kubeRequests: number;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (value: number | null, digits = 2) => (value === null ? '-' : value.toFixed(digits));

export function benchSizes(env = process.env.BENCH_SIZES): number[] {
  if (!env) return DEFAULT_SIZES;
  const sizes = env.split(',').map((part) => Number(part.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`BENCH_SIZES=${env}: want positive integers`);
  return sizes;
}

async function registerAll(t: TestApp, clusters: FakeCluster[]): Promise<void> {
  const admin = await loginAdmin(t);
  await forEachLimited(clusters, REGISTER_CONCURRENCY, async (cluster) => {
    await t
      .api()
      .post('/v1/cluster')
      .set(auth(admin))
      .send({ clusterName: cluster.name, kubeconfig: cluster.kubeconfig })
      .expect(200);
  });
}

/**
 * With BENCH_CPU_PROFILE=<dir>, the registration and the deployment of each size are CPU-profiled into
 * <dir>/<phase>-<N>.cpuprofile (open in Chrome DevTools). Everything runs in this one process: the API,
 * the workers and the fake clusters, so the profile shows all of it.
 */
async function profiled<T>(phase: string, n: number, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${phase}-${n}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

interface DeploymentRow {
  status: number;
  errorMessage: string;
  clusters: { status: string }[];
}

/** POST /v1/deploy, then GET /v1/deploy/id/{id} every STATUS_POLL_MS until a final status. */
async function deployToAll(t: TestApp, token: string, deployName: string) {
  const mark = performance.now();
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
      comment: 'bench',
    })
    .expect(200);
  const { id } = await deploymentByName(t, token, deployName);
  let appliedS: number | null = null;
  let row: DeploymentRow | undefined;
  const pollMs: number[] = [];
  const pollErrors: string[] = [];
  let failingSince: number | null = null;
  for (;;) {
    const asked = performance.now();
    const response = await t.api().get(`/v1/deploy/id/${id}`).set(auth(token));
    pollMs.push(performance.now() - asked);
    if (response.status !== 200) {
      // A failed status read is the product's fault, not the deployment's: count it and read again.
      pollErrors.push(`${response.status} ${JSON.stringify(response.body)}`);
      failingSince ??= performance.now();
      if (performance.now() - failingSince > FAILING_READS_MS) {
        throw new Error(`status reads failed for ${FAILING_READS_MS / 1000} s: ${pollErrors.at(-1)}`);
      }
      await sleep(STATUS_POLL_MS);
      continue;
    }
    failingSince = null;
    const current: DeploymentRow = response.body.data;
    row = current;
    if (appliedS === null && current.status >= 4) appliedS = seconds(mark);
    if (FINAL_STATUSES.includes(current.status)) break;
    if (performance.now() - mark > DEPLOY_WAIT_MS) break;
    await sleep(STATUS_POLL_MS);
  }
  if (!row) throw new Error(`deployment ${deployName} was never read: ${pollErrors.at(-1)}`);
  const meanPollMs = pollMs.reduce((sum, ms) => sum + ms, 0) / pollMs.length;
  return { appliedS, deployS: seconds(mark), row, pollMs: meanPollMs, pollErrors };
}

async function runSize(n: number): Promise<SizeResult> {
  const t = await startTestApp(BENCH_ENV);
  // Tests start the app with logging off; the benchmark shows the product's errors and warnings.
  Logger.overrideLogger(new ConsoleLogger({ logLevels: ['error', 'warn'] }));
  let clusters: FakeCluster[] = [];
  try {
    const business = await approvedBusiness(t);
    const token = business.admin.token;

    let mark = performance.now();
    const width = String(n - 1).length;
    clusters = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        startFakeCluster({ name: `edge-${String(i).padStart(width, '0')}`, nodes: 1 }),
      ),
    );
    const startClustersS = seconds(mark);

    mark = performance.now();
    await profiled('register', n, () => registerAll(t, clusters));
    const registerS = seconds(mark);

    mark = performance.now();
    await t.waitForQuietQueues(QUIET_TIMEOUT_MS);
    const namespaceJobsS = seconds(mark);

    await createApp(t, token, APP);
    await t.waitForQuietQueues(QUIET_TIMEOUT_MS);
    const logBefore = clusters.map((cluster) => cluster.requestLog.length);

    const { appliedS, deployS, row, pollMs, pollErrors } = await profiled('deploy', n, () =>
      deployToAll(t, token, `fanout-${n}`),
    );

    const rounds = clusters.map(
      (cluster, i) =>
        cluster.requestLog
          .slice(logBefore[i])
          .filter((entry) => entry.method === 'GET' && /\/pods\?/.test(entry.path)).length,
    );
    const kubeRequests = clusters.reduce(
      (sum, cluster, i) => sum + cluster.requestLog.length - logBefore[i],
      0,
    );
    return {
      n,
      startClustersS,
      registerS,
      namespaceJobsS,
      appliedS,
      pollMs,
      pollErrors,
      deployS,
      status: row.status,
      errorMessage: row.errorMessage,
      runningClusters: row.clusters.filter((cluster) => cluster.status === 'running').length,
      watchRounds: [Math.min(...rounds), Math.max(...rounds)],
      kubeRequests,
    };
  } finally {
    await t.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  }
}

/** Runs every size in order, prints the figures, and returns a description of each failed size. */
export async function runDeployFanout(sizes = benchSizes()): Promise<string[]> {
  const began = performance.now();
  out();
  out('deploy fan-out benchmark');
  out(`  sizes: ${sizes.join(', ')} (each on its own app instance and fresh database, all in one process)`);
  out(
    `  env: ${Object.entries(BENCH_ENV)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
  );
  out(
    `  clusters: fake-kube, 1 node each, registered ${REGISTER_CONCURRENCY} at a time via POST /v1/cluster`,
  );
  out(
    `  app: Deployment, replicas 1, isHPA false; deployed by the business admin (auto-approved), cluster=all`,
  );
  out(
    `  deploy time: POST /v1/deploy until GET /v1/deploy/id/{id} reads status 5 (polled every ${STATUS_POLL_MS} ms)`,
  );
  out();

  const results: SizeResult[] = [];
  const failures: string[] = [];
  for (const n of sizes) {
    out(`N=${n}: starting`);
    let result: SizeResult;
    try {
      result = await runSize(n);
    } catch (error) {
      failures.push(`N=${n}: ${(error as Error).message}`);
      out(`N=${n}: ERROR ${(error as Error).stack ?? error}`);
      continue;
    }
    results.push(result);
    if (result.status !== 5) failures.push(`N=${n}: status ${result.status} ${result.errorMessage}`);
    out(
      `N=${n}: fake clusters ${fmt(result.startClustersS)} s | register ${fmt(result.registerS)} s ` +
        `(${fmt((result.registerS * 1000) / n, 1)} ms/cluster) | namespace jobs ${fmt(result.namespaceJobsS)} s | ` +
        `deploy ${fmt(result.deployS)} s to status ${result.status} (status ≥4 first read after ${fmt(result.appliedS)} s, ` +
        `status poll ${fmt(result.pollMs, 0)} ms) | ` +
        `${result.runningClusters}/${n} clusters running ${result.errorMessage} | ` +
        `watch rounds ${result.watchRounds[0]}..${result.watchRounds[1]}, ${result.kubeRequests} kube requests`,
    );
    if (result.pollErrors.length > 0) {
      out(
        `N=${n}: WARNING ${result.pollErrors.length} of the status reads failed (product fault), ` +
          `first: ${result.pollErrors[0]}`,
      );
    }
  }

  out();
  out('     N   register_s  ms/cluster  ns_jobs_s  to_status4_s  deploy_s  status');
  for (const r of results) {
    out(
      `${String(r.n).padStart(6)}  ${fmt(r.registerS).padStart(10)}  ${fmt((r.registerS * 1000) / r.n, 1).padStart(10)}  ` +
        `${fmt(r.namespaceJobsS).padStart(9)}  ${fmt(r.appliedS).padStart(12)}  ${fmt(r.deployS).padStart(8)}  ${String(r.status).padStart(6)}`,
    );
  }
  out();
  for (let i = 1; i < results.length; i++) {
    const [small, big] = [results[i - 1], results[i]];
    out(
      `ratio t${big.n}/t${small.n}: deploy ${fmt(big.deployS / small.deployS)}, ` +
        `register ${fmt(big.registerS / small.registerS)} (linear scaling would be ${fmt(big.n / small.n, 1)})`,
    );
  }
  out(`wall time: ${fmt(seconds(began), 1)} s`);
  out(failures.length ? `FAILED: ${failures.join('; ')}` : 'all deployments reached status 5');
  out();
  return failures;
}
