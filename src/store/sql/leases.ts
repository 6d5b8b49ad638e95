import type { Queryable } from '../db.js';
import { named, type NamedStatement } from '../statement.js';
import type { ExecutionCompletion, ExecutionRecord } from '../types.js';
import { FROM_MILLIS, plainArray, textArray } from './arrays.js';
import { completionValues } from './executions.js';

/*
 * Leased attempts (see migration 0010 and docs/architecture.md): a claim lists the attempts of
 * jobs that allow overlap in one claim_leases row instead of inserting a row for each, and an
 * attempt's row is inserted by its first write. Everything here keeps the invariant that a
 * lease goes only once each attempt it lists has a row: a lease is removed and its missing rows
 * inserted by one statement, whose DELETE and INSERT share one snapshot (a lease committed by a
 * concurrent claim is either in both or in neither).
 */

const INSERT_LEASE = named(
  'lease_insert',
  `INSERT INTO claim_leases (id, owner_node, due_until, execution_ids, job_ids, scheduled_ms, due_ms)
   VALUES ($1, $2, ${FROM_MILLIS('$3::bigint')}, $4::uuid[], $5::uuid[], $6::bigint[], $7::bigint[])
   RETURNING created_at`,
);

/** Lists a claim's leased attempts (all of one node, first attempts of scheduled occurrences); returns its creation time. */
export async function leaseInsert(db: Queryable, params: { id: string; ownerNode: string; attempts: readonly LeaseEntry[] }): Promise<Date> {
  const { attempts } = params;
  let dueUntil = -Infinity;
  for (const attempt of attempts) dueUntil = Math.max(dueUntil, attempt.dueAt.getTime());
  const result = await db.query<{ created_at: Date }>(INSERT_LEASE, [
    params.id,
    params.ownerNode,
    dueUntil,
    plainArray(attempts, (attempt) => attempt.id),
    plainArray(attempts, (attempt) => attempt.jobId),
    plainArray(attempts, (attempt) => attempt.scheduledAt.getTime()),
    plainArray(attempts, (attempt) => attempt.dueAt.getTime()),
  ]);
  return result.rows[0]!.created_at;
}

export interface LeaseEntry {
  readonly id: string;
  readonly jobId: string;
  readonly scheduledAt: Date;
  readonly dueAt: Date;
}

const DELETE_LEASES = named('leases_delete', 'DELETE FROM claim_leases WHERE id = ANY($1::uuid[])');

/** Removes leases whose every attempt has its row (the caller's write just inserted the last). */
export async function leasesDelete(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(DELETE_LEASES, [plainArray(ids, (id) => id)]);
}

/**
 * Inserts the rows the attempts listed in `leases` (claim_leases rows, or rows of the same
 * columns, under alias l) do not have yet, as the claim would have: SCHEDULED, owned by the
 * lease's node. An attempt that has its row (written, or inserted by an earlier turn) is left alone.
 */
function insertLeasedRows(leases: string, where = ''): string {
  return `INSERT INTO executions (id, job_id, scheduled_at, trigger, attempt, due_at, status, owner_node, created_at)
   SELECT u.id, u.job_id, ${FROM_MILLIS('u.scheduled_ms')}, 'schedule', 1, ${FROM_MILLIS('u.due_ms')}, 'SCHEDULED', l.owner_node, l.created_at
   FROM ${leases} l, unnest(l.execution_ids, l.job_ids, l.scheduled_ms, l.due_ms) AS u(id, job_id, scheduled_ms, due_ms)
   ${where}
   ON CONFLICT (job_id, scheduled_at, trigger, attempt) DO NOTHING`;
}

/** Removes the leases `where` selects (parameters from $1) and inserts the rows their attempts do not have yet. */
function materialize(where: string): string {
  return `WITH gone AS (
     DELETE FROM claim_leases WHERE ${where}
     RETURNING owner_node, created_at, execution_ids, job_ids, scheduled_ms, due_ms
   )
   ${insertLeasedRows('gone')}`;
}

const MATERIALIZE_OF_OWNERS = materialize('owner_node = ANY($1::text[])');
const MATERIALIZE_OWN_DUE_BEFORE = materialize('owner_node = $1 AND due_until < $2::timestamptz');
const MATERIALIZE_OF_JOB = insertLeasedRows('claim_leases', 'WHERE u.job_id = $1::uuid');

/** Every lease of these nodes becomes rows; returns how many rows were inserted. */
export async function leasesMaterializeOfOwners(db: Queryable, owners: readonly string[]): Promise<number> {
  if (owners.length === 0) return 0;
  return (await db.query(MATERIALIZE_OF_OWNERS, [owners])).rowCount;
}

