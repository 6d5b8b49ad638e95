import { uuidv7 } from '../../ids.js';
import { FROM_MILLIS, millisOrNull, plainArray, TO_MILLIS } from './arrays.js';
import type { Db, Queryable } from '../db.js';
import { againToleratingDuplicates } from '../errors.js';
import { named } from '../statement.js';
import type { JobBound, ClaimedAttempt, ClaimHorizon, ClaimHorizonParams, ClaimLease, ClaimShare, ExecutionClaimDueParams, ExecutionInsert, ExecutionRecord, ExecutionListOwnedParams, JobClaimDueParams, ScheduledJob } from '../types.js';
import { executionInsertManyReturningIds } from './executions.js';
import { leaseInsert, leasesMaterializeOwnDueBefore, type LeaseEntry } from './leases.js';
import {
  executionColumns,
  jobColumns,
  nextRunJoin,
  prefixedJobColumns,
  toExecutionRecord,
  toScheduledJob,
  unprefixJob,
  type ExecutionRow,
  type JobRow,
} from './rows.js';

/**
 * Due jobs in due order, their next run rows locked; $1 until, $2 limit, $3..$5 the share:
 * its own shard, or due before othersUntil. "Due" is next_due_at: the next occurrence plus its
 * jitter, so a job whose occurrence is delayed is claimed a look-ahead before it leaves.
 */
const selectDueForUpdate = (columns: string): string =>
  `SELECT ${columns}
   FROM job_next_runs n JOIN jobs j ON j.id = n.job_id
   WHERE n.runnable AND n.next_due_at IS NOT NULL AND n.next_due_at <= $1 AND n.next_run_at IS NOT NULL
     AND ($3::int IS NULL OR n.shard % $3::int = $4::int OR n.next_due_at <= $5::timestamptz)
   ORDER BY n.next_due_at
   LIMIT $2
   FOR UPDATE OF n SKIP LOCKED`;

const DUE_JOBS_FOR_UPDATE = named('claim_due_jobs', selectDueForUpdate(`${jobColumns('j')}, n.planned_through`));
const DUE_JOB_VERSIONS_FOR_UPDATE = named(
  'claim_due_job_versions',
  selectDueForUpdate(`n.job_id AS id, j.version, ${TO_MILLIS('n.next_run_at')} AS next_run_ms, n.run_count, ${TO_MILLIS('n.planned_through')} AS planned_through_ms`),
);
const JOBS_BY_ID = named('claim_jobs_by_id', `SELECT ${jobColumns('j')} FROM jobs j ${nextRunJoin('j')} WHERE j.id = ANY($1::uuid[])`);

function dueParams(params: { until: Date; limit: number; share?: ClaimShare | null }): unknown[] {
  const { share } = params;
  return [params.until.toISOString(), params.limit, share?.count ?? null, share?.index ?? null, share?.othersUntil.toISOString() ?? null];
}

/**
 * Due jobs, their next run rows locked for this transaction; jobs another claimer holds are
 * skipped, not waited for. Only the narrow next run row is locked and then updated: an update
 * of the job itself (PATCH, pause, delete) changes that row too, so it waits for the claim.
 */
async function jobSelectDueForUpdate(db: Queryable, params: { until: Date; limit: number; share?: ClaimShare | null }): Promise<(JobRow & PlannedThrough)[]> {
  const result = await db.query<JobRow & PlannedThrough>(DUE_JOBS_FOR_UPDATE, dueParams(params));
  return result.rows;
}

interface PlannedThrough {
  readonly planned_through: Date | null;
}

/**
 * As jobSelectDueForUpdate, but only the id, version and next run of each due job: a node
 * keeps the jobs it fires (KnownJobs) and reads a whole job only when its version is new to
 * it. Reading and parsing every column of every due job at every claim (headers and payload
 * as JSON, five timestamps) cost the node about 10 us per job and PostgreSQL about 1.5. Its
 * two timestamps come as numbers (TO_MILLIS), as the claim uses them.
 */
