import type { Queryable } from '../db.js';
import type { ExecutionCompletion, ExecutionInsert, ExecutionKeys, ExecutionMarkRunningParams, ExecutionReleaseParams, OverlapCandidate } from '../types.js';
import { FROM_MILLIS, millisOrNull, plainArray, textArray, type PlainElement } from './arrays.js';
import { FROM_MICROS, MICROS } from './jobs.js';
import { executionColumns, type ExecutionRow } from './rows.js';
import { named, type NamedStatement } from '../statement.js';

/** Longest error text kept per attempt; target responses can be arbitrarily long. */
export const ERROR_MAX_CHARS = 2000;

const INSERT_COLUMNS = 'id, job_id, scheduled_ms, trigger, attempt, due_ms, status, owner_node, started_ms, finished_ms, duration_ms, http_status, error';
const INSERT_TYPES = '$1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::int[], $6::bigint[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::int[], $12::int[], $13::text[]';

function insertValues(rows: readonly ExecutionInsert[], withOverrides: boolean): unknown[] {
  const plain = (pick: (row: ExecutionInsert) => PlainElement): string => plainArray(rows, pick);
  const text = (pick: (row: ExecutionInsert) => string | null): string => textArray(rows, pick);
  const values: unknown[] = [
    plain((row) => row.id),
    plain((row) => row.jobId),
    plain((row) => row.scheduledAt.getTime()),
    plain((row) => row.trigger),
    plain((row) => row.attempt),
    plain((row) => row.dueAt.getTime()),
    plain((row) => row.status),
    text((row) => row.ownerNode),
    plain((row) => millisOrNull(row.startedAt ?? null)),
    plain((row) => millisOrNull(row.finishedAt ?? null)),
    plain((row) => row.durationMs ?? null),
    plain((row) => row.httpStatus ?? null),
    text((row) => row.error ?? null),
    ERROR_MAX_CHARS,
  ];
  if (withOverrides) values.push(text((row) => (row.override ? JSON.stringify(row.override) : null)));
  return values;
}

/**
 * The insert statement. Only a batch that carries a run-now override (a manual run, or a
 * retry of one) names the override column: scheduled firings, nearly every row, send the
 * statement they always did, with no array of nulls beside it. Skipping duplicates makes
 * each row a speculative insertion, about a tenth of the claim's cost: the claim goes
 * without, and takes it only after a duplicate has failed it (claims.ts).
 */
function insertSelect(withOverrides: boolean, skipDuplicates: boolean): string {
  const arrays = withOverrides ? `${INSERT_TYPES}, $15::text[]` : INSERT_TYPES;
  const columns = withOverrides ? `${INSERT_COLUMNS}, override` : INSERT_COLUMNS;
  return `INSERT INTO executions AS e (id, job_id, scheduled_at, trigger, attempt, due_at, status, owner_node,
    started_at, finished_at, duration_ms, http_status, error${withOverrides ? ', override' : ''})
  SELECT u.id, u.job_id, ${FROM_MILLIS('u.scheduled_ms')}, u.trigger, u.attempt, ${FROM_MILLIS('u.due_ms')}, u.status, u.owner_node,
    ${FROM_MILLIS('u.started_ms')}, ${FROM_MILLIS('u.finished_ms')}, u.duration_ms, u.http_status, left(u.error, $14)${withOverrides ? ', u.override::jsonb' : ''}
  FROM unnest(${arrays}) AS u(${columns})${skipDuplicates ? `
  ON CONFLICT (job_id, scheduled_at, trigger, attempt) DO NOTHING` : ''}`;
}

/**
 * The inserts there are, by what they do with a duplicate and what they answer: skip it and
 * count (executionInsertMany); fail on it, or skip it, and return the ids inserted (the
 * claim's two passes, executionInsertManyReturningIds).
 */