/** The leases of a node whose attempts are all due before `dueBefore` become rows. */
export async function leasesMaterializeOwnDueBefore(db: Queryable, params: { nodeId: string; dueBefore: Date }): Promise<number> {
  return (await db.query(MATERIALIZE_OWN_DUE_BEFORE, [params.nodeId, params.dueBefore.toISOString()])).rowCount;
}

/**
 * The leased attempts of one job get their rows, the leases stay: a backfill reads the job's
 * attempts to leave alone an occurrence already in progress. It reads every lease's arrays,
 * a look-ahead of firings of every node; a backfill is rare, and the claims never pay for it.
 */
export async function leasesMaterializeOfJob(db: Queryable, jobId: string): Promise<number> {
  return (await db.query(MATERIALIZE_OF_JOB, [jobId])).rowCount;
}

/** Owners of leases that are not live nodes: stopped, reaped, or never registered. */
export const GONE_LEASE_OWNERS = named(
  'lease_gone_owners',
  `SELECT DISTINCT c.owner_node AS id FROM claim_leases c
  WHERE NOT EXISTS (SELECT 1 FROM scheduler_nodes n WHERE n.id = c.owner_node AND n.stopped_at IS NULL)`,
);

/**
 * The outcomes of leased attempts as their rows; with `orUpdate`, a row that exists already is
 * completed instead, exactly as the update of an attempt with a row does (executionCompleteMany):
 * only an open or LOST row changes, so a finished attempt is never rewritten.
 */
function completeLeased(orUpdate: boolean): string {
  return `INSERT INTO executions AS e (id, job_id, scheduled_at, trigger, attempt, due_at, status, owner_node,
     started_at, finished_at, duration_ms, http_status, error, created_at)
   SELECT u.id, u.job_id, u.scheduled_at, 'schedule', 1, ${FROM_MILLIS('u.due_ms')}, u.status, u.owner_node,
     ${FROM_MILLIS('u.started_ms')}, ${FROM_MILLIS('u.finished_ms')}, u.duration_ms, u.http_status, left(u.error, $8), ${FROM_MILLIS('u.created_ms')}
   FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::text[], $9::timestamptz[],
       $10::uuid[], $11::bigint[], $12::text[], $13::bigint[])
     AS u(id, status, started_ms, finished_ms, duration_ms, http_status, error, scheduled_at, job_id, due_ms, owner_node, created_ms)
   ${
     orUpdate
       ? `ON CONFLICT (job_id, scheduled_at, trigger, attempt) DO UPDATE
   SET status = excluded.status, started_at = coalesce(excluded.started_at, e.started_at), finished_at = excluded.finished_at,
     duration_ms = excluded.duration_ms, http_status = excluded.http_status, error = excluded.error
   WHERE e.status IN ('SCHEDULED', 'RUNNING', 'LOST')`
       : ''
   }`;
}

const INSERT_LEASED = named('executions_insert_leased', completeLeased(false));
const COMPLETE_LEASED = named('executions_complete_leased', completeLeased(true));

/**
 * The outcomes of leased attempts: each inserts its attempt's row, finished. An attempt that
 * may have its row already (`mayHaveRow`: marked RUNNING) completes it instead, and so does
 * every attempt with `completeExisting`. Otherwise a row that exists (turned into one by a
 * hand-back, a reaper, an adoption or a backfill, or written by an earlier try of this batch
 * whose commit went unanswered) fails the statement with a unique violation, and the caller
 * writes the batch again with `completeExisting` (againToleratingDuplicates): inserting without
 * ON CONFLICT spares PostgreSQL a speculative insertion and a probe of the unique key per row,
 * and the rows nearly always are new.
 */
export async function executionCompleteLeased(db: Queryable, rows: readonly ExecutionCompletion[], completeExisting: boolean): Promise<number> {
  const inserted = completeExisting ? [] : rows.filter((row) => !row.mayHaveRow);
  const completed = completeExisting ? rows : rows.filter((row) => row.mayHaveRow);
  return (await writeLeased(db, INSERT_LEASED, inserted)) + (await writeLeased(db, COMPLETE_LEASED, completed));
}

async function writeLeased(db: Queryable, statement: NamedStatement, rows: readonly ExecutionCompletion[]): Promise<number> {
  if (rows.length === 0) return 0;
  const claimed = (row: ExecutionCompletion): ExecutionRecord => row.leased!.execution;
  const result = await db.query(statement, [
    ...completionValues(rows),
    plainArray(rows, (row) => claimed(row).jobId),
    plainArray(rows, (row) => claimed(row).dueAt.getTime()),
    textArray(rows, (row) => claimed(row).ownerNode),
    // When the claim took it on, as the row inserted at the claim said.
    plainArray(rows, (row) => claimed(row).createdAt.getTime()),
  ]);
  return result.rowCount;
}
