import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Announcements of durable events (src/events/event-bus.ts), written in the transaction of the change
 * they announce and deleted once every listener has acted on them: one left behind (the process ended
 * between the commit and the listeners, or a listener failed) is delivered again by the sweep.
 */
export class EventOutbox1765500000000 implements MigrationInterface {
  name = 'EventOutbox1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE event_outbox (
        id         bigserial PRIMARY KEY,
        name       text NOT NULL,
        payload    jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE event_outbox`);
  }
}
