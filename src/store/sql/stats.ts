import type { Queryable } from '../db.js';
import type { JobOutcomeCounts, TimelineBucket, TimelineParams } from '../types.js';

/**
 * Read-only figures for the dashboard. Both queries are bounded by an index: the first by
 * the (job_id, scheduled_at, ...) unique index, one range per job; the second by the BRIN
 * index on created_at, which reads only the most recent block ranges. Each also bounds
 * scheduled_at, the partition key, so it reads only the partitions of the recent past.
 */

/**
 * How long before the window an attempt's occurrence may have been scheduled and the attempt
 * still be counted in the recent figures: a retry keeps its occurrence's scheduled time, and
 * a bound on scheduled_at is what lets these queries skip older partitions. Retries of
 * occurrences older than this (a long chain of long backoffs) are left out of the charts.
 */
export const RECENT_SCHEDULED_MARGIN_MS = 60 * 60 * 1000;

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
       AND scheduled_at > now() - ($1::int + $2::int) * interval '1 millisecond'
       AND status NOT IN ('MISSED', 'SKIPPED')`,
    [params.windowMs, RECENT_SCHEDULED_MARGIN_MS],
  );
  return result.rows[0]?.count ?? 0;
}

/**
 * How long before it starts an attempt's row may have been written and still be found: the
 * range on created_at is what keeps this query on the BRIN index. Attempts planned further
 * ahead (retries after a long backoff) are left out of the timeline.
 */
export const TIMELINE_CREATED_MARGIN_MS = 10 * 60 * 1000;

/**
 * Attempts started in the last `windowMs`, counted per `bucketMs` slice, with the failures
 * among them and lateness percentiles: the cluster page's charts, from the history of every
 * node rather than one node's memory. Slices with nothing started are filled in as zeros.
 */
export async function executionTimeline(db: Queryable, params: TimelineParams): Promise<TimelineBucket[]> {
  const result = await db.query<{ end_ms: string; back: number; started: number; failed: number; p50: number | null; p95: number | null; p99: number | null }>(
    `WITH clock AS (SELECT coalesce($1::timestamptz, now()) AS now),
     recent AS (
       SELECT e.started_at, e.due_at, e.status, c.now
       FROM executions e, clock c
       WHERE e.created_at > c.now - ($2::int + $4::int) * interval '1 millisecond'
         AND e.scheduled_at > coalesce($1::timestamptz, now()) - ($2::int + $5::int) * interval '1 millisecond'
         AND e.started_at > c.now - $2::int * interval '1 millisecond'
         AND e.started_at <= c.now
     )
     SELECT (extract(epoch FROM (SELECT now FROM clock)) * 1000)::bigint::text AS end_ms,
       floor(extract(epoch FROM (now - started_at)) * 1000 / $3::int)::int AS back,
       count(*)::int AS started,
       count(*) FILTER (WHERE status IN ('FAILED', 'LOST'))::int AS failed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - due_at) * 1000) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - due_at) * 1000) AS p95,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - due_at) * 1000) AS p99
     FROM recent
     GROUP BY back
     UNION ALL
     SELECT (extract(epoch FROM now) * 1000)::bigint::text, -1, 0, 0, NULL, NULL, NULL FROM clock`,
    [params.now?.toISOString() ?? null, params.windowMs, params.bucketMs, TIMELINE_CREATED_MARGIN_MS, RECENT_SCHEDULED_MARGIN_MS],
  );
  // The row with back = -1 carries the window's end even when nothing started.
  const endMs = Number(result.rows.find((row) => row.back === -1)!.end_ms);
  const count = Math.ceil(params.windowMs / params.bucketMs);
  const byBack = new Map(result.rows.filter((row) => row.back >= 0).map((row) => [row.back, row]));
  return Array.from({ length: count }, (_, index) => {
    const back = count - 1 - index;
    const row = byBack.get(back);
    return {
      start: new Date(endMs - (back + 1) * params.bucketMs),
      started: row?.started ?? 0,
      failed: row?.failed ?? 0,
      latenessP50Ms: row?.p50 ?? null,
      latenessP95Ms: row?.p95 ?? null,
      latenessP99Ms: row?.p99 ?? null,
    };
  });
}
