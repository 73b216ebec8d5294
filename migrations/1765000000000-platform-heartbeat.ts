import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row: when a worker process last recorded that the platform was up (PlatformHeartbeat). A gap
 * longer than two heartbeat periods was an outage, and rollout deadlines move later by it.
 */
export class PlatformHeartbeat1765000000000 implements MigrationInterface {
  name = 'PlatformHeartbeat1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE TABLE platform_heartbeat (
         singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT platform_heartbeat_singleton CHECK (singleton),
         beat_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await db.query(`INSERT INTO platform_heartbeat DEFAULT VALUES`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE platform_heartbeat`);
  }
}
