import type { Db, Queryable } from '../db.js';
import { sqlState } from '../errors.js';
import type { ExecutionPartition, PartitionDropResult, PartitionPrepareResult } from '../types.js';
import { quoteIdent } from './identifiers.js';

/**
 * The range partitions of executions (see migration 0005). The engine keeps a few ahead of
 * the present and drops those whose whole range is older than the retention period.
 *
 * Invariants:
 * - Range partitions never overlap (PostgreSQL refuses it) and the engine adds them only at
 *   the far end, from the newest partition's upper bound: after a gap (every node down for
 *   longer than the partitions ahead) it starts again at the present, and the gap's rows are
 *   in executions_default.
 * - Every change runs under one advisory lock per schema, taken with try: a node that does not
 *   get it skips the round, so two nodes never create or drop the same partition.
 * - DDL waits at most `lockTimeoutMs` for its table locks. Dropping a partition locks the
 *   parent table exclusively for an instant; waiting longer behind a long reader would hold
 *   every claim and completion queued behind the drop. The next round tries again.
 */

const DEFAULT_PARTITION = 'executions_default';
const LOCK_NOT_AVAILABLE = '55P03';

/** The bounds as PostgreSQL prints them, read back as timestamps (MINVALUE reads as null). */
const SELECT_PARTITIONS = `
  SELECT name, bound = 'DEFAULT' AS is_default,
    (regexp_match(bound, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS from_at,
    (regexp_match(bound, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS to_at
  FROM (
    SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'executions'::regclass
  ) p
  ORDER BY is_default, from_at NULLS FIRST`;

export async function executionPartitionSelectAll(db: Queryable): Promise<ExecutionPartition[]> {
  const result = await db.query<{ name: string; is_default: boolean; from_at: Date | null; to_at: Date | null }>(SELECT_PARTITIONS);
  return result.rows.map((row) => ({ name: row.name, isDefault: row.is_default, from: row.from_at, to: row.to_at }));
}

