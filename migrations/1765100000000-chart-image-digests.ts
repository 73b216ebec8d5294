import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A chart application runs several images (`image` holds them, comma-separated): each one's digest in
 * the platform's registry, in the same order, null for the images of other registries. A workload
 * application's one image keeps its digest in `image_digest`.
 */
export class ChartImageDigests1765100000000 implements MigrationInterface {
  name = 'ChartImageDigests1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE applications ADD COLUMN image_digests text[]`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE applications DROP COLUMN image_digests`);
  }
}
