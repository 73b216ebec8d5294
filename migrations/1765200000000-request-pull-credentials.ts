import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The external repository credentials a deployment request pulls with, sealed with ENCRYPTION_KEY, taken
 * when the request is made: deleting the repository later leaves existing deployments their pull
 * secrets (SPEC §11), on every cluster they reach and through later upgrades.
 */
export class RequestPullCredentials1765200000000 implements MigrationInterface {
  name = 'RequestPullCredentials1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deploy_requests ADD COLUMN pull_credentials_sealed text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deploy_requests DROP COLUMN pull_credentials_sealed`);
  }
}
