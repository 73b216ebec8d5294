import { MigrationInterface, QueryRunner } from 'typeorm';

export class Registry1764400000000 implements MigrationInterface {
  name = 'Registry1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE registry_accounts (
        id            serial PRIMARY KEY,
        user_id       int NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        account_name  varchar(64) NOT NULL UNIQUE,
        password_hash text NOT NULL,
        create_time   timestamptz NOT NULL DEFAULT now(),
        update_time   timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE registry_projects (
        id          serial PRIMARY KEY,
        business_id int NOT NULL REFERENCES businesses (id) ON DELETE RESTRICT,
        name        varchar(255) NOT NULL UNIQUE,
        public      boolean NOT NULL,
        create_time timestamptz NOT NULL DEFAULT now(),
        update_time timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX registry_projects_business ON registry_projects (business_id)`);
    await db.query(`
      CREATE TABLE external_repositories (
        id              serial PRIMARY KEY,
        business_id     int NOT NULL REFERENCES businesses (id) ON DELETE RESTRICT,
        repository_id   varchar(63) NOT NULL,
        address         varchar(255) NOT NULL,
        user_name       varchar(255) NOT NULL,
        sealed_password text NOT NULL,
        create_time     timestamptz NOT NULL DEFAULT now(),
        update_time     timestamptz NOT NULL DEFAULT now(),
        UNIQUE (business_id, repository_id)
      )`);
    // The manifest digest an image in the platform's registry resolved to when its package was verified.
    await db.query(`ALTER TABLE applications ADD COLUMN image_digest text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE applications DROP COLUMN image_digest`);
    await db.query(`DROP TABLE external_repositories`);
    await db.query(`DROP TABLE registry_projects`);
    await db.query(`DROP TABLE registry_accounts`);
  }
}