/** Takes the schema's partition lock for this transaction, or says another node holds it. */
async function tryPartitionLock(tx: Queryable, lockTimeoutMs: number): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_xact_lock(hashtext('jobscheduler:partitions:' || current_schema())) AS locked`,
  );
  if (!rows[0]?.locked) return false;
  await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
  return true;
}

/** executions_pYYYYMMDD_HHMM, from the partition's lower bound in UTC (bounds are whole minutes). */
export function partitionName(from: Date): string {
  const iso = from.toISOString();
  return `executions_p${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

/**
 * The ranges to add so that partitions cover the present slot and `ahead` more: slots of
 * `partitionMs` aligned on the epoch, the first one cut short where an existing partition ends
 * inside it (the partition the migration made of the old table ends on a minute).
 */
export function missingRanges(existing: readonly ExecutionPartition[], params: { now: Date; partitionMs: number; ahead: number }): { from: Date; to: Date }[] {
  const { partitionMs } = params;
  const slotStart = Math.floor(params.now.getTime() / partitionMs) * partitionMs;
  const end = slotStart + (params.ahead + 1) * partitionMs;
  const newestEnd = Math.max(-Infinity, ...existing.filter((p) => !p.isDefault && p.to).map((p) => p.to!.getTime()));
  const ranges: { from: Date; to: Date }[] = [];
  for (let from = Math.max(newestEnd, slotStart); from < end; ) {
    const to = (Math.floor(from / partitionMs) + 1) * partitionMs;
    ranges.push({ from: new Date(from), to: new Date(to) });
    from = to;
  }
  return ranges;
}

/**
 * Adds one range partition. It is made as a table of its own and then attached, which locks
 * the parent only against other schema changes (SHARE UPDATE EXCLUSIVE): claims and
 * completions go on meanwhile. Rows of its range already in the default partition (written
 * while no partition covered it) move into it first, or attaching would fail.
 */
async function createPartition(tx: Queryable, range: { from: Date; to: Date }): Promise<string> {
  const name = partitionName(range.from);
  const table = quoteIdent(name);
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  await tx.query(`CREATE TABLE ${table} (LIKE executions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  const moved = await tx.query(
    `WITH moved AS (DELETE FROM ${DEFAULT_PARTITION} WHERE scheduled_at >= $1 AND scheduled_at < $2 RETURNING *)
     INSERT INTO ${table} SELECT * FROM moved`,
    [from, to],
  );
  await tx.query(`ALTER TABLE executions ATTACH PARTITION ${table} FOR VALUES FROM ('${from}') TO ('${to}')`);
  return moved.rowCount > 0 ? `${name} (${moved.rowCount} rows moved from ${DEFAULT_PARTITION})` : name;
}

/** Creates the partitions missing between the newest one and `ahead` slots past the present. */
export async function executionPartitionsPrepare(
  db: Db,
  params: { now: Date; partitionMs: number; ahead: number; lockTimeoutMs: number },
): Promise<PartitionPrepareResult> {
  try {
    return await db.transaction(async (tx) => {
      if (!(await tryPartitionLock(tx, params.lockTimeoutMs))) return { created: [], busy: true };
      const ranges = missingRanges(await executionPartitionSelectAll(tx), params);
      const created: string[] = [];
      for (const range of ranges) created.push(await createPartition(tx, range));
      return { created, busy: false };
    });
  } catch (error) {
    if (sqlState(error) === LOCK_NOT_AVAILABLE) return { created: [], busy: true };
    throw error;
  }
}

/**
 * Drops, oldest first, each range partition whose whole range lies before `before` and that
 * holds no open attempt (a retry still waiting keeps its partition until it finishes). One
 * transaction per partition, so a lock wait gives up only what is left.
 */
export async function executionPartitionsDropBefore(db: Db, params: { before: Date; lockTimeoutMs: number }): Promise<PartitionDropResult> {
  const dropped: string[] = [];
  const expired = (await executionPartitionSelectAll(db)).filter((p) => !p.isDefault && p.to && p.to.getTime() <= params.before.getTime());
  for (const partition of expired) {
    const table = quoteIdent(partition.name);
    try {
      const outcome = await db.transaction(async (tx) => {
        if (!(await tryPartitionLock(tx, params.lockTimeoutMs))) return 'busy';
        const open = await tx.query(`SELECT 1 FROM ${table} WHERE status IN ('SCHEDULED', 'RUNNING') LIMIT 1`);
        if (open.rowCount > 0) return 'open';
        await tx.query(`DROP TABLE ${table}`);
        return 'dropped';
      });
      if (outcome === 'busy') return { dropped, busy: true };
      if (outcome === 'dropped') dropped.push(partition.name);
    } catch (error) {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) return { dropped, busy: true };
      throw error;
    }
  }
  return { dropped, busy: false };
}

/**
 * Deletes up to `limit` finished attempts scheduled before `before` from the partitions that
 * are never dropped whole: the default partition, and one reaching back without a lower bound
 * (the old table, after migration 0005) until its upper bound expires. Neither takes new rows
 * on a healthy cluster, so this is off the hot path. SKIP LOCKED lets every node run it at once.
 */
export async function executionDeleteUnpartitionedBefore(db: Queryable, params: { before: Date; limit: number }): Promise<number> {
  let deleted = 0;
  const spanning = (await executionPartitionSelectAll(db)).filter((p) => p.isDefault || p.from === null);
  for (const partition of spanning) {
    const table = quoteIdent(partition.name);
    const result = await db.query(
      `DELETE FROM ${table}
       WHERE (id, scheduled_at) IN (
         SELECT id, scheduled_at FROM ${table}
         WHERE scheduled_at < $1 AND status NOT IN ('SCHEDULED', 'RUNNING')
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )`,
      [params.before.toISOString(), params.limit - deleted],
    );
    deleted += result.rowCount;
    if (deleted >= params.limit) break;
  }
  return deleted;
}
