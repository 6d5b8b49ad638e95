import { JobSchedulerError, isJobSchedulerError } from '../errors.js';
import { DbConnectionError, DbTimeoutError } from './db.js';

/**
 * Driver errors become the catalogue's errors here, at the store's edge. Decisions use
 * SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html), never
 * message text.
 */

/** Whether an error may go away if the same operation is tried again. */
export type Transience =
  /** Not transient: retrying gives the same answer. */
  | 'permanent'
  /** Transient, and nothing was written: any operation may be retried. */
  | 'rolled-back'
  /** Transient, but a write may have committed: only idempotent operations are retried. */
  | 'unknown-outcome'
  /**
   * No answer in time (the call's bound, or the server's statement timeout). Not retried at
   * once: another try would wait as long again. The caller's next round tries again.
   */
  | 'timed-out';

/** SQLSTATE of a unique constraint's refusal. */
export const UNIQUE_VIOLATION = '23505';

export function sqlState(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * Runs a write that expects its rows to be new without tolerating duplicates (a speculative
 * insertion costs every row), and once more tolerating them should a unique constraint refuse
 * one: that transaction failed whole, so the second try starts from nothing written.
 */
export async function againToleratingDuplicates<T>(write: (tolerateDuplicates: boolean) => Promise<T>): Promise<T> {
  try {
    return await write(false);
  } catch (error) {
    if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
    return write(true);
  }
}

const ROLLED_BACK_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '25P03', // idle_in_transaction_session_timeout: the server ended the session and its transaction
  '57P01', // admin_shutdown: the statement was cancelled with its connection
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (server starting up)
  '53300', // too_many_connections (at connect time)
]);

/** query_canceled: raised by statement_timeout (or an operator's pg_cancel_backend). */
const STATEMENT_TIMEOUT_STATE = '57014';

export function transience(error: unknown): Transience {
  if (error instanceof DbTimeoutError) return 'timed-out';
  if (error instanceof DbConnectionError) return error.committed === 'no' ? 'rolled-back' : 'unknown-outcome';
  const state = sqlState(error);
  if (state === null) return 'permanent';
  if (state === STATEMENT_TIMEOUT_STATE) return 'timed-out';
  if (ROLLED_BACK_STATES.has(state)) return 'rolled-back';
  // Class 08: connection exception. The server may or may not have seen the statement.
  if (state.startsWith('08')) return 'unknown-outcome';
  return 'permanent';
}

/** Maps any error thrown by a backend to a JobSchedulerError; ours pass through untouched. */
export function toStoreError(error: unknown, operation: string): JobSchedulerError {
  if (isJobSchedulerError(error)) return error;
  const cause = { cause: error };
  if (error instanceof DbTimeoutError) {
    return new JobSchedulerError(
      'STORE_UNAVAILABLE',
      `The database did not answer in time (${operation}): ${error.message}`,
      { operation, timeoutMs: error.timeoutMs },
      cause,
    );
  }
  if (error instanceof DbConnectionError) {
    return new JobSchedulerError('STORE_UNAVAILABLE', `The database cannot be reached (${operation}): ${error.message}`, { operation }, cause);
  }
  const state = sqlState(error);
  const constraint = constraintOf(error);
  const details = { operation, sqlState: state, ...(constraint ? { constraint } : {}) };
  if (state === null) {
    return new JobSchedulerError('INTERNAL', `Unexpected error in the store (${operation})`, details, cause);
  }
  if (state === STATEMENT_TIMEOUT_STATE) {
    return new JobSchedulerError('STORE_UNAVAILABLE', `The database cancelled a statement that ran past the statement timeout (${operation})`, details, cause);
  }
  if (state === UNIQUE_VIOLATION) return new JobSchedulerError('CONFLICT', conflictMessage(constraint), details, cause);
  if (state === '23503') return new JobSchedulerError('NOT_FOUND', 'The job referred to does not exist', details, cause);
  if (state.startsWith('23') || state.startsWith('22')) {
    return new JobSchedulerError('VALIDATION_FAILED', `The database rejected a value (${operation}, SQLSTATE ${state})`, details, cause);
  }
  if (state === '42P01' || state === '3F000') {
    return new JobSchedulerError(
      'STORE_UNAVAILABLE',
      'The database has no jobscheduler tables yet: run "jobscheduler migrate" (or start a node, which migrates)',
      details,
      cause,
    );
  }
  if (transience(error) !== 'permanent' || state.startsWith('53') || state.startsWith('28') || state === '3D000') {
    return new JobSchedulerError('STORE_UNAVAILABLE', `The database is unavailable (${operation}, SQLSTATE ${state})`, details, cause);
  }
  return new JobSchedulerError('INTERNAL', `The database failed (${operation}, SQLSTATE ${state})`, details, cause);
}

/**
 * Why a call failed, for the failure counter: no answer in time, no working connection, or
 * the server unable to serve. Null for every other outcome (a conflict, a missing row, a bug).
 */
export type DatabaseFailure = 'timeout' | 'connection' | 'unavailable';

export function databaseFailure(error: unknown): DatabaseFailure | null {
  if (transience(error) === 'timed-out') return 'timeout';
  if (error instanceof DbConnectionError) return 'connection';
  const state = sqlState(error);
  if (state === null) return null;
  return transience(error) !== 'permanent' || state.startsWith('53') ? 'unavailable' : null;
}

function constraintOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('constraint' in error)) return null;
  const constraint = (error as { constraint: unknown }).constraint;
  return typeof constraint === 'string' ? constraint : null;
}

function conflictMessage(constraint: string | null): string {
  if (constraint === 'jobs_pkey') return 'A job with this id already exists';
  if (constraint === 'executions_pkey') return 'An execution with this id already exists';
  if (constraint === 'target_policies_name_key') return 'A target policy with this name already exists';
  if (constraint === 'target_policies_pattern_key') return 'A target policy with this pattern already exists';
  return 'The row already exists';
}
