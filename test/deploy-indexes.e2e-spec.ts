import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The hot queries of the deploy module each have an index (migration 1764300000000). The test
 * database is nearly empty, so the planner is told to avoid sequential scans: a query that still
 * scans the table has no usable index.
 */
const HOT_QUERIES: [string, string, unknown[]][] = [
  [
    'placements_cluster',
    'SELECT deployment_id FROM placements WHERE cluster_id = $1',
    ['00000000-0000-0000-0000-000000000000'],
  ],
  ['deployments_business', 'SELECT id FROM deployments WHERE business_id = $1 ORDER BY id LIMIT 10', [1]],
  ['deployments_app', 'SELECT id FROM deployments WHERE app_id = ANY($1)', [[1, 2]]],
  ['deployments_cluster_label', 'SELECT id FROM deployments WHERE cluster = $1', ['edge']],
  [
    'deploy_requests_business',
    'SELECT id FROM deploy_requests WHERE business_id = $1 ORDER BY id DESC LIMIT 10',
    [1],
  ],
  [
    'deploy_requests_app_pending',
    'SELECT id FROM deploy_requests WHERE app_id = ANY($1) AND audit_status = 0',
    [[1, 2]],
  ],
];

describe('indexes for the deploy module’s hot queries', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(HOT_QUERIES)('%s serves: %s', async (index, sql, parameters) => {
    const plan = await t.app.get(DataSource).transaction(async (manager) => {
      await manager.query('SET LOCAL enable_seqscan = off');
      const rows: { 'QUERY PLAN': string }[] = await manager.query(`EXPLAIN ${sql}`, parameters);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain(index);
  });
});
