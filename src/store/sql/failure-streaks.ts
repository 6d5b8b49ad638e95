import type { Queryable } from '../db.js';
import type { AutoPausedJob, ExecutionCompletion } from '../types.js';
import { named } from '../statement.js';
import { textArray } from './arrays.js';
import { COMPLETION_MATCH, COMPLETION_SET, completionValues, JOIN_ROW_BY_ROW } from './executions.js';

/** Longest excerpt of the last failure's error kept in an auto-pause reason. */
const REASON_ERROR_CHARS = 200;

export interface AutoPausedRow {
  id: string;
  name: string | null;
  on_failure: string | null;
  pause_after_failures: number;
  consecutive_failures: number;
  paused_reason: string;
  paused_at: Date;
  execution_id: string;
  scheduled_at: Date;
  http_status: number | null;
  error: string | null;
}

const COMPLETE_COUNTING_STREAKS = named(
  'executions_complete_counting_streaks',
  `WITH done AS (
     UPDATE executions e
     SET ${COMPLETION_SET}
     FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::text[], $9::timestamptz[], $10::text[])
       AS u(id, status, started_ms, finished_ms, duration_ms, http_status, error, scheduled_at, streak)
     WHERE ${COMPLETION_MATCH}
     RETURNING e.id, e.job_id, e.scheduled_at, e.finished_at, e.http_status, e.error, u.streak
   ), ordered AS (
     -- segment: successes up to and including this outcome; failures of segment 0 extend the
     -- job's stored run, later segments start from 0.
     SELECT d.*, count(*) FILTER (WHERE d.streak = 'SUCCEEDED') OVER (PARTITION BY d.job_id ORDER BY d.finished_at, d.id) AS segment
     FROM done d WHERE d.streak IS NOT NULL
   ), outcomes AS (
     SELECT o.*, count(*) FILTER (WHERE o.streak = 'FAILED') OVER (PARTITION BY o.job_id, o.segment ORDER BY o.finished_at, o.id) AS run
     FROM ordered o
   ), locked AS MATERIALIZED (
     -- Driven from this write's few jobs (one primary key lookup each), never a scan of jobs.
     SELECT j.id, j.consecutive_failures, j.pause_after_failures
     FROM (SELECT job_id, bool_or(streak = 'FAILED') AS failed FROM outcomes GROUP BY job_id) o
     JOIN jobs j ON j.id = o.job_id
     WHERE j.is_active AND NOT j.paused AND j.pause_after_failures IS NOT NULL AND (j.consecutive_failures > 0 OR o.failed)
     ORDER BY j.id
     FOR UPDATE OF j
   ), runs AS (
     SELECT o.*, l.pause_after_failures, CASE WHEN o.segment = 0 THEN l.consecutive_failures ELSE 0 END + o.run AS length
     FROM outcomes o JOIN locked l ON l.id = o.job_id
   ), latest AS (
     SELECT DISTINCT ON (job_id) job_id, length FROM runs ORDER BY job_id, finished_at DESC, id DESC
   ), pausing AS (
     SELECT DISTINCT ON (job_id) * FROM runs
     WHERE streak = 'FAILED' AND length >= pause_after_failures
     ORDER BY job_id, finished_at, id
   ), counted AS (
     UPDATE jobs j
     SET consecutive_failures = coalesce(p.length, l.length),
         paused = p.id IS NOT NULL,
         paused_reason = CASE WHEN p.id IS NULL THEN j.paused_reason
           ELSE 'auto: ' || p.length || ' consecutive failures, last: '
             || coalesce(left(p.error, ${REASON_ERROR_CHARS}), 'HTTP ' || p.http_status, 'no answer') END,
         paused_at = CASE WHEN p.id IS NULL THEN j.paused_at ELSE now() END,
         version = j.version + CASE WHEN p.id IS NULL THEN 0 ELSE 1 END,
         updated_at = CASE WHEN p.id IS NULL THEN j.updated_at ELSE now() END
     FROM latest l LEFT JOIN pausing p ON p.job_id = l.job_id
     WHERE j.id = l.job_id AND (p.id IS NOT NULL OR j.consecutive_failures <> l.length)
     RETURNING j.id, j.name, j.on_failure, j.pause_after_failures, j.consecutive_failures, j.paused_reason, j.paused_at, j.paused,
       p.id AS execution_id, p.scheduled_at, p.http_status, p.error
   ), stopped AS (
     UPDATE job_next_runs r SET runnable = false FROM counted c WHERE r.job_id = c.id AND c.paused
   )
   SELECT id, name, on_failure, pause_after_failures, consecutive_failures, paused_reason, paused_at,
     execution_id, scheduled_at, http_status, error
   FROM counted WHERE paused`,
);

/**
 * As executionCompleteMany, for a batch where some completions end an occurrence of a job
 * with pauseAfterFailures (`streak` set): in the same statement, each such job's
 * consecutive-failure count moves and a job whose count reaches its pauseAfterFailures is
 * paused, with the reason and the moment, its next run row made unrunnable beside it.
 *
 * Only attempts this statement actually completed count (a batch written twice counts once).
 * A job's outcomes count in the order they reach the database: writes from several nodes
 * queue on the job's row (FOR UPDATE below re-reads the count a concurrent write left), and
 * within one write they are taken in finish order. A success starts a new run at 0; outcomes
 * after the one that paused the job, and outcomes of a job already paused or inactive, do not
 * count. A success for a job whose count is already 0 locks and writes nothing.
 *
 * Runs in a transaction (see JOIN_ROW_BY_ROW: every join of the statement is a nested loop,
 * which the few jobs of a batch suit too). Returns the jobs this statement paused.
 */
export async function executionCompleteCountingStreaks(tx: Queryable, rows: readonly ExecutionCompletion[]): Promise<AutoPausedRow[]> {
  await tx.query(JOIN_ROW_BY_ROW);
  const result = await tx.query<AutoPausedRow>(COMPLETE_COUNTING_STREAKS, [...completionValues(rows), textArray(rows, (row) => row.streak ?? null)]);
  return result.rows;
}

export function toAutoPausedJob(row: AutoPausedRow): AutoPausedJob {
  return {
    jobId: row.id,
    jobName: row.name,
    onFailure: row.on_failure,
    pauseAfterFailures: row.pause_after_failures,
    consecutiveFailures: row.consecutive_failures,
    pausedReason: row.paused_reason,
    pausedAt: row.paused_at,
    executionId: row.execution_id,
    scheduledAt: row.scheduled_at,
    httpStatus: row.http_status,
    error: row.error,
  };
}
