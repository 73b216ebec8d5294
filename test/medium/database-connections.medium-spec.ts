import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { eventually } from '../support/eventually';
import { createTestDatabase } from '../support/database';

/**
 * The server's connection pool when PostgreSQL ends a connection that is handed out but running no query
 * (a restart of PostgreSQL does this to every connection): the process goes on, and the connection's
 * holder sees the failure on its next query.
 */
describe('pooled database connections', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await new DataSource(dataSourceOptions(database.url)).initialize();
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('a connection ended by PostgreSQL while handed out and idle fails its holder’s next query, not the process', async () => {
    const pool = (db.driver as unknown as { master: Pool }).master;
    const client: PoolClient = await pool.connect();
    const lost: Error[] = [];
    try {
      const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      // Without a listener of the server's own, the FATAL PostgreSQL sends would be an 'error' event with
      // no listener but this test's: count them before adding this one.
      expect(client.listenerCount('error')).toBe(1);
      client.on('error', (error) => lost.push(error));
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      await eventually(
        async () => lost.length,
        (count) => count > 0,
        { what: 'the connection ended' },
      );
      await expect(client.query('SELECT 1')).rejects.toThrow();
    } finally {
      client.release(lost[0] ?? new Error('test over'));
    }
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
