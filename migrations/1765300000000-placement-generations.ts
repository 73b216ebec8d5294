import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A placement's generation: a new number whenever the placement is given new work in its cluster (a new
 * request, or the cluster leaving or rejoining the deployment's targets under the same request), never
 * one used before, even by a placement since forgotten. A compare-and-set compares it with the request
 * and the status (a placement can come back to the status and request a job read), and a software
 * deployment record is kept per generation: each time a deployment is put on or taken off a cluster is
 * an action with a record of its own (SPEC §9), and a chart's apply a Helm release revision of its own
 * (SPEC §8). Records of the placements as they are now are given
 * their placement's generation; records still in progress for work no placement holds are finished.
 */
export class PlacementGenerations1765300000000 implements MigrationInterface {
  name = 'PlacementGenerations1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SEQUENCE placement_generations AS bigint`);
    await db.query(
      `ALTER TABLE placements ADD COLUMN generation bigint NOT NULL DEFAULT nextval('placement_generations')`,
    );
    await db.query(`ALTER TABLE software_deployments ADD COLUMN generation bigint NOT NULL DEFAULT 0`);
    await db.query(`
      UPDATE software_deployments r SET generation = p.generation
        FROM placements p
       WHERE p.deployment_id = r.deployment_id AND p.cluster_id = r.cluster_id AND p.request_id = r.request_id`);
    // Records that earlier code left in progress for work no placement holds any more (an upgrade
    // approved while the cluster was offline, say, or a removal of a cluster that rejoined the targets
    // under the same request) would never be finished: they are now.
    await db.query(`
      UPDATE software_deployments r
         SET status = 'FAILED', updated_time = now(),
             status_reason = 'superseded before it finished (a newer request, a change of target clusters, or the cluster removed)',
             output_values = r.output_values || jsonb_build_object('result', 'superseded', 'deploy_status_code', 1)
       WHERE r.status = 'IN_PROGRESS'
         AND NOT EXISTS (SELECT 1 FROM placements p
                          WHERE p.deployment_id = r.deployment_id AND p.cluster_id = r.cluster_id
                            AND p.request_id = r.request_id AND (r.action = 'DELETE') = p.removing)`);
    await db.query(
      `ALTER TABLE software_deployments DROP CONSTRAINT software_deployments_request_id_cluster_id_action_key`,
    );
    await db.query(`ALTER TABLE software_deployments ALTER COLUMN generation DROP DEFAULT`);
    await db.query(
      `ALTER TABLE software_deployments ADD CONSTRAINT software_deployments_action_once
         UNIQUE (request_id, cluster_id, generation, action)`,
    );
    // Helm release revisions likewise: one per request, cluster and generation.
    await db.query(`ALTER TABLE releases ADD COLUMN generation bigint NOT NULL DEFAULT 0`);
    await db.query(`
      UPDATE releases r SET generation = p.generation
        FROM placements p
       WHERE p.deployment_id = r.deployment_id AND p.cluster_id = r.cluster_id AND p.request_id = r.request_id`);
    await db.query(`ALTER TABLE releases ALTER COLUMN generation DROP DEFAULT`);
    await db.query(`ALTER TABLE releases DROP CONSTRAINT releases_request_id_cluster_id_key`);
    await db.query(
      `ALTER TABLE releases ADD CONSTRAINT releases_revision_once UNIQUE (request_id, cluster_id, generation)`,
    );
    // The records still in progress of a deployment, found when its placements change (few at a time).
    await db.query(
      `CREATE INDEX software_deployments_in_progress ON software_deployments (deployment_id)
         WHERE status = 'IN_PROGRESS'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX software_deployments_in_progress`);
    await db.query(`ALTER TABLE releases DROP CONSTRAINT releases_revision_once`);
    // Of a request's revisions on a cluster, the latest stays.
    await db.query(`
      DELETE FROM releases r USING releases newer
       WHERE newer.request_id = r.request_id AND newer.cluster_id = r.cluster_id AND newer.revision > r.revision`);
    await db.query(`ALTER TABLE releases DROP COLUMN generation`);
    await db.query(
      `ALTER TABLE releases ADD CONSTRAINT releases_request_id_cluster_id_key UNIQUE (request_id, cluster_id)`,
    );
    await db.query(`ALTER TABLE software_deployments DROP CONSTRAINT software_deployments_action_once`);
    // Of a request's repeated actions on a cluster, the latest keeps its record.
    await db.query(`
      DELETE FROM software_deployments r USING software_deployments newer
       WHERE newer.request_id = r.request_id AND newer.cluster_id = r.cluster_id AND newer.action = r.action
         AND newer.generation > r.generation`);
    await db.query(`ALTER TABLE software_deployments DROP COLUMN generation`);
    await db.query(
      `ALTER TABLE software_deployments ADD CONSTRAINT software_deployments_request_id_cluster_id_action_key
         UNIQUE (request_id, cluster_id, action)`,
    );
    await db.query(`ALTER TABLE placements DROP COLUMN generation`);
    await db.query(`DROP SEQUENCE placement_generations`);
  }
}
