import { uuidv7 } from '../../ids.js';
import type { Db } from '../db.js';
import type { BackfillSkipped, DeliveryGuarantee, ExecutionBackfillParams, ExecutionBackfillResult } from '../types.js';
import { FROM_MILLIS, plainArray } from './arrays.js';
import { leasesMaterializeOfJob } from './leases.js';

/** What a backfill does with one occurrence, from the attempts it already has. */
export type BackfillVerdict = 'fire' | 'queued' | keyof BackfillSkipped;

interface Attempt {
  readonly trigger: string;
  readonly status: string;
}

/**
 * The rule of a backfill, for one occurrence and its scheduled and backfilled attempts:
 *  - a backfill attempt other than SKIPPED: already backfilled ('queued'), never fired twice;
 *  - any attempt SUCCEEDED: nothing to do;
 *  - a scheduled attempt still open: the engine is on it;
 *  - AT_MOST_ONCE and an attempt FAILED or LOST: its request may have reached the target,
 *    and a second one could deliver it twice;
 *  - otherwise (no attempt, MISSED, SKIPPED, or FAILED/LOST of an AT_LEAST_ONCE job): fire.
 */
export function backfillVerdict(type: DeliveryGuarantee, attempts: readonly Attempt[]): BackfillVerdict {
  if (attempts.some((a) => a.trigger === 'backfill' && a.status !== 'SKIPPED')) return 'queued';
  if (attempts.some((a) => a.status === 'SUCCEEDED')) return 'succeeded';
  if (attempts.some((a) => a.status === 'SCHEDULED' || a.status === 'RUNNING')) return 'inProgress';
  if (type === 'AT_MOST_ONCE' && attempts.some((a) => a.status === 'FAILED' || a.status === 'LOST')) return 'maybeSent';
  return 'fire';
}

/**
 * The backfill of one job in one transaction. The job row is locked (FOR NO KEY UPDATE, which
 * the foreign-key checks of concurrent inserts into executions do not wait for) so two
 * backfills of one job, on any nodes, queue one after the other: the second sees the first's
 * rows, fires none of them again and spaces its own after them.
 */
export async function backfillOccurrences(db: Db, params: ExecutionBackfillParams): Promise<ExecutionBackfillResult | null> {
  return db.transaction(async (tx) => {
    const job = await tx.query<{ type: DeliveryGuarantee }>('SELECT type FROM jobs WHERE id = $1 FOR NO KEY UPDATE', [params.jobId]);
    const type = job.rows[0]?.type;
    if (type === undefined) return null;
    const times = params.occurrences.map((date) => date.getTime());
    if (times.length === 0) return { occurrences: [], queued: 0, skipped: { succeeded: 0, inProgress: 0, maybeSent: 0 }, firstDueAt: null, lastDueAt: null };
    // An occurrence a node holds under a lease has no row yet: give it one, so that it reads
    // as in progress below like any other.
    await leasesMaterializeOfJob(tx, params.jobId);
    // The range bounds the scan of the unique index to the job's rows of [first, last]: without
    // it the planner may read the job's whole history and hash it.
    const existing = await tx.query<{ scheduled_ms: string; trigger: string; status: string }>(
      `SELECT c.ms::text AS scheduled_ms, e.trigger, e.status
       FROM unnest($2::bigint[]) AS c(ms)
       JOIN executions e ON e.job_id = $1 AND e.scheduled_at = ${FROM_MILLIS('c.ms')} AND e.trigger IN ('schedule', 'backfill')
       WHERE e.scheduled_at BETWEEN ${FROM_MILLIS('$3::bigint')} AND ${FROM_MILLIS('$4::bigint')}`,
      [params.jobId, plainArray(times, (ms) => ms), Math.min(...times), Math.max(...times)],
    );
    const attempts = new Map<number, Attempt[]>();
    for (const row of existing.rows) {
      const ms = Number(row.scheduled_ms);
      const list = attempts.get(ms) ?? [];
      list.push(row);
      attempts.set(ms, list);
    }
    const skipped = { succeeded: 0, inProgress: 0, maybeSent: 0 };
    const fired: number[] = [];
    const toQueue: number[] = [];
    for (const ms of times) {
      const verdict = backfillVerdict(type, attempts.get(ms) ?? []);
      if (verdict === 'fire' || verdict === 'queued') fired.push(ms);
      if (verdict === 'fire') toQueue.push(ms);
      else if (verdict !== 'queued') skipped[verdict]++;
    }
    if (toQueue.length === 0) return { occurrences: fired.map((ms) => new Date(ms)), queued: 0, skipped, firstDueAt: null, lastDueAt: null };

    // Pending backfill work of the job along executions_job_open_idx: new firings follow it.
    const pending = await tx.query<{ last_due: Date | null }>(
      `SELECT max(due_at) AS last_due FROM executions WHERE job_id = $1 AND status = 'SCHEDULED' AND trigger = 'backfill'`,
      [params.jobId],
    );
    const lastDue = pending.rows[0]?.last_due?.getTime() ?? null;
    const start = lastDue === null ? params.now.getTime() : Math.max(params.now.getTime(), lastDue + params.intervalMs);
    const due = toQueue.map((_, i) => start + i * params.intervalMs);
    await tx.query(
      `INSERT INTO executions AS e (id, job_id, scheduled_at, trigger, attempt, due_at, status)
       SELECT u.id, $1, ${FROM_MILLIS('u.scheduled_ms')}, 'backfill', 1, ${FROM_MILLIS('u.due_ms')}, 'SCHEDULED'
       FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS u(id, scheduled_ms, due_ms)
       ON CONFLICT (job_id, scheduled_at, trigger, attempt) DO UPDATE
       SET due_at = excluded.due_at, status = 'SCHEDULED', owner_node = NULL, started_at = NULL, finished_at = NULL,
           duration_ms = NULL, http_status = NULL, error = NULL
       WHERE e.status = 'SKIPPED'`,
      [
        params.jobId,
        plainArray(toQueue, () => uuidv7(params.now.getTime())),
        plainArray(toQueue, (ms) => ms),
        plainArray(due, (ms) => ms),
      ],
    );
    return {
      occurrences: fired.map((ms) => new Date(ms)),
      queued: toQueue.length,
      skipped,
      firstDueAt: new Date(due[0]!),
      lastDueAt: new Date(due.at(-1)!),
    };
  });
}
