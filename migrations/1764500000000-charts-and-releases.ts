import { MigrationInterface, QueryRunner } from 'typeorm';

export class ChartsAndReleases1764500000000 implements MigrationInterface {
  name = 'ChartsAndReleases1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE charts (
        id          serial PRIMARY KEY,
        business_id int NOT NULL REFERENCES businesses (id),
        digest      char(64) NOT NULL,
        name        text NOT NULL,
        version     text NOT NULL,
        size        int NOT NULL,
        content     bytea NOT NULL,
        create_time timestamptz NOT NULL DEFAULT now(),
        UNIQUE (business_id, digest)
      )`);
    await db.query(`ALTER TABLE applications ADD COLUMN chart_id int REFERENCES charts (id)`);
    await db.query(
      `ALTER TABLE applications ADD CONSTRAINT applications_chart CHECK ((deploy_type = 'chart') = (chart_id IS NOT NULL))`,
    );
    // The values a deployment runs with (chart applications), and those a request asks for.
    await db.query(`ALTER TABLE deployments ADD COLUMN chart_values jsonb NOT NULL DEFAULT '{}'`);
    await db.query(`ALTER TABLE deploy_requests ADD COLUMN chart_values jsonb NOT NULL DEFAULT '{}'`);
    // What an upgrade or rollback changes, computed once when it is requested so the audit list stays cheap.
    await db.query(`ALTER TABLE deploy_requests ADD COLUMN diff text NOT NULL DEFAULT ''`);
    await db.query(`
      CREATE TABLE releases (
        id                 serial PRIMARY KEY,
        business_id        int NOT NULL REFERENCES businesses (id),
        deployment_id      int NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        cluster_id         uuid NOT NULL,
        request_id         int NOT NULL REFERENCES deploy_requests (id) ON DELETE CASCADE,
        name               text NOT NULL,
        namespace          text NOT NULL,
        revision           int NOT NULL CHECK (revision > 0),
        status             varchar(20) NOT NULL CHECK (status IN ('PENDING_INSTALL', 'PENDING_UPGRADE',
                             'PENDING_ROLLBACK', 'DEPLOYED', 'FAILED', 'SUPERSEDED', 'UNINSTALLING', 'UNINSTALLED')),
        status_description text NOT NULL DEFAULT '',
        app_id             int NOT NULL,
        chart_name         text NOT NULL,
        chart_version      text NOT NULL,
        chart_values       jsonb NOT NULL DEFAULT '{}',
        create_time        timestamptz NOT NULL DEFAULT now(),
        update_time        timestamptz NOT NULL DEFAULT now(),
        UNIQUE (deployment_id, cluster_id, revision),
        UNIQUE (request_id, cluster_id)
      )`);
    await db.query(`CREATE INDEX releases_cluster ON releases (cluster_id, business_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE releases`);
    await db.query(`ALTER TABLE deploy_requests DROP COLUMN diff, DROP COLUMN chart_values`);
    await db.query(`ALTER TABLE deployments DROP COLUMN chart_values`);
    await db.query(`ALTER TABLE applications DROP CONSTRAINT applications_chart, DROP COLUMN chart_id`);
    await db.query(`DROP TABLE charts`);
  }
}
