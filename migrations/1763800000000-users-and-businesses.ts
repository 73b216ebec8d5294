import { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersAndBusinesses1763800000000 implements MigrationInterface {
  name = 'UsersAndBusinesses1763800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE businesses (
        id          serial PRIMARY KEY,
        name        varchar(128) NOT NULL UNIQUE,
        introduce   text NOT NULL,
        objective   text NOT NULL,
        scale       text NOT NULL,
        user_id     int NOT NULL,
        comment     text NOT NULL DEFAULT '',
        status      smallint NOT NULL CHECK (status BETWEEN 0 AND 3),
        create_time timestamptz NOT NULL DEFAULT now(),
        update_time timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE users (
        id              serial PRIMARY KEY,
        user_name       varchar(64) NOT NULL UNIQUE,
        password_hash   varchar(100) NOT NULL,
        real_name       varchar(128) NOT NULL,
        phone           varchar(32) NOT NULL,
        is_admin        boolean NOT NULL,
        is_system_admin boolean NOT NULL DEFAULT false,
        status          smallint NOT NULL CHECK (status BETWEEN 0 AND 3),
        business_id     int REFERENCES businesses (id) ON DELETE SET NULL,
        create_time     timestamptz NOT NULL DEFAULT now(),
        update_time     timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `ALTER TABLE businesses ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT`,
    );
    await db.query(`CREATE INDEX users_business_id ON users (business_id)`);
    // One live (pending or approved) business per owner, whatever races the service's check misses.
    await db.query(
      `CREATE UNIQUE INDEX businesses_one_live_per_owner ON businesses (user_id) WHERE status IN (0, 1)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE users, businesses CASCADE`);
  }
}
