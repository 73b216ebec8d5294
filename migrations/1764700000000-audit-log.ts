import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1764700000000 implements MigrationInterface {
  name = 'AuditLog1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        time        timestamptz NOT NULL DEFAULT now(),
        actor_id    integer,
        actor_name  varchar(64) NOT NULL,
        action      varchar(64) NOT NULL,
        target_type varchar(32) NOT NULL,
        target_id   varchar(253) NOT NULL,
        detail      jsonb NOT NULL DEFAULT '{}',
        source_ip   text NOT NULL,
        business_id integer
      )`);
    // The listing reads newest first, over everything or over one business.
    await db.query(`CREATE INDEX audit_log_time ON audit_log (time DESC, id DESC)`);
    await db.query(`CREATE INDEX audit_log_business_time ON audit_log (business_id, time DESC, id DESC)`);
    // The filters of the listing.
    await db.query(`CREATE INDEX audit_log_action_time ON audit_log (action, time DESC)`);
    await db.query(`CREATE INDEX audit_log_actor_time ON audit_log (actor_id, time DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_log`);
  }
}
