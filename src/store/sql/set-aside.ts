import type { Queryable } from '../db.js';
import type { JobSetAsideParams } from '../types.js';

/**
 * Jobs the engine stops planning, with the reason. These statements run only after a
 * planning or claim failure, never on a healthy claim round.
 */

/** Clears next_run_at and records why, for jobs not given a new next_run_at meanwhile. */
export async function jobMarkSetAside(db: Queryable, jobs: readonly JobSetAsideParams[]): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `UPDATE jobs j
     SET next_run_at = NULL, set_aside_reason = u.reason, set_aside_at = now()
     FROM unnest($1::uuid[], $2::text[]) AS u(id, reason)
     WHERE j.id = u.id AND j.next_run_at IS NULL
     RETURNING j.id`,
    [jobs.map((job) => job.id), jobs.map((job) => job.reason)],
  );
  return result.rows.map((row) => row.id);
}

/** The instants both stores hold exactly; see INSTANT_RANGE of the job definitions. */
const MIN = '1970-01-01T00:00:00Z';
const MAX = '9999-12-31T23:59:59.999Z';

/**
 * Sets aside jobs with a date outside MIN..MAX, as migration 0003 did for rows stored before
 * it: next_run_at cleared, runAt moved to the nearest end of the range (so every read of the
 * job works again), the old values kept in the reason. Comparisons only: such a date is never
 * read into the process, where PGlite turns year 0 into an invalid Date.
 */
export async function jobMarkOutOfRangeSetAside(db: Queryable): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `UPDATE jobs
     SET next_run_at = NULL, set_aside_at = now(),
         set_aside_reason = 'runAt ' || coalesce(run_at::text, 'null') || ' or nextRunAt ' || coalesce(next_run_at::text, 'null')
           || ' lay outside ${MIN}..${MAX}; give the job a new runAt or schedule',
         run_at = CASE WHEN run_at < '${MIN}' THEN '${MIN}'::timestamptz WHEN run_at > '${MAX}' THEN '${MAX}'::timestamptz ELSE run_at END
     WHERE next_run_at < '${MIN}' OR next_run_at > '${MAX}' OR run_at < '${MIN}' OR run_at > '${MAX}'
     RETURNING id`,
  );
  return result.rows.map((row) => row.id);
}
