import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { createTestDatabase } from '../support/database';
import { Factories } from './factories';

/**
 * The migration that gives placements their generation (1765300000000), run over data that the code
 * before it left: records of the placements as they are take their placement's generation, and records
 * still in progress for work no placement holds are finished as superseded.
 */
describe('migration PlacementGenerations1765300000000', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await new DataSource({ type: 'postgres', url: database.url, migrations: MIGRATIONS }).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('keys current records by their placement’s generation and finishes those no placement holds', async () => {
    // Back to the schema before it (and before any migration that came after it).
    let undone: string;
    do {
      [{ name: undone }] = await db.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`);
      await db.undoLastMigration();
    } while (undone !== 'PlacementGenerations1765300000000');
    const make = new Factories(db);
    const business = await make.newBusiness();
    const cluster = await make.newCluster();
    const first = await make.newDeployment(business, await make.newApp(business));
    // An upgrade approved while the cluster was offline: the placement works for the new request,
    // the first request's record was left in progress.
    const [{ id: upgrade }] = await db.query(
      `INSERT INTO deploy_requests (deployment_id, business_id, action, app_id, version, audit_status,
         requester_id, auditor_id)
       SELECT deployment_id, business_id, 2, app_id, version, audit_status, requester_id, auditor_id
         FROM deploy_requests WHERE id = $1 RETURNING id`,
      [first.requestId],
    );
    await db.query(
      `INSERT INTO placements (deployment_id, cluster_id, cluster_name, request_id, status, removing)
       VALUES ($1, $2, $3, $4, 'offline', false)`,
      [first.id, cluster.id, cluster.name, upgrade],
    );
    const inProgress = (requestId: number, action: string) =>
      db.query(
        `INSERT INTO software_deployments (business_id, deployment_id, request_id, cluster_id, config_id,
           action, output_values, status)
         VALUES ($1, $2, $3, $4, '1', $5, '{}', 'IN_PROGRESS')`,
        [business.id, first.id, requestId, cluster.id, action],
      );
    await inProgress(first.requestId, 'CREATE');
    await inProgress(upgrade, 'CREATE');
    // A removal of the cluster (it had left the targets) that it rejoined before the removal ran.
    await inProgress(upgrade, 'DELETE');

    await db.runMigrations();

    const [placement] = await db.query(`SELECT generation FROM placements WHERE deployment_id = $1`, [
      first.id,
    ]);
    const records = await db.query(
      `SELECT request_id AS "requestId", action, status, status_reason AS reason, generation
         FROM software_deployments WHERE deployment_id = $1 ORDER BY request_id, action`,
      [first.id],
    );
    const superseded = { status: 'FAILED', reason: expect.stringMatching(/^superseded/) };
    expect(records).toEqual([
      { requestId: first.requestId, action: 'CREATE', generation: '0', ...superseded },
      {
        requestId: upgrade,
        action: 'CREATE',
        generation: placement.generation,
        status: 'IN_PROGRESS',
        reason: '',
      },
      { requestId: upgrade, action: 'DELETE', generation: placement.generation, ...superseded },
    ]);
  });
});
