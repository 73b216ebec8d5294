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
 * errors are TypeORM's QueryFailedError, as from `manager.query`. A statement PostgreSQL refuses as
 * stale (a migration changed the type of a column it returns) is prepared afresh under a new name: outside
 * a transaction at once, inside one (which the refusal aborted) on the caller's retry.
 */
export async function preparedQuery<R extends QueryResultRow>(
  manager: EntityManager,
  text: string,
  params: unknown[],
): Promise<QueryResult<R>> {
  const runner = manager.queryRunner;
  if (runner?.isReleased) throw new QueryRunnerAlreadyReleasedError();
  try {
    // Inside a transaction a stale statement's refusal has aborted it: the caller's retry prepares afresh.
    if (runner) return await run<R>((await runner.connect()) as PoolClient, text, params);
    try {
      return await runPooled<R>(manager, text, params);
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      return await runPooled<R>(manager, text, params);
    }
  } catch (error) {
    throw new QueryFailedError(text, params, error as Error);
  }
}

async function runPooled<R extends QueryResultRow>(
  manager: EntityManager,
  text: string,
  params: unknown[],
): Promise<QueryResult<R>> {
  const client = await (manager.connection.driver as unknown as { master: Pool }).master.connect();
  let failure: unknown;
  try {
    return await run<R>(client, text, params);
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
}

async function run<R extends QueryResultRow>(
  client: PoolClient,
  text: string,
  params: unknown[],
): Promise<QueryResult<R>> {
  const generationRun = generation;
  try {
    return await client.query<R>({ name: statementName(text), text, values: params });
  } catch (error) {
    // Once per change, however many runs meet it at once.
    if (isStalePlan(error) && generationRun === generation) {
      generation++;
      names.clear();
    }
    throw error;
  }
}

/**
 * PostgreSQL's refusal of a prepared statement whose result type changed since it was prepared (a
 * migration altered a column it returns, during a rolling deploy, say): "cached plan must not change
 * result type", on every later run on that connection, for as long as the connection lives.
 */
const isStalePlan = (error: unknown) =>
  error instanceof DatabaseError && error.code === '0A000' && error.routine === 'RevalidateCachedQuery';

/**
 * The statements' names are of a generation, which a stale statement ends: the next runs prepare theirs
 * under new names on every connection. The old statements stay on their connections until these close.
 */
let generation = 0;

/**
 * The name is the text's digest with the generation: the same text has the same name on every
 * connection, and two texts never share one.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `ote_${createHash('sha1').update(text).digest('hex')}_${generation}`;
    names.set(text, name);
  }
  return name;
}
/** Each text's name in this generation, worked out once: the texts are a small fixed set (see preparedQuery). */
const names = new Map<string, string>();
