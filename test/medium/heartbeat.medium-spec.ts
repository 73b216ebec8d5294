import { DeployStatus } from '../../src/deploy/deployment-status';
import { PlacementStatus } from '../../src/deploy/placement-status';
import { heartbeatPeriodMs, PlatformHeartbeat } from '../../src/deploy/platform-heartbeat.service';
import { MadeCluster } from './factories';
import { ServiceContext, startServiceContext } from './service-context';

const HOUR_MS = 3_600_000;
const TIMEOUT_SECONDS = 5;

/**
 * SPEC §7: time the platform was down does not count against a rollout. The rule of PlatformHeartbeat
 * on a real database: a beat after a gap of more than two periods moves the rollout deadlines that had
 * not passed when the platform was last seen, by the gap, once per outage whatever the replicas.
 */
describe('the platform heartbeat (service)', () => {
  let s: ServiceContext;
  let heartbeat: PlatformHeartbeat;
  let deploymentId: number;
  let clusters: MadeCluster[];
  const period = heartbeatPeriodMs({ deployTimeoutSeconds: TIMEOUT_SECONDS });

  const deadlines = async (): Promise<(number | null)[]> =>
    (
      await s.db.query(
        `SELECT rollout_deadline_at FROM placements WHERE deployment_id = $1 ORDER BY cluster_name`,
        [deploymentId],
      )
    ).map((row: { rollout_deadline_at: Date | null }) => row.rollout_deadline_at?.getTime() ?? null);
  const lastBeatAgo = (ms: number) =>
    s.db.query(`UPDATE platform_heartbeat SET beat_at = now() - $1 * interval '1 millisecond'`, [ms]);
  const setDeadline = (cluster: MadeCluster, at: number | null) =>
    s.db.query(
      `UPDATE placements SET rollout_deadline_at = $3 WHERE deployment_id = $1 AND cluster_id = $2`,
      [deploymentId, cluster.id, at === null ? null : new Date(at)],
    );

  beforeAll(async () => {
    s = await startServiceContext({ DEPLOY_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) });
    heartbeat = s.get(PlatformHeartbeat);
    const business = await s.make.newBusiness();
    const app = await s.make.newApp(business, { appName: 'web', version: '1.0' });
    clusters = [];
    for (const name of ['edge-a', 'edge-b', 'edge-c']) clusters.push(await s.make.newCluster({ name }));
    ({ id: deploymentId } = await s.make.newDeployment(business, app, {
      status: DeployStatus.Deploying,
      placements: clusters.map((cluster) => ({ cluster, status: PlacementStatus.Applied, running: 0 })),
    }));
  });
  afterAll(() => s?.close());

  it('is a fifth of the rollout timeout, between 250 ms and 10 s', () => {
    expect(period).toBe(1000);
    expect(heartbeatPeriodMs({ deployTimeoutSeconds: 600 })).toBe(10_000);
    expect(heartbeatPeriodMs({ deployTimeoutSeconds: 1 })).toBe(250);
  });

  it('after an outage: deadlines not yet passed when the platform was last seen move by the gap, once for every replica', async () => {
    const now = Date.now();
    await lastBeatAgo(HOUR_MS);
    await setDeadline(clusters[0], now - HOUR_MS + 60_000); // fell in the outage
    await setDeadline(clusters[1], now - 2 * HOUR_MS); // had passed before it
    await setDeadline(clusters[2], null); // the cluster has not answered yet

    // Two replicas start together: the row lock lets one of them credit the outage.
    const credited = await Promise.all([heartbeat.beat(), heartbeat.beat()]);
    const gap = Math.max(...credited);
    expect(credited.filter((ms) => ms > 0)).toHaveLength(1);
    expect(gap).toBeGreaterThanOrEqual(HOUR_MS);
    expect(gap).toBeLessThan(HOUR_MS + 10_000);

    const [a, b, c] = await deadlines();
    expect(a! - (now - HOUR_MS + 60_000)).toBeCloseTo(gap, -1);
    expect(a).toBeGreaterThan(Date.now());
    expect(b).toBe(now - 2 * HOUR_MS);
    expect(c).toBeNull();

    // The platform is up again: the next beat credits nothing.
    expect(await heartbeat.beat()).toBe(0);
    expect((await deadlines())[0]).toBe(a);
  });

  it('a gap of up to two periods is not an outage', async () => {
    const before = await deadlines();
    await lastBeatAgo(1.5 * period);
    expect(await heartbeat.beat()).toBe(0);
    expect(await deadlines()).toEqual(before);
  });
});
