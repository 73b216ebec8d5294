import { DataSource, EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { preparedQuery } from '../../src/database/prepared-query';
import { dataSourceOptions } from '../../src/database/data-source';
import { createTestDatabase } from '../support/database';

/**
 * preparedQuery on a real PostgreSQL: a statement is prepared once per connection and reused, inside a
 * transaction it runs on the transaction's connection, and its errors are TypeORM's.
 */
describe('preparedQuery', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection, so that every call meets the statements prepared by the calls before it.
    db = await new DataSource({ ...dataSourceOptions(database.url), extra: { max: 1 } }).initialize();
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const prepared = async () =>
    (await db.query(
      `SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements`,
    )) as {
      statement: string;
      runs: number;
    }[];

  it('prepares a statement once per connection and runs it with each call’s parameters', async () => {
    const text = 'SELECT $1::int + $2::int AS sum';
    for (const [a, b] of [
      [1, 2],
      [20, 22],
      [-5, 5],
    ]) {
      const { rows } = await preparedQuery<{ sum: number }>(db.manager, text, [a, b]);
      expect(rows).toEqual([{ sum: a + b }]);
    }
    expect((await prepared()).filter((row) => row.statement === text)).toEqual([
      { statement: text, runs: '3' },
    ]);
  });

  it('gives two texts two statements', async () => {
    await preparedQuery(db.manager, 'SELECT 1 AS one WHERE $1::boolean', [true]);
    await preparedQuery(db.manager, 'SELECT 2 AS two WHERE $1::boolean', [true]);
    const statements = (await prepared()).map((row) => row.statement);
    expect(statements).toEqual(
      expect.arrayContaining(['SELECT 1 AS one WHERE $1::boolean', 'SELECT 2 AS two WHERE $1::boolean']),
    );
  });

  it('runs inside a transaction on its connection: rolled back with it, and seen by it', async () => {
    await db.query('CREATE TABLE prepared_probe (id int PRIMARY KEY)');
    await expect(
      db.transaction(async (manager) => {
        await preparedQuery(manager, 'INSERT INTO prepared_probe (id) VALUES ($1)', [1]);
        const { rows } = await preparedQuery(manager, 'SELECT count(*)::int AS n FROM prepared_probe', []);
        expect(rows).toEqual([{ n: 1 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.query('SELECT count(*)::int AS n FROM prepared_probe')).toEqual([{ n: 0 }]);
  });

  it('fails with QueryFailedError carrying PostgreSQL’s error, as manager.query does, and keeps the connection', async () => {
    const backend = async () =>
      (await preparedQuery<{ pid: number }>(db.manager, 'SELECT pg_backend_pid() AS pid', [])).rows[0].pid;
    const before = await backend();
    const failure = preparedQuery(db.manager, 'SELECT 1 / $1::int AS x', [0]);
    await expect(failure).rejects.toBeInstanceOf(QueryFailedError);
    await expect(failure).rejects.toMatchObject({ driverError: { code: '22012' } });
    // The pool's one connection is still the same: an error PostgreSQL answered with does not cost a reconnect.
    expect(await backend()).toBe(before);
    expect((await preparedQuery(db.manager, 'SELECT 1 / $1::int AS x', [1])).rows).toEqual([{ x: 1 }]);
  });

  it('refuses to run on a transaction that is over, rather than on another connection outside it', async () => {
    let manager: EntityManager | undefined;
    await db.transaction(async (inside) => {
      manager = inside;
    });
    await expect(preparedQuery(manager!, 'SELECT 1 AS one', [])).rejects.toBeInstanceOf(
      QueryRunnerAlreadyReleasedError,
    );
  });

  it('prepares its statements afresh once a migration changed the type of a column they return', async () => {
    await db.query(`CREATE TABLE retyped_probe (size varchar(10))`);
    await db.query(`INSERT INTO retyped_probe (size) VALUES ('12')`);
    const read = (manager: EntityManager) => preparedQuery(manager, 'SELECT size FROM retyped_probe', []);
    expect((await read(db.manager)).rows).toEqual([{ size: '12' }]);
    // PostgreSQL refuses the statement prepared before on this connection: "cached plan must not change
    // result type", on every run, until the connection is gone.
    await db.query(`ALTER TABLE retyped_probe ALTER COLUMN size TYPE int USING size::int`);
    expect((await read(db.manager)).rows).toEqual([{ size: 12 }]);
    expect((await read(db.manager)).rows).toEqual([{ size: 12 }]);

    // Inside a transaction the refusal aborts the transaction, so it fails; the next run prepares afresh.
    await db.query(`ALTER TABLE retyped_probe ALTER COLUMN size TYPE text`);
    await expect(db.transaction((manager) => read(manager))).rejects.toMatchObject({
      driverError: { code: '0A000' },
    });
    expect(await db.transaction(async (manager) => (await read(manager)).rows)).toEqual([{ size: '12' }]);
  });
});
