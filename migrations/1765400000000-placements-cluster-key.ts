import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A placement references its cluster, ON DELETE CASCADE: a cluster removed with `force=true` takes every
 * placement on it along, including one that an approval or a reconciliation wrote for it while the
 * removal was under way (it had read the cluster among the targets just before). Placements left on
 * clusters that are gone are forgotten first.
 */
export class PlacementsClusterKey1765400000000 implements MigrationInterface {
  name = 'PlacementsClusterKey1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `DELETE FROM placements p WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.id = p.cluster_id)`,
    );
    await db.query(
      `ALTER TABLE placements ADD CONSTRAINT placements_cluster_id_fkey
         FOREIGN KEY (cluster_id) REFERENCES clusters (id) ON DELETE CASCADE`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE placements DROP CONSTRAINT placements_cluster_id_fkey`);
  }
}