async function dueJobVersionsForUpdate(db: Queryable, params: JobClaimDueParams): Promise<DueVersionRow[]> {
  const result = await db.query<DueVersionRow>(DUE_JOB_VERSIONS_FOR_UPDATE, dueParams(params));
  return result.rows;
}

interface DueVersionRow {
  readonly id: string;
  readonly version: number;
  readonly next_run_ms: number;
  readonly run_count: number;
  readonly planned_through_ms: number | null;
}

/** A due job, and the latest occurrence a claim planned for it before (none is planned again). */
interface DueJob {
  readonly job: ScheduledJob;
  /** Milliseconds since the epoch, as the claim compares and writes it back. */
  readonly plannedThroughMs: number | null;
}

/** The due jobs of a claim, as of their locked next run rows, from the node's known jobs where it can. */
async function dueJobs(db: Queryable, params: JobClaimDueParams): Promise<DueJob[]> {
  const known = params.knownJobs;
  if (!known) return (await jobSelectDueForUpdate(db, params)).map((row) => ({ job: toScheduledJob(row), plannedThroughMs: millisOrNull(row.planned_through) }));
  const due = await dueJobVersionsForUpdate(db, params);
  const unknown = due.filter((row) => known.get(row.id, row.version) === undefined).map((row) => row.id);
  const read = new Map<string, ScheduledJob>();
  if (unknown.length > 0) {
    const { rows } = await db.query<JobRow>(JOBS_BY_ID, [unknown]);
    for (const row of rows) {
      const job = toScheduledJob(row);
      read.set(job.id, job);
      known.remember(job);
    }
  }
  const jobs: DueJob[] = [];
  for (const row of due) {
    const job = read.get(row.id) ?? known.get(row.id, row.version);
    // Read within this transaction: a job deleted in between is simply not claimed. The next
    // run row moves without the job's version: its columns come from the row just locked.
    if (!job) continue;
    const current = job.nextRunAt?.getTime() === row.next_run_ms && job.runCount === row.run_count;
    jobs.push({ job: current ? job : { ...job, nextRunAt: new Date(row.next_run_ms), runCount: row.run_count }, plannedThroughMs: row.planned_through_ms });
  }
  return jobs;
}

interface JobAdvance {
  readonly id: string;
  readonly nextRunAt: Date | null;
  /** Scheduled occurrences this claim hands to a node (added to run_count). */
  readonly fired: number;
  /** Absent: nextRunAt (no jitter). */
  readonly nextDueAt?: Date | null;
  /** The latest occurrence this claim planned (fired or MISSED), in milliseconds since the epoch; null for none. */
  readonly plannedThroughMs: number | null;
  readonly deactivate: boolean;
  /** With deactivate, for a recurring job: the bound that ended it and why. */
  readonly ended: { readonly by: JobBound; readonly reason: string } | null;
}

const ADVANCE_NEXT_RUNS = named(
  'claim_advance_next_runs',
  `UPDATE job_next_runs n
   SET next_run_at = ${FROM_MILLIS('u.next_run_ms')}, next_due_at = ${FROM_MILLIS('coalesce(u.next_due_ms, u.next_run_ms)')},
     runnable = n.runnable AND NOT u.deactivate, run_count = n.run_count + u.fired,
     planned_through = greatest(n.planned_through, ${FROM_MILLIS('u.planned_ms')})
   FROM unnest($1::uuid[], $2::bigint[], $3::boolean[], $4::int[], $5::bigint[], $6::bigint[]) AS u(id, next_run_ms, deactivate, fired, next_due_ms, planned_ms)
   WHERE n.job_id = u.id`,
);

/**
 * Moves every claimed job's next run past the window and counts what it fired, in one
 * statement. Only jobs whose last occurrence this claim planned (deactivate) have their jobs
 * row written as well.
 */