type InsertForm = 'skip' | 'fail-returning-ids' | 'skip-returning-ids';
const INSERT_FORMS: readonly InsertForm[] = ['skip', 'fail-returning-ids', 'skip-returning-ids'];

function insertStatementOf(withOverrides: boolean, form: InsertForm): NamedStatement {
  const insert = insertSelect(withOverrides, form !== 'fail-returning-ids');
  const text = form === 'skip' ? insert : `${insert} RETURNING e.id, e.created_at`;
  return named(`executions_insert_${form.replaceAll('-', '_')}${withOverrides ? '_with_overrides' : ''}`, text);
}

/** By withOverrides, then by form. */
const INSERT_STATEMENTS = [false, true].map((withOverrides) => new Map(INSERT_FORMS.map((form) => [form, insertStatementOf(withOverrides, form)])));

function insertStatement(rows: readonly ExecutionInsert[], form: InsertForm): { statement: NamedStatement; values: unknown[] } {
  const withOverrides = rows.some((row) => row.override != null);
  return { statement: INSERT_STATEMENTS[withOverrides ? 1 : 0]!.get(form)!, values: insertValues(rows, withOverrides) };
}

/** One statement for any number of rows; a row that duplicates an existing attempt is skipped. */
export async function executionInsertMany(db: Queryable, rows: readonly ExecutionInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const { statement, values } = insertStatement(rows, 'skip');
  return (await db.query(statement, values)).rowCount;
}

/**
 * As executionInsertMany, returning the id and creation time of the rows actually inserted
 * (not the skipped duplicates). The caller has every other column already: sending them back
 * would cost the server and the driver a whole row per firing. Without skipDuplicates a row
 * that duplicates an attempt fails the statement (unique_violation) instead.
 */
export async function executionInsertManyReturningIds(
  db: Queryable,
  rows: readonly ExecutionInsert[],
  options: { readonly skipDuplicates: boolean },
): Promise<{ id: string; created_at: Date }[]> {
  if (rows.length === 0) return [];
  const { statement, values } = insertStatement(rows, options.skipDuplicates ? 'skip-returning-ids' : 'fail-returning-ids');
  return (await db.query<{ id: string; created_at: Date }>(statement, values)).rows;
}

/**
 * The first and last of the scheduled times of a batch, as ISO strings: `scheduled_at BETWEEN`
 * them lets the planner keep only the partitions the batch can be in (a batch of firings spans
 * a few seconds, so one or two), and the primary key (id, scheduled_at) of each serves the ids.
 * A range rather than `= ANY(times)`: two arrays in one btree condition are probed as their
 * cross product on PostgreSQL 15.
 */
function scheduledRange(times: readonly Date[]): [string, string] {
  let min = Infinity;
  let max = -Infinity;
  for (const time of times) {
    const ms = time.getTime();
    if (ms < min) min = ms;
    if (ms > max) max = ms;
  }
  return [new Date(min).toISOString(), new Date(max).toISOString()];
}

/**
 * What a completion writes to its attempt, shared by executionCompleteMany and
 * executionCompleteCountingStreaks: `u` is the unnest of completionValues, which are $1 to $9.
 */
export const COMPLETION_SET = `status = u.status, started_at = coalesce(${FROM_MILLIS('u.started_ms')}, e.started_at), finished_at = ${FROM_MILLIS('u.finished_ms')},
         duration_ms = u.duration_ms, http_status = u.http_status, error = left(u.error, $8)`;

/**
 * $1 to $7: id, status, started_ms, finished_ms, duration_ms, http_status, error of each
 * completion; $8: the error's length bound; $9: each completion's scheduled_at.
 */
export function completionValues(rows: readonly ExecutionCompletion[]): unknown[] {
  const plain = (pick: (row: ExecutionCompletion) => PlainElement): string => plainArray(rows, pick);
  return [
    plain((row) => row.id),
    plain((row) => row.status),
    plain((row) => millisOrNull(row.startedAt)),
    plain((row) => millisOrNull(row.finishedAt)),
    plain((row) => row.durationMs),
    plain((row) => row.httpStatus),
    textArray(rows, (row) => row.error),
    ERROR_MAX_CHARS,
    textArray(rows, (row) => row.scheduledAt.toISOString()),
  ];
}

