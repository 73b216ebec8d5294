import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the sweep may take an announcement, and how often it has: an announcement is left to the process
 * that committed it for a minute of grace, a sweep claims it for a lease (so that another sweep passes it
 * by), and a failed delivery waits longer each time (src/events/event-bus.ts), so that announcements whose
 * listeners keep failing neither cost a try every minute nor hold back the others.
 */
export class EventOutboxAttempts1765600000000 implements MigrationInterface {
  name = 'EventOutboxAttempts1765600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE event_outbox ADD COLUMN attempts int NOT NULL DEFAULT 0`);
    // The grace: longer than the committing process takes to deliver, so a sweep seldom repeats it.
    await db.query(
      `ALTER TABLE event_outbox
         ADD COLUMN deliver_after timestamptz NOT NULL DEFAULT clock_timestamp() + interval '60 seconds'`,
    );
    // Announcements already waiting keep their place: due a minute after they were made, as before.
    await db.query(`UPDATE event_outbox SET deliver_after = created_at + interval '60 seconds'`);
    // The sweep reads only the due ones, however many wait out a back-off.
    await db.query(`CREATE INDEX event_outbox_deliver_after ON event_outbox (deliver_after)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX event_outbox_deliver_after`);
    await db.query(`ALTER TABLE event_outbox DROP COLUMN deliver_after, DROP COLUMN attempts`);
  }
}
