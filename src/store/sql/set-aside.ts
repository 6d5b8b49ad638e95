import type { Queryable } from '../db.js';
import type { JobSetAsideParams } from '../types.js';

/**
 * Jobs the engine stops planning, with the reason. These statements run only after a
 * planning or claim failure, never on a healthy claim round.
 */

/**
 * Records why, for jobs whose next run the claim cleared and that were not given a new one
 * meanwhile (job_next_runs.next_run_at still null).
 */
export async function jobMarkSetAside(db: Queryable, jobs: readonly JobSetAsideParams[]): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `UPDATE jobs j
     SET set_aside_reason = u.reason, set_aside_at = now()
     FROM unnest($1::uuid[], $2::text[]) AS u(id, reason), job_next_runs n
     WHERE j.id = u.id AND n.job_id = j.id AND n.next_run_at IS NULL
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
    `WITH bad AS (
       SELECT j.id, n.next_run_at::text AS next_run_text
       FROM jobs j JOIN job_next_runs n ON n.job_id = j.id
       WHERE n.next_run_at < '${MIN}' OR n.next_run_at > '${MAX}' OR j.run_at < '${MIN}' OR j.run_at > '${MAX}'
     ), cleared AS (
       UPDATE job_next_runs n SET next_run_at = NULL, next_due_at = NULL FROM bad WHERE n.job_id = bad.id
     )
     UPDATE jobs j
     SET set_aside_at = now(),
         set_aside_reason = 'runAt ' || coalesce(j.run_at::text, 'null') || ' or nextRunAt ' || coalesce(bad.next_run_text, 'null')
           || ' lay outside ${MIN}..${MAX}; give the job a new runAt or schedule',
         run_at = CASE WHEN j.run_at < '${MIN}' THEN '${MIN}'::timestamptz WHEN j.run_at > '${MAX}' THEN '${MAX}'::timestamptz ELSE j.run_at END
     FROM bad
     WHERE j.id = bad.id
     RETURNING j.id`,
  );
  return result.rows.map((row) => row.id);
}