/**
 * The join of a completion batch to its attempts, `u` carrying each attempt's scheduled_at as
 * $9: on the whole primary key, so that each row is one probe of its own partition's key.
 * Filters on the batch's ids and time range beside it let the planner take the newest rows
 * (past the partition's statistics) for one and loop over the whole batch for each of them
 * instead: that cost grew with the partition, 21 ms to 250 ms a batch within a minute at 2,000/s.
 * Only open attempts (and LOST ones, whose real outcome arrives late) change: a finished attempt
 * is never rewritten, so a re-sent batch is harmless.
 */
export const COMPLETION_MATCH = `e.id = u.id AND e.scheduled_at = u.scheduled_at AND e.status IN ('SCHEDULED', 'RUNNING', 'LOST')`;

/**
 * Sent in a completion's transaction before it, so that the batch is joined one row at a time,
 * each a probe of its own partition's primary key. The planner cannot see that a row's probe
 * reads one partition (the pruning happens as it runs), so it costs every row a probe of every
 * partition; once history holds a few million rows over a few dozen partitions it took a hash
 * join over a sequential scan of every partition instead: 645 ms for a batch of 1,000 in 3.1
 * million rows over 34 partitions (npm run bench:plans -- --per-hour 100000), 18 ms with these
 * settings. Hash and merge joins off is not enough: where probes look dear it loops over a
 * materialised scan of every partition; without sequential scans and materialisation either, the
 * probe is the only plan left, whatever the history's size. JIT is off because the planner's
 * penalty on the paths turned off pushes the plan's cost past its threshold: compiling took 110
 * ms of each batch.
 */
export const JOIN_ROW_BY_ROW = named(
  'join_row_by_row',
  `SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
  set_config('enable_seqscan', 'off', true), set_config('enable_material', 'off', true), set_config('jit', 'off', true)`,
);

const COMPLETE = named(
  'executions_complete',
  `UPDATE executions e
   SET ${COMPLETION_SET}
   FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::text[], $9::timestamptz[])
     AS u(id, status, started_ms, finished_ms, duration_ms, http_status, error, scheduled_at)
   WHERE ${COMPLETION_MATCH}`,
);

/** Writes outcomes in one statement. Runs in a transaction: the join's settings last until it ends. */
export async function executionCompleteMany(tx: Queryable, rows: readonly ExecutionCompletion[]): Promise<number> {
  if (rows.length === 0) return 0;
  await tx.query(JOIN_ROW_BY_ROW);
  const result = await tx.query(COMPLETE, completionValues(rows));
  return result.rowCount;
}

export interface ExecutionPageRow extends ExecutionRow {
  scheduled_us: string;
}

/**
 * Newest first along the (job_id, scheduled_at, trigger, attempt) unique index, read backwards,
 * in every partition at once (merged; the LIMIT stops each early). After the first page the
 * cursor's time also bounds scheduled_at alone, which skips the partitions newer than it.
 */
export async function executionSelectPage(
  db: Queryable,
  params: { jobId: string; limit: number; after: { scheduledUs: string; trigger: string; attempt: number } | null },
): Promise<ExecutionPageRow[]> {
  const result = await db.query<ExecutionPageRow>(
    `SELECT ${executionColumns('e')}, ${MICROS('e.scheduled_at')} AS scheduled_us
     FROM executions e
     WHERE e.job_id = $1
       AND ($2::text IS NULL OR (e.scheduled_at, e.trigger, e.attempt) < (${FROM_MICROS('$2')}, $3::text, $4::int))
       AND ($2::text IS NULL OR e.scheduled_at <= ${FROM_MICROS('$2')})
     ORDER BY e.scheduled_at DESC, e.trigger DESC, e.attempt DESC
     LIMIT $5`,
    [params.jobId, params.after?.scheduledUs ?? null, params.after?.trigger ?? null, params.after?.attempt ?? null, params.limit + 1],
  );
  return result.rows;
}

