import type { Queryable } from '../db.js';
import type { JobCreateParams, JobListParams, JobPatch } from '../types.js';
import { FROM_MILLIS, millisOrNull, plainArray, textArray, type PlainElement } from './arrays.js';
import { jobColumns, nextRunJoin, type JobRowWithLastRun } from './rows.js';

/** Statuses of attempts that are over; the latest of them gives a job's lastRunAt/lastStatus. */
const LAST_RUN_JOIN = `
  LEFT JOIN LATERAL (
    SELECT e.scheduled_at, e.status
    FROM executions e
    WHERE e.job_id = j.id AND e.status NOT IN ('SCHEDULED', 'RUNNING')
    ORDER BY e.scheduled_at DESC, e.trigger DESC, e.attempt DESC
    LIMIT 1
  ) last_run ON true`;

const SELECT_WITH_LAST_RUN = `${jobColumns('j')}, j.set_aside_reason, j.set_aside_at, j.paused_reason, j.paused_at,
  j.ended_by, j.consecutive_failures, last_run.scheduled_at AS last_run_at, last_run.status AS last_status`;

/** The jobs of a query (aliased j) with their next run and last run. */
const WITH_RUNS = `${nextRunJoin('j')} ${LAST_RUN_JOIN}`;

/** created_at as whole microseconds since the epoch, exact, for keyset cursors. */
export const MICROS = (column: string): string => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
export const FROM_MICROS = (param: string): string => `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;

/** What the database filled in for every row of one insert (the columns' defaults). */
export interface JobInsertDefaults {
  version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * Inserts all jobs in one statement. The caller already holds every value it sent, so
 * instead of the rows only the defaults come back, once: they are the same for all rows
 * (now() is the transaction's start), and reading and parsing 1,000 full rows cost more
 * than the insert itself. Grouping makes any difference between rows visible rather than
 * hidden, should a migration ever give a column a per-row default.
 */
export async function jobInsertMany(db: Queryable, jobs: readonly JobCreateParams[]): Promise<JobInsertDefaults> {
  const plain = (pick: (job: JobCreateParams) => PlainElement): string => plainArray(jobs, pick);
  const text = (pick: (job: JobCreateParams) => string | null): string => textArray(jobs, pick);
  const result = await db.query<JobInsertDefaults & { row_count: number }>(
    `WITH inserted AS (
       INSERT INTO jobs (id, name, description, schedule, run_at, timezone, api, method, headers, payload,
         timeout_ms, type, max_attempts, min_backoff_ms, max_backoff_ms, misfire_policy, overlap_policy,
         on_failure, is_active, paused, pause_after_failures, start_at, end_at, max_runs, jitter_ms)
       SELECT u.id, u.name, u.description, u.schedule, ${FROM_MILLIS('u.run_at_ms')}, u.timezone, u.api, u.method,
         u.headers::jsonb, u.payload::jsonb, u.timeout_ms, u.type, u.max_attempts, u.min_backoff_ms, u.max_backoff_ms,
         u.misfire_policy, u.overlap_policy, u.on_failure, u.is_active, u.paused, u.pause_after_failures,
         ${FROM_MILLIS('u.start_ms')}, ${FROM_MILLIS('u.end_ms')}, u.max_runs, u.jitter_ms
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::text[], $11::int[], $12::text[], $13::int[], $14::int[], $15::int[], $16::text[], $17::text[],
         $18::text[], $19::boolean[], $20::boolean[], $22::int[], $23::bigint[], $24::bigint[], $25::int[], $27::int[])
         AS u(id, name, description, schedule, run_at_ms, timezone, api, method, headers, payload, timeout_ms, type,
           max_attempts, min_backoff_ms, max_backoff_ms, misfire_policy, overlap_policy, on_failure, is_active, paused,
           pause_after_failures, start_ms, end_ms, max_runs, jitter_ms)
       RETURNING id, is_active, paused, version, created_at, updated_at
     ), next_runs AS (
       INSERT INTO job_next_runs (job_id, next_run_at, next_due_at, runnable, shard)
       SELECT i.id, ${FROM_MILLIS('u.next_run_at_ms')}, ${FROM_MILLIS('coalesce(u.next_due_at_ms, u.next_run_at_ms)')}, i.is_active AND NOT i.paused, ${SHARD_OF('i.id')}
       FROM inserted i JOIN unnest($1::uuid[], $21::bigint[], $26::bigint[]) AS u(id, next_run_at_ms, next_due_at_ms) ON u.id = i.id
     )
     SELECT version, created_at, updated_at, count(*)::int AS row_count FROM inserted GROUP BY version, created_at, updated_at`,
    [
      plain((job) => job.id),
      text((job) => job.name),
      text((job) => job.description),
      text((job) => job.schedule),
      plain((job) => millisOrNull(job.runAt)),
      text((job) => job.timezone),
      text((job) => job.api),
      text((job) => job.method),
      text((job) => JSON.stringify(job.headers)),
      text((job) => (job.payload === null ? null : JSON.stringify(job.payload))),
      plain((job) => job.timeoutMs),
      text((job) => job.type),
      plain((job) => job.retry.maxAttempts),
      plain((job) => job.retry.minBackoffMs),
      plain((job) => job.retry.maxBackoffMs),
      text((job) => job.misfirePolicy),
      text((job) => job.overlapPolicy),
      text((job) => job.onFailure),
      plain((job) => job.isActive),
      plain((job) => job.paused),
      plain((job) => millisOrNull(job.nextRunAt)),
      plain((job) => job.pauseAfterFailures),
      plain((job) => millisOrNull(job.startAt)),
      plain((job) => millisOrNull(job.endAt)),
      plain((job) => job.maxRuns),
      plain((job) => millisOrNull(job.nextDueAt ?? null)),
      plain((job) => job.jitterMs),
    ],
  );
  const [defaults, ...others] = result.rows;
  if (defaults === undefined || others.length > 0 || defaults.row_count !== jobs.length) {
    throw new Error(`jobInsertMany: expected ${jobs.length} rows sharing one set of defaults, got ${JSON.stringify(result.rows)}`);
  }
  return { version: defaults.version, created_at: defaults.created_at, updated_at: defaults.updated_at };
}

export async function jobSelectById(db: Queryable, id: string): Promise<JobRowWithLastRun | null> {
  const result = await db.query<JobRowWithLastRun>(`SELECT ${SELECT_WITH_LAST_RUN} FROM jobs j ${WITH_RUNS} WHERE j.id = $1`, [id]);
  return result.rows[0] ?? null;
}

export interface JobListRow extends JobRowWithLastRun {
  created_us: string;
}

/**
 * One page in (created_at, id) order, oldest or newest first, plus one row to tell whether
 * another page follows. The cursor is the last row's (created_at, id), read in the same order.
 */
export async function jobSelectPage(
  db: Queryable,
  params: Omit<JobListParams, 'cursor'> & { after: { createdUs: string; id: string } | null },
): Promise<JobListRow[]> {
  const newest = params.order === 'newest';
  const result = await db.query<JobListRow>(
    `SELECT ${SELECT_WITH_LAST_RUN}, ${MICROS('j.created_at')} AS created_us
     FROM jobs j ${WITH_RUNS}
     WHERE ($1::boolean IS NULL OR j.is_active = $1)
       AND ($2::text IS NULL OR j.name ILIKE $2 ESCAPE '\\')
       AND ($3::text IS NULL OR (j.created_at, j.id) ${newest ? '<' : '>'} (${FROM_MICROS('$3')}, $4::uuid))
       AND ($6::boolean IS NULL OR j.paused = $6)
       AND ($7::text IS NULL OR j.type = $7)
       AND ($8::text IS NULL OR last_run.status = $8 OR ($8 = 'never' AND last_run.status IS NULL))
     ORDER BY j.created_at ${newest ? 'DESC' : 'ASC'}, j.id ${newest ? 'DESC' : 'ASC'}
     LIMIT $5`,
    [
      params.active ?? null,
      params.name === undefined ? null : `%${escapeLike(params.name)}%`,
      params.after?.createdUs ?? null,
      params.after?.id ?? null,
      params.limit + 1,
      params.paused ?? null,
      params.type ?? null,
      params.lastStatus ?? null,
    ],
  );
  return result.rows;
}

/** Patch field -> column and how its value is written. */
const PATCH_COLUMNS: Record<string, { column: string; cast: string; value: (patch: JobPatch) => unknown }> = {
  name: { column: 'name', cast: 'text', value: (p) => p.name },
  description: { column: 'description', cast: 'text', value: (p) => p.description },
  schedule: { column: 'schedule', cast: 'text', value: (p) => p.schedule },
  runAt: { column: 'run_at', cast: 'timestamptz', value: (p) => isoOrNull(p.runAt ?? null) },
  timezone: { column: 'timezone', cast: 'text', value: (p) => p.timezone },
  api: { column: 'api', cast: 'text', value: (p) => p.api },
  method: { column: 'method', cast: 'text', value: (p) => p.method },
  headers: { column: 'headers', cast: 'text::jsonb', value: (p) => JSON.stringify(p.headers) },
  payload: { column: 'payload', cast: 'text::jsonb', value: (p) => (p.payload === null ? null : JSON.stringify(p.payload)) },
  timeoutMs: { column: 'timeout_ms', cast: 'int', value: (p) => p.timeoutMs },
  type: { column: 'type', cast: 'text', value: (p) => p.type },
  misfirePolicy: { column: 'misfire_policy', cast: 'text', value: (p) => p.misfirePolicy },
  overlapPolicy: { column: 'overlap_policy', cast: 'text', value: (p) => p.overlapPolicy },
  onFailure: { column: 'on_failure', cast: 'text', value: (p) => p.onFailure },
  isActive: { column: 'is_active', cast: 'boolean', value: (p) => p.isActive },
  paused: { column: 'paused', cast: 'boolean', value: (p) => p.paused },
  pauseAfterFailures: { column: 'pause_after_failures', cast: 'int', value: (p) => p.pauseAfterFailures },
  startAt: { column: 'start_at', cast: 'timestamptz', value: (p) => isoOrNull(p.startAt ?? null) },
  endAt: { column: 'end_at', cast: 'timestamptz', value: (p) => isoOrNull(p.endAt ?? null) },
  maxRuns: { column: 'max_runs', cast: 'int', value: (p) => p.maxRuns },
  pausedReason: { column: 'paused_reason', cast: 'text', value: (p) => p.pausedReason },
  pausedAt: { column: 'paused_at', cast: 'timestamptz', value: (p) => isoOrNull(p.pausedAt ?? null) },
  endedBy: { column: 'ended_by', cast: 'text', value: (p) => p.endedBy },
  consecutiveFailures: { column: 'consecutive_failures', cast: 'int', value: (p) => p.consecutiveFailures },
  jitterMs: { column: 'jitter_ms', cast: 'int', value: (p) => p.jitterMs },
};

/**
 * Applies the fields present in `patch`, bumps version and updated_at. Returns null when no
 * row matched (unknown id, or a version other than `expectedVersion`).
 */
export async function jobUpdateById(
  db: Queryable,
  params: { id: string; patch: JobPatch; expectedVersion: number | null },
): Promise<JobRowWithLastRun | null> {
  const values: unknown[] = [params.id, params.expectedVersion];
  const sets: string[] = [];
  const set = (column: string, cast: string, value: unknown): void => {
    values.push(value);
    sets.push(`${column} = $${values.length}::${cast}`);
  };
  for (const [field, spec] of Object.entries(PATCH_COLUMNS)) {
    if (params.patch[field as keyof JobPatch] !== undefined) set(spec.column, spec.cast, spec.value(params.patch));
  }
  const { retry, isActive } = params.patch;
  if (retry !== undefined) {
    set('max_attempts', 'int', retry.maxAttempts);
    set('min_backoff_ms', 'int', retry.minBackoffMs);
    set('max_backoff_ms', 'int', retry.maxBackoffMs);
  }
  // Reactivating a soft-deleted job brings it back: it is no longer deleted.
  if (isActive === true) sets.push('deleted_at = NULL');
  // The job's next run row changes in the same statement: a claim holding it (FOR UPDATE)
  // makes this update wait, so a claim never plans from a schedule this update replaced.
  const nextRun = params.patch.nextRunAt;
  values.push(nextRun !== undefined, isoOrNull(nextRun ?? null), isoOrNull(params.patch.nextDueAt ?? nextRun ?? null));
  const setNext = `$${values.length - 2}::boolean`;
  const next = `$${values.length - 1}::timestamptz`;
  const nextDue = `$${values.length}::timestamptz`;
  // A new next occurrence was planned from the changed job: whatever set it aside is gone.
  if (params.patch.nextRunAt !== undefined) sets.push('set_aside_reason = NULL', 'set_aside_at = NULL');
  const result = await db.query<JobRowWithLastRun>(
    `WITH updated AS (
       UPDATE jobs SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
       WHERE id = $1 AND ($2::int IS NULL OR version = $2)
       RETURNING *
     ), n AS (
       UPDATE job_next_runs r
       SET next_run_at = CASE WHEN ${setNext} THEN ${next} ELSE r.next_run_at END,
           next_due_at = CASE WHEN ${setNext} THEN ${nextDue} ELSE r.next_due_at END,
           runnable = u.is_active AND NOT u.paused
       FROM updated u WHERE r.job_id = u.id
       RETURNING r.*
     )
     SELECT ${SELECT_WITH_LAST_RUN} FROM updated j JOIN n ON n.job_id = j.id ${LAST_RUN_JOIN}`,
    values,
  );
  return result.rows[0] ?? null;
}

export async function jobSelectVersion(db: Queryable, id: string): Promise<number | null> {
  const result = await db.query<{ version: number }>('SELECT version FROM jobs WHERE id = $1', [id]);
  return result.rows[0]?.version ?? null;
}

/** Deactivates and marks deleted; a second delete changes nothing (same version, same deletedAt). */
export async function jobMarkDeleted(db: Queryable, id: string): Promise<JobRowWithLastRun | null> {
  const result = await db.query<JobRowWithLastRun>(
    `WITH updated AS (
       UPDATE jobs
       SET is_active = false,
           deleted_at = coalesce(deleted_at, now()),
           version = version + CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END,
           updated_at = CASE WHEN deleted_at IS NULL THEN now() ELSE updated_at END
       WHERE id = $1
       RETURNING *
     ), n AS (
       UPDATE job_next_runs r SET runnable = false FROM updated u WHERE r.job_id = u.id RETURNING r.*
     )
     SELECT ${SELECT_WITH_LAST_RUN} FROM updated j JOIN n ON n.job_id = j.id ${LAST_RUN_JOIN}`,
    [id],
  );
  return result.rows[0] ?? null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** A job's shard (0..1023, see migration 0004): ten random low bits of its id. */
export const SHARD_OF = (id: string): string => `get_byte(uuid_send(${id}), 15) + 256 * (get_byte(uuid_send(${id}), 14) & 3)`;

export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
