import { createHash } from 'node:crypto';
import { DatabaseError, type Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';

/**
 * A statement of a hot path (the deploy fan-out, the deploy list), run as a named prepared statement of
 * its connection: PostgreSQL parses it once per connection and, once its generic plan is as good as a
 * custom one (a lookup by primary key always is), stops planning it. TypeORM's `query` sends every
 * statement unnamed, to be parsed and planned on every call; for the statements a fan-out runs once per
 * cluster, planning cost PostgreSQL more CPU than running them (pg_stat_statements in
 * bench/deploy-fanout: the placement read about 0.9 ms planned against 0.3 ms run).
 *
 * `text` must come from a small fixed set (no values written into it, only $n parameters): each distinct
 * text stays prepared on each pooled connection for the connection's life. Inside a transaction it runs
 * on the transaction's connection (and refuses to run once that is released, as `manager.query` does);
 * errors are TypeORM's QueryFailedError, as from `manager.query`.
 */
export async function preparedQuery<R extends QueryResultRow>(
  manager: EntityManager,
  text: string,
  params: unknown[],
): Promise<QueryResult<R>> {
  const statement = { name: statementName(text), text, values: params };
  const runner = manager.queryRunner;
  if (runner?.isReleased) throw new QueryRunnerAlreadyReleasedError();
  try {
    if (runner) return await ((await runner.connect()) as PoolClient).query<R>(statement);
    const client = await (manager.connection.driver as unknown as { master: Pool }).master.connect();
    let failure: unknown;
    try {
      return await client.query<R>(statement);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // An error PostgreSQL answered with leaves the connection (and its prepared statements) fit for
      // the next caller; any other (the connection broke) makes the pool discard it.
      client.release(
        failure === undefined || failure instanceof DatabaseError ? undefined : (failure as Error),
      );
    }
  } catch (error) {
    throw new QueryFailedError(text, params, error as Error);
  }
}

/** The name is the text's digest: the same text has the same name on every connection, and two texts never share one. */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `ote_${createHash('sha1').update(text).digest('hex')}`;
    names.set(text, name);
  }
  return name;
}
/** Each text's name, worked out once per process: the texts are a small fixed set (see preparedQuery). */
const names = new Map<string, string>();
