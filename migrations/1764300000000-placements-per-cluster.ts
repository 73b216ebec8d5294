import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deployment's work is carried out per (deployment, cluster) placement: each placement knows the
 * request it converges on, whether it is to be removed, since when it is in its state, its own
 * rollout deadline and, while its cluster does not answer, the next retry. Plus the indexes the hot
 * queries need (checked with EXPLAIN in test/deploy-indexes.e2e-spec.ts).
 */
export class PlacementsPerCluster1764300000000 implements MigrationInterface {
  name = 'PlacementsPerCluster1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE deployment_clusters
        ADD COLUMN request_id          int REFERENCES deploy_requests (id) ON DELETE CASCADE,
        ADD COLUMN removing            boolean NOT NULL DEFAULT false,
        ADD COLUMN status_since        timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN rollout_deadline_at timestamptz,
        ADD COLUMN next_retry_at       timestamptz`);
    await db.query(`UPDATE deployment_clusters SET request_id = applied_request_id`);
    await db.query(`UPDATE deployment_clusters SET status = 'offline' WHERE status = 'unreachable'`);
    await db.query(`
      ALTER TABLE deployment_clusters ADD CONSTRAINT deployment_clusters_status
        CHECK (status IN ('pending', 'applied', 'running', 'failed', 'offline', 'deleting'))`);
    await db.query(`ALTER TABLE deployments DROP COLUMN rollout_started_at`);
    await db.query(`CREATE INDEX deployment_clusters_cluster ON deployment_clusters (cluster_id)`);
    await db.query(`CREATE INDEX deployments_business ON deployments (business_id, id)`);
    await db.query(`CREATE INDEX deployments_app ON deployments (app_id)`);
    await db.query(`CREATE INDEX deployments_cluster_label ON deployments (cluster)`);
    await db.query(`CREATE INDEX deploy_requests_business ON deploy_requests (business_id, id)`);
    await db.query(
      `CREATE INDEX deploy_requests_app_pending ON deploy_requests (app_id) WHERE audit_status = 0`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP INDEX deploy_requests_app_pending, deploy_requests_business, deployments_cluster_label, deployments_app, deployments_business, deployment_clusters_cluster`,
    );
    await db.query(`ALTER TABLE deployments ADD COLUMN rollout_started_at timestamptz`);
    await db.query(`ALTER TABLE deployment_clusters DROP CONSTRAINT deployment_clusters_status`);
    await db.query(`UPDATE deployment_clusters SET status = 'unreachable' WHERE status = 'offline'`);
    await db.query(`
      ALTER TABLE deployment_clusters
        DROP COLUMN request_id, DROP COLUMN removing, DROP COLUMN status_since,
        DROP COLUMN rollout_deadline_at, DROP COLUMN next_retry_at`);
  }
}