export async function jobAdvanceMany(db: Queryable, rows: readonly JobAdvance[]): Promise<void> {
  await db.query(
    ADVANCE_NEXT_RUNS,
    [
      plainArray(rows, (row) => row.id),
      plainArray(rows, (row) => millisOrNull(row.nextRunAt)),
      plainArray(rows, (row) => row.deactivate),
      plainArray(rows, (row) => row.fired),
      plainArray(rows, (row) => millisOrNull(row.nextDueAt ?? null)),
      plainArray(rows, (row) => row.plannedThroughMs),
    ],
  );
  const finished = rows.filter((row) => row.deactivate);
  if (finished.length === 0) return;
  await db.query(
    `UPDATE jobs j
     SET is_active = false, updated_at = now(),
         -- Ending by a bound is a change a client acts on (If-Match, reactivation): it bumps the version.
         version = j.version + CASE WHEN u.reason IS NULL THEN 0 ELSE 1 END,
         paused_reason = coalesce(u.reason, j.paused_reason),
         paused_at = CASE WHEN u.reason IS NULL THEN j.paused_at ELSE now() END,
         ended_by = coalesce(u.ended_by, j.ended_by)
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, reason, ended_by)
     WHERE j.id = u.id`,
    [finished.map((row) => row.id), finished.map((row) => row.ended?.reason ?? null), finished.map((row) => row.ended?.by ?? null)],
  );
}

/**
 * The engine's claim: lock due jobs, plan each (pure), record every planned attempt and
 * MISSED row, advance the jobs. The attempts of jobs that allow overlap are leased: one
 * claim_leases row lists them all, and each gets its row when first written (leases.ts);
 * those of `forbid` jobs are inserted, since the overlap check of every node reads them.
 *
 * An occurrence is handed to exactly one node. Two claimers never plan one job at once (its
 * next run row is locked), and no claim plans an occurrence at or before the job's
 * planned_through, the latest one any claim planned; so even when an update moved a job's next
 * run back, its occurrences already handed out are not planned again. Inserted rows are also
 * kept unique by the constraint: a claim first inserts without skipping duplicates (a
 * speculative insertion costs every row), and should one exist (a row written before
 * planned_through was kept), the transaction fails whole and the claim is taken again,
 * skipping them; only rows it inserted come back.
 */
export function claimDueJobs(db: Db, params: JobClaimDueParams): Promise<ClaimedAttempt[]> {
  return againToleratingDuplicates((skipDuplicates) => claimInTransaction(db, params, skipDuplicates));
}

