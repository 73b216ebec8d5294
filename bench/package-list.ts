/**
 * Package list benchmark (seed 004): one business with 100,000 packages (seeded by SQL, 1,000
 * applications of 100 versions each, a tenth of them incomplete), then sequential requests to
 * `GET /accounts/{id}/core/v1/packages` over real HTTP on a listening port, each scenario timed
 * `BENCH_REQUESTS` times (default 200) after a warm-up. Prints p50/p95/max per scenario; returns the
 * scenarios whose p50 is above the 20 ms budget for a page of 100 with `include`.
 *
 * Run: `npm run bench:package-list` (jest is only the runner: swc, ESM packages, template database).
 */
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { PackageService } from '../src/app/package.service';
import { Principal, Role } from '../src/common/auth/principal';
import { approvedBusiness } from '../test/support/factories';
import { startTestApp } from '../test/support/test-app';

const PACKAGES = Number(process.env.BENCH_PACKAGES ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const WARM_UP = 30;
const BUDGET_MS = 20;
const INCLUDE = 'id,packageName,packageVersion,packageType';

const out = (line = '') => process.stdout.write(`${line}\n`);

interface Scenario {
  name: string;
  /** A query on the package list, or another route's path to compare with. */
  query?: string;
  path?: string;
  /** Follow `continue` from one request to the next (a client paging through the business). */
  paging?: boolean;
  budget: boolean;
}

const SCENARIOS: Scenario[] = [
  // Any authenticated request pays the token check and the user lookup: the floor under the rest.
  { name: 'baseline: GET /v1/authorization', path: '/v1/authorization', budget: false },
  { name: 'first page, include', query: `limit=100&include=${INCLUDE}`, budget: true },
  { name: 'page after page, include', query: `limit=100&include=${INCLUDE}`, paging: true, budget: true },
  {
    name: 'orderBy packageVersion desc, include',
    query: `limit=100&include=${INCLUDE}&orderBy=packageVersion%20desc`,
    paging: true,
    budget: true,
  },
  {
    name: 'filter name and version, include',
    query: `limit=100&include=${INCLUDE}&filter=${encodeURIComponent("packageName gte 'app-500' and packageVersion gte '50.0' and packageState eq 'available'")}`,
    paging: true,
    budget: true,
  },
  { name: 'full items (no include)', query: 'limit=100', paging: true, budget: false },
];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

export async function runPackageList(): Promise<string[]> {
  const t = await startTestApp();
  try {
    const business = await approvedBusiness(t);
    const database = t.app.get(DataSource);
    let mark = performance.now();
    await database.query(
      `INSERT INTO applications (business_id, app_name, version, deploy_type, image, replicas, min_replicas,
         max_replicas, min_cpu, max_cpu, is_hpa, target_cpu_utilization, target_mem_utilization, min_memory,
         max_memory, max_unavailable, max_surge, min_ready_seconds, status, status_detail, created_by,
         create_time, update_time)
       SELECT $1, 'app-' || (i % 1000), (i / 1000) || '.' || (i % 10), 'deployment',
         'registry.example.com/team/app-' || (i % 1000) || ':' || (i / 1000), 1, 1, 1, 10, 10, false, 80, 80,
         64, 64, 1, 1, 0, CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END,
         CASE WHEN i % 10 = 0 THEN 'image tag missing in the registry' ELSE '' END, $2,
         now() - i * interval '1 second', now() - i * interval '1 second'
       FROM generate_series(0, $3 - 1) AS i`,
      [business.id, business.admin.id, PACKAGES],
    );
    await database.query('VACUUM ANALYZE applications');
    const seedS = (performance.now() - mark) / 1000;

    const server = await t.app.listen(0, '127.0.0.1');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const packages = `${origin}/accounts/${business.id}/core/v1/packages`;
    const headers = { Authorization: `Bearer ${business.admin.token}` };

    out();
    out('package list benchmark');
    out(
      `  ${PACKAGES} packages in one business (seeded by SQL in ${seedS.toFixed(1)} s); ${REQUESTS} sequential requests per scenario after ${WARM_UP} warm-up`,
    );
    out('  time: request sent to JSON body parsed, over HTTP on 127.0.0.1 (the API in this process)');
    out();
    // The same queries straight to the service: the packages code without HTTP and the token check.
    const service = t.app.get(PackageService);
    const principal: Principal = {
      userId: business.admin.id,
      userName: business.admin.user,
      role: Role.BusinessAdmin,
      isAdmin: true,
      businessId: business.id,
      tokenVersion: 0,
      sessionStartedAt: Math.floor(Date.now() / 1000),
      tokenId: 'bench',
      tokenExpiresAt: 0,
    };
    out('| scenario | HTTP p50 (ms) | HTTP p95 (ms) | HTTP max (ms) | service p50 (ms) | items/page |');
    out('| --- | --- | --- | --- | --- | --- |');
    const over: string[] = [];
    for (const scenario of SCENARIOS) {
      const times: number[] = [];
      let cursor: string | undefined;
      let items = 0;
      for (let i = 0; i < WARM_UP + REQUESTS; i++) {
        const url = scenario.path
          ? `${origin}${scenario.path}`
          : `${packages}?${scenario.query}${cursor ? `&continue=${cursor}` : ''}`;
        mark = performance.now();
        const response = await fetch(url, { headers });
        const body = (await response.json()) as { items?: unknown[]; metadata?: { continue?: string } };
        const ms = performance.now() - mark;
        if (response.status !== 200)
          throw new Error(`${scenario.name}: HTTP ${response.status} ${JSON.stringify(body)}`);
        if (i >= WARM_UP) times.push(ms);
        items = body.items?.length ?? 0;
        if (scenario.paging) cursor = body.metadata?.continue;
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 0.5);
      const serviceTimes: number[] = [];
      cursor = undefined;
      for (let i = 0; !scenario.path && i < WARM_UP + REQUESTS; i++) {
        const params = Object.fromEntries(new URLSearchParams(scenario.query));
        if (cursor) params.continue = cursor;
        mark = performance.now();
        const list = await service.list(principal, String(business.id), params);
        if (i >= WARM_UP) serviceTimes.push(performance.now() - mark);
        if (scenario.paging) cursor = list.metadata.continue;
      }
      serviceTimes.sort((a, b) => a - b);
      const serviceP50 = serviceTimes.length ? percentile(serviceTimes, 0.5).toFixed(1) : '-';
      out(
        `| ${scenario.name} | ${p50.toFixed(1)} | ${percentile(times, 0.95).toFixed(1)} | ${times[times.length - 1].toFixed(1)} | ${serviceP50} | ${scenario.path ? '-' : items} |`,
      );
      if (scenario.budget && p50 > BUDGET_MS)
        over.push(`${scenario.name}: p50 ${p50.toFixed(1)} ms > ${BUDGET_MS} ms`);
    }
    out();
    return over;
  } finally {
    await t.close();
  }
}
