import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every application version is a package (seed 004): a public UUID, a SemVer ordering key, a severity,
 * the form of the image digest a registry tells us, and who created it. Indexes serve the Astra collection
 * API's keyset paging: each orderable field with the package id as tie-breaker, inside one business.
 */
export class Packages1764600000000 implements MigrationInterface {
  name = 'Packages1764600000000';

  async up(db: QueryRunner): Promise<void> {
    // A volatile default is evaluated per row, so existing versions each get their own id.
    await db.query(`
      ALTER TABLE applications
        ADD COLUMN package_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        ADD COLUMN severity_level smallint NOT NULL DEFAULT 0 CHECK (severity_level IN (0, 1)),
        -- image_digest itself comes with the registry (1764400000000); packages only bound its form.
        ADD CONSTRAINT applications_image_digest_form CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$'),
        ADD COLUMN created_by int,
        -- The SemVer core (and a fourth part) as numbers: arrays compare element by element, so the
        -- database orders 1.9.0 before 1.10.0 and uses an index for it. "1.2" is 1.2.0.
        ADD COLUMN version_key int[] NOT NULL GENERATED ALWAYS AS (
          string_to_array(CASE WHEN version ~ '^[^.]*\\.[^.]*$' THEN version || '.0' ELSE version END, '.')::int[]
        ) STORED`);
    // Versions made before this column have no recorded creator; their business's owner is the one
    // person who certainly could have made them.
    await db.query(`
      UPDATE applications a SET created_by = b.user_id FROM businesses b WHERE b.id = a.business_id`);
    await db.query(`ALTER TABLE applications ALTER COLUMN created_by SET NOT NULL`);
    const byBusiness = (name: string, expression: string) =>
      db.query(`CREATE INDEX ${name} ON applications (business_id, ${expression}, package_id)`);
    await db.query(`CREATE INDEX applications_packages ON applications (business_id, package_id)`);
    await byBusiness('applications_packages_by_name', 'app_name COLLATE "C"');
    await byBusiness('applications_packages_by_version', 'version_key');
    await byBusiness('applications_packages_by_state', 'status');
    await byBusiness('applications_packages_by_severity', 'severity_level');
    await byBusiness('applications_packages_by_creation', 'create_time');
    await byBusiness('applications_packages_by_modification', 'update_time');
    // packageType (is there an earlier version?) and upgradableVersions (later available ones) look
    // at the other versions of the same application.
    await db.query(
      `CREATE INDEX applications_versions_of_app ON applications (business_id, app_name, version_key, package_id)`,
    );
    await db.query(
      `CREATE INDEX applications_available_versions_of_app ON applications (business_id, app_name, version_key) WHERE status = 1`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE applications
        DROP CONSTRAINT applications_image_digest_form,
        DROP COLUMN version_key, DROP COLUMN created_by,
        DROP COLUMN severity_level, DROP COLUMN package_id`);
  }
}
