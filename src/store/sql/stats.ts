import type { Queryable } from '../db.js';
import type { JobOutcomeCounts } from '../types.js';

/**
 * Read-only figures for the dashboard. Both queries are bounded by an index: the first by
 * the (job_id, scheduled_at, ...) unique index, one range per job; the second by the BRIN
 * index on created_at, which reads only the most recent block ranges.
 */

/**
 * An occurrence's outcome is its latest attempt's status: SUCCEEDED, or FAILED/LOST once no
 * retry follows. Occurrences still retrying, MISSED and SKIPPED ones are not counted.
 */
export async function executionOutcomesByJob(
  db: Queryable,
  params: { readonly jobIds: readonly string[]; readonly since: Date },
): Promise<JobOutcomeCounts[]> {
  if (params.jobIds.length === 0) return [];
  const result = await db.query<{ job_id: string; succeeded: number; failed: number }>(
    `SELECT job_id,
       count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS succeeded,
       count(*) FILTER (WHERE status IN ('FAILED', 'LOST'))::int AS failed
     FROM (
       SELECT DISTINCT ON (job_id, scheduled_at, trigger) job_id, status
       FROM executions
       WHERE job_id = ANY($1::uuid[]) AND scheduled_at >= $2::timestamptz
       ORDER BY job_id, scheduled_at, trigger, attempt DESC
     ) latest
     WHERE status IN ('SUCCEEDED', 'FAILED', 'LOST')
     GROUP BY job_id
     ORDER BY job_id`,
    [params.jobIds, params.since.toISOString()],
  );
  return result.rows.map((row) => ({ jobId: row.job_id, succeeded: row.succeeded, failed: row.failed }));
}

/**
 * Attempts taken on for sending (every status but MISSED and SKIPPED) in the last
 * `windowMs` by the database's clock, across all nodes: the cluster's firing rate.
 */
export async function executionCountRecent(db: Queryable, params: { readonly windowMs: number }): Promise<number> {
  const result = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM executions
     WHERE created_at > now() - $1::int * interval '1 millisecond'
       AND status NOT IN ('MISSED', 'SKIPPED')`,
    [params.windowMs],
  );
  return result.rows[0]?.count ?? 0;
}
