import { MigrationInterface, QueryRunner } from 'typeorm';

export class Applications1763800200000 implements MigrationInterface {
  name = 'Applications1763800200000';

  async up(db: QueryRunner): Promise<void> {
    // The seed's uint32 fields: bigint, so that the whole unsigned range fits.
    await db.query(`CREATE DOMAIN uint32 AS bigint CHECK (VALUE BETWEEN 0 AND 4294967295)`);
    await db.query(`
      CREATE TABLE applications (
        id                     serial PRIMARY KEY,
        business_id            int NOT NULL REFERENCES businesses (id) ON DELETE RESTRICT,
        app_name               varchar(63) NOT NULL,
        version                varchar(64) NOT NULL,
        deploy_type            varchar(16) NOT NULL CHECK (deploy_type IN ('deployment', 'daemonset', 'chart')),
        image                  text NOT NULL,
        repository_id          text,
        replicas               uint32 NOT NULL,
        port                   jsonb NOT NULL DEFAULT '[]',
        volume                 jsonb NOT NULL DEFAULT '[]',
        env                    jsonb NOT NULL DEFAULT '[]',
        command                text NOT NULL DEFAULT '',
        min_replicas           uint32 NOT NULL,
        max_replicas           uint32 NOT NULL,
        min_cpu                uint32 NOT NULL,
        max_cpu                uint32 NOT NULL,
        gpu                    uint32 NOT NULL DEFAULT 0,
        is_hpa                 boolean NOT NULL,
        target_cpu_utilization uint32 NOT NULL,
        target_mem_utilization uint32 NOT NULL,
        min_memory             uint32 NOT NULL,
        max_memory             uint32 NOT NULL,
        max_unavailable        uint32 NOT NULL,
        max_surge              uint32 NOT NULL,
        min_ready_seconds      uint32 NOT NULL,
        status                 smallint NOT NULL CHECK (status BETWEEN 0 AND 3),
        status_detail          text NOT NULL DEFAULT '',
        create_time            timestamptz NOT NULL DEFAULT now(),
        update_time            timestamptz NOT NULL DEFAULT now(),
        UNIQUE (business_id, app_name, version),
        CHECK (min_replicas <= max_replicas),
        CHECK (min_cpu <= max_cpu),
        CHECK (min_memory <= max_memory)
      )`);
    // Verification work and start-up repair look for the versions still being verified.
    await db.query(`CREATE INDEX applications_verifying ON applications (id) WHERE status = 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE applications`);
    await db.query(`DROP DOMAIN uint32`);
  }
}
