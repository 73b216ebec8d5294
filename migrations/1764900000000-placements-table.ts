import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One concept, one name: the rows of one deployment in one cluster are placements everywhere in the
 * code (PlacementEntity, PlacementStore, placement.apply), so the table and its constraints say so too.
 */
const FOREIGN_KEY_COLUMNS = ['deployment_id', 'request_id'];

export class PlacementsTable1764900000000 implements MigrationInterface {
  name = 'PlacementsTable1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deployment_clusters RENAME TO placements`);
    await db.query(`ALTER TABLE placements RENAME CONSTRAINT deployment_clusters_pkey TO placements_pkey`);
    await db.query(
      `ALTER TABLE placements RENAME CONSTRAINT deployment_clusters_status TO placements_status`,
    );
    await db.query(`ALTER INDEX deployment_clusters_cluster RENAME TO placements_cluster`);
    for (const column of FOREIGN_KEY_COLUMNS) {
      await db.query(
        `ALTER TABLE placements RENAME CONSTRAINT deployment_clusters_${column}_fkey TO placements_${column}_fkey`,
      );
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const column of FOREIGN_KEY_COLUMNS) {
      await db.query(
        `ALTER TABLE placements RENAME CONSTRAINT placements_${column}_fkey TO deployment_clusters_${column}_fkey`,
      );
    }
    await db.query(`ALTER INDEX placements_cluster RENAME TO deployment_clusters_cluster`);
    await db.query(
      `ALTER TABLE placements RENAME CONSTRAINT placements_status TO deployment_clusters_status`,
    );
    await db.query(`ALTER TABLE placements RENAME CONSTRAINT placements_pkey TO deployment_clusters_pkey`);
    await db.query(`ALTER TABLE placements RENAME TO deployment_clusters`);
  }
}
