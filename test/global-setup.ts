import 'reflect-metadata';
import { runMigrations } from '../src/database/data-source';
import { databaseUrl, TEMPLATE_DATABASE, TEST_DATABASE_PREFIX, withServer } from './support/database';

/** Runs the migrations once into a template database that every test file copies. */
export default async function globalSetup(): Promise<void> {
  await withServer(async (client) => {
    const stale = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}%'`,
    );
    for (const { datname } of stale.rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  await runMigrations(databaseUrl(TEMPLATE_DATABASE));
}
