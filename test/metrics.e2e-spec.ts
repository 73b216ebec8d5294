import { FakeCluster } from './fake-kube';
import { JobQueueService } from '../src/queue/job-queue.service';
import { JobName } from '../src/queue/jobs';
import { auditBusiness, closedPort, clusterIdOf, pendingBusinessId } from './support/clusters';
import { createApp, deployBody, deployRunning, startWithClusters } from './support/deploys';
import { eventually } from './support/eventually';
import { approvedBusiness, auth, loginAdmin, subUser, TestBusiness } from './support/factories';
import { TestApp } from './support/test-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

describe('GET /metrics', () => {
  let t: TestApp;
  let clusters: FakeCluster[];
  let business: TestBusiness;
  let adminToken: string;

  beforeAll(async () => {
    ({ t, clusters } = await startWithClusters(['metrics-a', 'metrics-b']));
    business = await approvedBusiness(t);
    adminToken = await loginAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  });

  const scrape = async (): Promise<Sample[]> => {
    const response = await t.api().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(response.text);
  };
  const find = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );

  describe('access', () => {
    it('answers a system administrator, and anyone without a token from an allowed address', async () => {
      await t.api().get('/metrics').set(auth(adminToken)).expect(200);
      await t.api().get('/metrics').expect(200);
    });

    it('refuses other roles with 403 and a bad token with 401, even from an allowed address', async () => {
      await t.api().get('/metrics').set(auth(business.admin.token)).expect(403);
      const member = await subUser(t, business);
      await t.api().get('/metrics').set(auth(member.token)).expect(403);
      await t.api().get('/metrics').set(auth('not-a-token')).expect(401);
    });
  });

  it('times requests by route template and status, never by raw path', async () => {
    await t.api().get(`/v1/business/id/${business.id}`).set(auth(business.admin.token)).expect(200);
    await t.api().get('/v1/business/id/999999').set(auth(business.admin.token)).expect(404);
    await t.api().get('/v1/no-such-route-4711').expect(404);
    const samples = await scrape();
    const route = '/v1/business/id/:id';
    const ok = find(samples, 'http_request_duration_seconds_count', { method: 'GET', route, status: '200' });
    expect(ok).toHaveLength(1);
    expect(ok[0].value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'http_request_duration_seconds_count', { route, status: '404' })).toHaveLength(1);
    expect(
      find(samples, 'http_request_duration_seconds_bucket', { method: 'GET', route, le: '+Inf' }),
    ).toHaveLength(2);
    expect(
      find(samples, 'http_request_duration_seconds_count', { route: 'unmatched', status: '404' })[0].value,
    ).toBeGreaterThanOrEqual(1);
    const routes = new Set(
      samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route),
    );
    for (const seen of routes) expect(seen).not.toMatch(/999999|4711|\/\d+/);
  });

  it('reports queue depth, job outcomes, cluster readiness and deployments by status', async () => {
    await createApp(t, business.admin.token, { appName: 'metered', isHPA: false });
    await deployRunning(t, business.admin.token, deployBody('metered1', 'metered'));
    await t.waitForQuietQueues();

    const samples = await scrape();
    for (const queue of ['cluster', 'deploy', 'package']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(find(samples, 'ote_queue_jobs', { queue, state })).toHaveLength(1);
      }
    }
    for (const job of ['placement.apply', 'package.verify', 'namespace.ensure']) {
      const [completed] = find(samples, 'ote_jobs_total', { job, outcome: 'completed' });
      expect(completed?.value).toBeGreaterThanOrEqual(1);
    }
    expect(find(samples, 'ote_cluster_ready', {}).map((s) => [s.labels.cluster, s.value])).toEqual([
      ['metrics-a', 1],
      ['metrics-b', 1],
    ]);
    expect(find(samples, 'ote_deployments', { status: 'success' })[0].value).toBe(1);
    expect(find(samples, 'ote_deployments', { status: 'pending' })[0].value).toBe(0);
    expect(find(samples, 'ote_deployments', {})).toHaveLength(10);
    expect(find(samples, 'process_cpu_user_seconds_total', {})).toHaveLength(1);
  });

  it('counts a job that failed for good apart from one that will be retried', async () => {
    // A cluster sync has one attempt; an id that is no UUID fails it in the database.
    await t.app.get(JobQueueService).enqueue(JobName.ClusterSync, { clusterId: 'not-a-uuid' });
    const [failed] = await eventually(
      async () => find(await scrape(), 'ote_jobs_total', { job: 'cluster.sync', outcome: 'failed' }),
      (found) => found.length === 1,
      { what: 'a failed cluster sync' },
    );
    expect(failed.value).toBe(1);
    expect(find(await scrape(), 'ote_jobs_total', { job: 'cluster.sync', outcome: 'retried' })).toEqual([]);
  });

  it('counts a failed attempt that will be retried, and shows an unreachable cluster as not ready', async () => {
    await clusters[1].setMode('unreachable');
    await auditBusiness(t, await pendingBusinessId(t), 1);
    await eventually(
      async () => find(await scrape(), 'ote_jobs_total', { job: 'namespace.ensure', outcome: 'retried' }),
      (found) => found.length === 1 && found[0].value >= 1,
      { what: 'a retried namespace job' },
    );
    await t.app
      .get(JobQueueService)
      .enqueue(JobName.ClusterSync, { clusterId: await clusterIdOf(t, adminToken, 'metrics-b') });
    await eventually(
      async () => find(await scrape(), 'ote_cluster_ready', { cluster: 'metrics-b' })[0]?.value,
      (ready) => ready === 0,
      { what: 'metrics-b not ready' },
    );
  });

  it('still answers, without the queue figures, while Redis does not', async () => {
    await t.restart({ PROCESS_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const samples = await scrape();
      expect(find(samples, 'ote_queue_jobs', {})).toEqual([]);
      expect(find(samples, 'ote_deployments', { status: 'success' })[0].value).toBe(1);
    } finally {
      await t.restart();
    }
  });

  // Last: a restart starts the figures afresh.
  it('refuses a request without a token from an address outside METRICS_ALLOW', async () => {
    // Behind a trusted proxy X-Forwarded-For names the client for throttling, never for METRICS_ALLOW.
    await t.restart({ METRICS_ALLOW: '10.0.0.0/8,fd00::/8', TRUST_PROXY: '1' });
    try {
      const refused = await t.api().get('/metrics').expect(401);
      expect(refused.body).toEqual({ code: 401, message: 'invalid or missing token' });
      await t.api().get('/metrics').set('X-Forwarded-For', '10.1.2.3').expect(401);
      await t
        .api()
        .get('/metrics')
        .set(auth(await loginAdmin(t)))
        .expect(200);
    } finally {
      await t.restart();
    }
  });
});
