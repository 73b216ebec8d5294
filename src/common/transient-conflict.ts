import { QueryFailedError } from 'typeorm';

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction lost to another and may run again. */
const PG_TRANSIENT_CONFLICT_CODES = new Set(['40P01', '40001']);

/** How often a transaction that lost to another is run: enough for a collision, not for a livelock. */
const ATTEMPTS = 3;

/** Whether PostgreSQL aborted a transaction because it collided with another (nothing was written). */
export function isTransientConflict(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && PG_TRANSIENT_CONFLICT_CODES.has(code);
}

/**
 * Runs a whole transaction again when PostgreSQL aborted it for a deadlock or a serialization failure,
 * as PostgreSQL's manual advises: a cluster sync upserting nodes while the cluster is removed, say.
 * `transaction` must be the whole unit (it is rolled back before each retry).
 */
export async function retryOnTransientConflict<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransientConflict(error)) throw error;
    }
  }
}
