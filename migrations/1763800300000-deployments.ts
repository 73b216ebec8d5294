import { MigrationInterface, QueryRunner } from 'typeorm';

export class Deployments1763800300000 implements MigrationInterface {
  name = 'Deployments1763800300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE deployments (
        id                 serial PRIMARY KEY,
        business_id        int NOT NULL REFERENCES businesses (id),
        deploy_name        varchar(63) NOT NULL,
        app_name           text NOT NULL,
        version            text NOT NULL,
        app_id             int NOT NULL,
        cluster            varchar(63) NOT NULL,
        node_label         varchar(63) NOT NULL,
        comment            text NOT NULL DEFAULT '',
        deploy_type        smallint NOT NULL CHECK (deploy_type BETWEEN 1 AND 4),
        status             smallint NOT NULL CHECK (status BETWEEN 0 AND 9),
        error_message      text NOT NULL DEFAULT '',
        audit_comment      text NOT NULL DEFAULT '',
        request_id         int,
        rollout_started_at timestamptz,
        create_time        timestamptz NOT NULL DEFAULT now(),
        update_time        timestamptz NOT NULL DEFAULT now()
      )`);
    // A name is taken while its deployment lives; a disapproved or deleted one frees it.
    await db.query(
      `CREATE UNIQUE INDEX deployments_live_name ON deployments (business_id, deploy_name) WHERE status NOT IN (2, 9)`,
    );
    await db.query(`
      CREATE TABLE deploy_requests (
        id              serial PRIMARY KEY,
        deployment_id   int NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        business_id     int NOT NULL REFERENCES businesses (id),
        action          smallint NOT NULL CHECK (action BETWEEN 1 AND 4),
        app_id          int NOT NULL,
        version         text NOT NULL,
        request_comment text NOT NULL DEFAULT '',
        audit_status    smallint NOT NULL CHECK (audit_status BETWEEN 0 AND 2),
        audit_comment   text NOT NULL DEFAULT '',
        requester_id    int REFERENCES users (id) ON DELETE SET NULL,
        auditor_id      int REFERENCES users (id) ON DELETE SET NULL,
        previous_status smallint,
        previous_type   smallint,
        create_time     timestamptz NOT NULL DEFAULT now(),
        update_time     timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX deploy_requests_deployment ON deploy_requests (deployment_id)`);
    await db.query(`ALTER TABLE deployments ADD FOREIGN KEY (request_id) REFERENCES deploy_requests (id)`);
    await db.query(`
      CREATE TABLE deployment_clusters (
        deployment_id      int NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        cluster_id         uuid NOT NULL,
        cluster_name       text NOT NULL,
        applied_request_id int,
        objects            jsonb NOT NULL DEFAULT '[]',
        status             text NOT NULL,
        running            int NOT NULL DEFAULT 0,
        error              int NOT NULL DEFAULT 0,
        total              int NOT NULL DEFAULT 0,
        message            text NOT NULL DEFAULT '',
        update_time        timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (deployment_id, cluster_id)
      )`);
    await db.query(`
      CREATE TABLE deployment_versions (
        id            serial PRIMARY KEY,
        deployment_id int NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        request_id    int NOT NULL UNIQUE REFERENCES deploy_requests (id) ON DELETE CASCADE,
        app_id        int NOT NULL,
        version       text NOT NULL,
        action        smallint NOT NULL,
        create_time   timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE software_deployments (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id   int NOT NULL REFERENCES businesses (id),
        deployment_id int NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        request_id    int NOT NULL REFERENCES deploy_requests (id) ON DELETE CASCADE,
        cluster_id    uuid NOT NULL,
        config_id     text NOT NULL,
        action        text NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'ROLLBACK', 'DELETE')),
        input_values  jsonb,
        output_values jsonb NOT NULL,
        status        text NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETE', 'FAILED')),
        status_reason text NOT NULL DEFAULT '',
        creation_time timestamptz NOT NULL DEFAULT now(),
        updated_time  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (request_id, cluster_id, action)
      )`);
    await db.query(
      `CREATE INDEX software_deployments_business ON software_deployments (business_id, cluster_id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deployments DROP COLUMN request_id`);
    await db.query(
      `DROP TABLE software_deployments, deployment_versions, deployment_clusters, deploy_requests, deployments`,
    );
  }
}