async function claimInTransaction(db: Db, params: JobClaimDueParams, skipDuplicates: boolean): Promise<ClaimedAttempt[]> {
  return db.transaction(async (tx) => {
    const due = await dueJobs(tx, params);
    if (due.length === 0) return [];
    const inserts: ExecutionInsert[] = [];
    const leased: LeaseEntry[] = [];
    const advances: JobAdvance[] = [];
    const jobs = new Map<string, ScheduledJob>();
    const idTime = params.now.getTime();
    const nodeId = params.nodeId;
    for (const { job, plannedThroughMs } of due) {
      const plan = params.plan(job);
      const after = plannedThroughMs ?? -Infinity;
      const leases = job.overlapPolicy !== 'forbid';
      let latest = -Infinity;
      let fired = 0;
      for (const { scheduledAt, dueAt } of plan.fire) {
        const at = scheduledAt.getTime();
        if (at <= after) continue;
        latest = Math.max(latest, at);
        fired++;
        const id = uuidv7(idTime);
        if (leases) leased.push({ id, jobId: job.id, scheduledAt, dueAt });
        else inserts.push({ id, jobId: job.id, scheduledAt, trigger: 'schedule', attempt: 1, dueAt, status: 'SCHEDULED', ownerNode: nodeId });
      }
      for (const scheduledAt of plan.missed) {
        const at = scheduledAt.getTime();
        if (at <= after) continue;
        latest = Math.max(latest, at);
        inserts.push({
          id: uuidv7(idTime),
          jobId: job.id,
          scheduledAt,
          trigger: 'schedule',
          attempt: 1,
          dueAt: scheduledAt,
          status: 'MISSED',
          ownerNode: null,
          finishedAt: params.now,
        });
      }
      advances.push({
        id: job.id,
        nextRunAt: plan.nextRunAt,
        nextDueAt: plan.nextDueAt,
        fired,
        deactivate: plan.deactivate,
        ended: plan.ended ?? null,
        plannedThroughMs: latest === -Infinity ? null : latest,
      });
      jobs.set(job.id, { ...job, nextRunAt: plan.nextRunAt, runCount: job.runCount + fired, isActive: job.isActive && !plan.deactivate });
    }
    const inserted = await executionInsertManyReturningIds(tx, inserts, { skipDuplicates });
    const claimed: ClaimedAttempt[] = [];
    if (leased.length > 0) {
      const lease: ClaimLease = { id: uuidv7(idTime), size: leased.length };
      const createdAt = await leaseInsert(tx, { id: lease.id, ownerNode: nodeId, attempts: leased });
      for (const { id, jobId, scheduledAt, dueAt } of leased) {
        const execution = claimedRecord(id, jobId, scheduledAt, dueAt, nodeId, createdAt);
        claimed.push({ execution, job: jobs.get(jobId)!, leased: { lease, execution } });
      }
    }
    await jobAdvanceMany(tx, advances);
    const byId = new Map(inserts.map((insert) => [insert.id, insert]));
    for (const { id, created_at: createdAt } of inserted) {
      const insert = byId.get(id)!;
      if (insert.status !== 'SCHEDULED') continue;
      claimed.push({ execution: claimedRecord(insert.id, insert.jobId, insert.scheduledAt, insert.dueAt, nodeId, createdAt), job: jobs.get(insert.jobId)! });
    }
    return claimed.sort((a, b) => a.execution.dueAt.getTime() - b.execution.dueAt.getTime());
  });
}

/** A first attempt of a scheduled occurrence as a claim hands it out. */
function claimedRecord(id: string, jobId: string, scheduledAt: Date, dueAt: Date, ownerNode: string, createdAt: Date): ExecutionRecord {
  // Spelled out: an object spread here cost more than the rest of the claim's loop.
  return {
    id,
    jobId,
    scheduledAt,
    trigger: 'schedule',
    attempt: 1,
    dueAt,
    status: 'SCHEDULED',
    ownerNode,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    httpStatus: null,
    error: null,
    override: null,
    createdAt,
  };
}

const JOB_PREFIX = 'job__';

/** Unowned attempts due by the parameter `until`: the look and the claim share it, and the partial index it follows. */
const unownedDueBy = (until: string): string => `status = 'SCHEDULED' AND owner_node IS NULL AND due_at <= ${until} AND scheduled_at <= ${until}`;

const ANY_UNOWNED_DUE = named('claim_any_unowned', `SELECT 1 FROM executions WHERE ${unownedDueBy('$1')} LIMIT 1`);
const CLAIM_UNOWNED_DUE = named(
  'claim_unowned',
  `WITH picked AS MATERIALIZED (
     SELECT id, scheduled_at FROM executions
     WHERE ${unownedDueBy('$2')}
     ORDER BY due_at
     LIMIT $3
     FOR UPDATE SKIP LOCKED
   ), claimed AS (
     UPDATE executions e SET owner_node = $1
     FROM picked WHERE e.id = picked.id AND e.scheduled_at = picked.scheduled_at
     RETURNING ${executionColumns('e')}
   )
   SELECT ${executionColumns('c')}, ${prefixedJobColumns('j', JOB_PREFIX)}
   FROM claimed c JOIN jobs j ON j.id = c.job_id ${nextRunJoin('j')}
   ORDER BY c.due_at`,
);