function checkKeys(name: string, params: ExecutionKeys): void {
  if (params.scheduledAt.length !== params.ids.length) {
    throw new RangeError(`${name}: ${params.ids.length} ids but ${params.scheduledAt.length} scheduled times`);
  }
}

/**
 * One statement for the whole batch, whether the attempts share a start time or not; leased
 * attempts among them get their rows (as claimed) first. Only requests still running a second
 * after they left are marked, so few attempts are written twice this way.
 */
export async function executionMarkRunning(db: Queryable, params: ExecutionMarkRunningParams): Promise<number> {
  const { ids, startedAt } = params;
  checkKeys('executionMarkRunning', params);
  if (ids.length === 0) return 0;
  if (params.leased && params.leased.length > 0) await executionInsertMany(db, params.leased.map((leased) => leased.execution));
  const starts = startedAt instanceof Date ? ids.map(() => startedAt.toISOString()) : startedAt.map((date) => date.toISOString());
  if (starts.length !== ids.length) throw new RangeError(`executionMarkRunning: ${ids.length} ids but ${starts.length} start times`);
  const [first, last] = scheduledRange(params.scheduledAt);
  const result = await db.query(
    `UPDATE executions e SET status = 'RUNNING', started_at = u.started_at
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS u(id, started_at, scheduled_at)
     WHERE e.id = ANY($1::uuid[]) AND e.scheduled_at BETWEEN $4::timestamptz AND $5::timestamptz
       AND e.id = u.id AND e.scheduled_at = u.scheduled_at AND e.status = 'SCHEDULED'`,
    [ids, starts, params.scheduledAt.map((date) => date.toISOString()), first, last],
  );
  return result.rowCount;
}

/** Only this node's attempts that have not started go back to the pool. */
export async function executionReleaseOwned(db: Queryable, params: ExecutionReleaseParams): Promise<number> {
  checkKeys('executionReleaseOwned', params);
  if (params.ids.length === 0) return 0;
  const [first, last] = scheduledRange(params.scheduledAt);
  const result = await db.query(
    `UPDATE executions SET owner_node = NULL
     WHERE id = ANY($2::uuid[]) AND scheduled_at BETWEEN $3::timestamptz AND $4::timestamptz
       AND owner_node = $1 AND status = 'SCHEDULED'`,
    [params.nodeId, params.ids, first, last],
  );
  return result.rowCount;
}

/**
 * The overlap check of jobs that forbid it, one statement for a batch, along
 * executions_job_open_idx: only unfinished rows are in that index, so the check costs the
 * same however long a job's history is.
 */
export async function executionSelectOverlapping(db: Queryable, params: { candidates: readonly OverlapCandidate[]; now: Date }): Promise<string[]> {
  if (params.candidates.length === 0) return [];
  const result = await db.query<{ id: string }>(
    `SELECT c.id
     FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[]) AS c(id, job_id, scheduled_at, trigger)
     WHERE EXISTS (
       SELECT 1 FROM executions e
       WHERE e.job_id = c.job_id AND e.status IN ('SCHEDULED', 'RUNNING')
         AND (e.scheduled_at, e.trigger) <> (c.scheduled_at, c.trigger)
         AND (e.status = 'RUNNING' OR e.attempt > 1 OR e.due_at <= $5)
     )`,
    [
      params.candidates.map((c) => c.id),
      params.candidates.map((c) => c.jobId),
      params.candidates.map((c) => c.scheduledAt.toISOString()),
      params.candidates.map((c) => c.trigger),
      params.now.toISOString(),
    ],
  );
  return result.rows.map((row) => row.id);
}
