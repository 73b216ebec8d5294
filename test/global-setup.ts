import 'reflect-metadata';
import { runMigrations } from '../src/database/data-source';
import { databaseUrl, dropStaleDatabases, newDatabaseName, withServer } from './support/database';

/** Runs the migrations once into a template database that every test file of this run copies. */
export default async function globalSetup(): Promise<void> {
  const template = newDatabaseName('template');
  await withServer(async (client) => {
    await dropStaleDatabases(client);
    await client.query(`CREATE DATABASE ${template}`);
  });
  await runMigrations(databaseUrl(template));
  process.env.OTE_TEST_TEMPLATE_DATABASE = template;
}
