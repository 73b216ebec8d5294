import { MigrationInterface, QueryRunner } from 'typeorm';

/** Marks the quick start's simulated clusters, so that the cluster list and the console can say so. */
export class ClusterSimulated1764800000000 implements MigrationInterface {
  name = 'ClusterSimulated1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE clusters ADD COLUMN simulated boolean NOT NULL DEFAULT false`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE clusters DROP COLUMN simulated`);
  }
}