/**
 * Takes unowned due attempts. The MATERIALIZED CTE locks each candidate once (SKIP LOCKED
 * leaves rows another claimer holds to it); the planner cannot re-run it and pick twice.
 * An attempt is never due before its occurrence (due_at >= scheduled_at), so `scheduled_at <=
 * until` leaves out the partitions ahead; the update finds each picked row by its primary key.
 *
 * Every claim round of every node asks, and most find nothing: a look along the partial index
 * comes first, because planning the update costs PostgreSQL about 1.3 ms (it is planned for
 * every partition it could write) and the look about 0.3 ms.
 */
export async function claimUnownedExecutions(db: Queryable, params: ExecutionClaimDueParams): Promise<ClaimedAttempt[]> {
  const until = params.until.toISOString();
  const any = await db.query(ANY_UNOWNED_DUE, [until]);
  if (any.rows.length === 0) return [];
  const result = await db.query<ExecutionRow & Record<string, unknown>>(CLAIM_UNOWNED_DUE, [params.nodeId, until, params.limit]);
  return result.rows.map((row) => ({ execution: toExecutionRecord(row), job: toScheduledJob(unprefixJob(row, JOB_PREFIX)) }));
}

/** The earliest due runnable job, among those `shard` admits: the index on next_due_at, in order, first match. */
const earliestDue = (shard: string): string =>
  `(SELECT ${TO_MILLIS('n.next_due_at')} FROM job_next_runs n
    WHERE n.runnable AND n.next_due_at IS NOT NULL AND n.next_run_at IS NOT NULL AND ${shard}
    ORDER BY n.next_due_at LIMIT 1)`;

const CLAIM_HORIZON = named(
  'claim_horizon',
  `SELECT ${earliestDue('($1::int IS NULL OR n.shard % $1::int = $2::int)')} AS own_due_ms,
     ${earliestDue('true')} AS any_due_ms,
     EXISTS (SELECT 1 FROM executions WHERE ${unownedDueBy('$3::timestamptz')}) AS unowned_due`,
);

/**
 * Where claimable work begins, so that a claimer with nothing to do sleeps until then instead
 * of asking every interval (each empty round was a transaction and a look: four statements).
 * The job instants mirror the claim's own conditions (selectDueForUpdate); the unowned attempts
 * are the claim's look, since they are claimed a whole look-ahead ahead and a claimer never
 * sleeps longer than half of one.
 */
export async function claimHorizon(db: Queryable, params: ClaimHorizonParams): Promise<ClaimHorizon> {
  const { rows } = await db.query<{ own_due_ms: number | null; any_due_ms: number | null; unowned_due: boolean }>(CLAIM_HORIZON, [
    params.share?.count ?? null,
    params.share?.index ?? null,
    params.unownedUntil.toISOString(),
  ]);
  const row = rows[0]!;
  return { ownDueMs: row.own_due_ms, anyDueMs: row.any_due_ms, unownedDue: row.unowned_due };
}

/**
 * Open attempts a node owns, along executions_owner_open_idx; its leases whose attempts are all
 * due before `dueBefore` become rows first (what the node holds of them it completes later,
 * updating those rows).
 */
export async function executionSelectOwnedOpen(db: Queryable, params: ExecutionListOwnedParams): Promise<ClaimedAttempt[]> {
  await leasesMaterializeOwnDueBefore(db, params);
  const result = await db.query<ExecutionRow & Record<string, unknown>>(
    `SELECT ${executionColumns('e')}, ${prefixedJobColumns('j', JOB_PREFIX)}
     FROM executions e JOIN jobs j ON j.id = e.job_id ${nextRunJoin('j')}
     WHERE e.owner_node = $1 AND e.status IN ('SCHEDULED', 'RUNNING') AND e.due_at < $2
     ORDER BY e.due_at
     LIMIT $3`,
    [params.nodeId, params.dueBefore.toISOString(), params.limit],
  );
  return result.rows.map((row) => ({ execution: toExecutionRecord(row), job: toScheduledJob(unprefixJob(row, JOB_PREFIX)) }));
}
