import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tokens carry the version they were issued under; raising it ends every session of the user at once. */
export class UserTokenVersion1764200000000 implements MigrationInterface {
  name = 'UserTokenVersion1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users ADD COLUMN token_version int NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
