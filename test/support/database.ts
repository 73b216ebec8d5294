import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the tests use: the local PostgreSQL of the dev machines and CI, unless TEST_DATABASE_URL says otherwise. */
const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEST_DATABASE_PREFIX = 'ote_test_';
/** Databases of runs that died without cleaning up are dropped once they are this old. */
const STALE_AFTER_SECONDS = 3 * 3600;

/** Names carry their creation time, so that concurrent runs never drop each other's databases. */
export const newDatabaseName = (kind: string) =>
  `${TEST_DATABASE_PREFIX}${kind}_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropStaleDatabases(client: Client): Promise<void> {
  const rows = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}%'`,
  );
  const cutoff = Date.now() / 1000 - STALE_AFTER_SECONDS;
  for (const { datname } of rows.rows) {
    const created = Number(/_(\d{10})_[0-9a-f]{8}$/.exec(datname)?.[1] ?? 0);
    if (created < cutoff) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

/** A fresh database for one test file, copied from this run's migrated template (fast, and isolated). */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const template = process.env.OTE_TEST_TEMPLATE_DATABASE;
  if (!template)
    throw new Error(
      'OTE_TEST_TEMPLATE_DATABASE is not set: run the tests through jest (test/global-setup.ts)',
    );
  const name = newDatabaseName('db');
  await withServer((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
