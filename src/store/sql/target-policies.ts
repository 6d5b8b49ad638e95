import type { Db, Queryable } from '../db.js';
import type { TargetBudgetExchangeParams, TargetPolicyDefinition, TargetPolicyRecord, TargetUsage } from '../types.js';
import { named } from '../statement.js';
import { plainArray } from './arrays.js';

interface TargetPolicyRow {
  id: string;
  name: string;
  pattern: string;
  max_concurrent: number | null;
  max_per_second: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, pattern, max_concurrent, max_per_second, version, created_at, updated_at';

function toRecord(row: TargetPolicyRow): TargetPolicyRecord {
  return {
    id: row.id,
    name: row.name,
    pattern: row.pattern,
    maxConcurrent: row.max_concurrent,
    maxPerSecond: row.max_per_second,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function targetPolicyInsert(db: Queryable, params: TargetPolicyDefinition & { id: string }): Promise<TargetPolicyRecord> {
  const result = await db.query<TargetPolicyRow>(
    `INSERT INTO target_policies (id, name, pattern, max_concurrent, max_per_second) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [params.id, params.name, params.pattern, params.maxConcurrent, params.maxPerSecond],
  );
  return toRecord(result.rows[0]!);
}

export async function targetPolicySelectById(db: Queryable, id: string): Promise<TargetPolicyRecord | null> {
  const result = await db.query<TargetPolicyRow>(`SELECT ${COLUMNS} FROM target_policies WHERE id = $1`, [id]);
  return result.rows[0] ? toRecord(result.rows[0]) : null;
}

export async function targetPolicySelectAll(db: Queryable): Promise<TargetPolicyRecord[]> {
  const result = await db.query<TargetPolicyRow>(`SELECT ${COLUMNS} FROM target_policies ORDER BY name`);
  return result.rows.map(toRecord);
}

/** Applies the fields given; null when no row matched (unknown id, or another version). */
export async function targetPolicyUpdateById(
  db: Queryable,
  params: { id: string; patch: Partial<TargetPolicyDefinition>; expectedVersion: number | null },
): Promise<TargetPolicyRecord | null> {
  const { patch } = params;
  const given = (value: unknown): boolean => value !== undefined;
  const result = await db.query<TargetPolicyRow>(
    `UPDATE target_policies
     SET name = CASE WHEN $3 THEN $4::text ELSE name END,
         pattern = CASE WHEN $5 THEN $6::text ELSE pattern END,
         max_concurrent = CASE WHEN $7 THEN $8::int ELSE max_concurrent END,
         max_per_second = CASE WHEN $9 THEN $10::int ELSE max_per_second END,
         version = version + 1, updated_at = now()
     WHERE id = $1 AND ($2::int IS NULL OR version = $2)
     RETURNING ${COLUMNS}`,
    [
      params.id,
      params.expectedVersion,
      given(patch.name),
      patch.name ?? null,
      given(patch.pattern),
      patch.pattern ?? null,
      given(patch.maxConcurrent),
      patch.maxConcurrent ?? null,
      given(patch.maxPerSecond),
      patch.maxPerSecond ?? null,
    ],
  );
  return result.rows[0] ? toRecord(result.rows[0]) : null;
}

export async function targetPolicyDeleteById(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query<{ id: string }>('DELETE FROM target_policies WHERE id = $1 RETURNING id', [id]);
  return result.rows.length > 0;
}

interface UsageRow {
  policy_id: string;
  node_id: string;
  wanted: number;
  in_flight: number;
  granted_concurrent: number;
  granted_per_second: number;
}

/** Asked by every budget round of every node; most deployments have no policy. */
const ANY_POLICY = named('target_policies_any', 'SELECT id FROM target_policies LIMIT 1');

/**
 * A node's budget round (see Store.targetBudgetExchange). The policy rows are locked first, so
 * the rounds of all nodes run one after another: each computes its share from the others' last
 * reports, and none can take capacity another took in a round that has not committed yet.
 * Reports of nodes whose heartbeat or report is older than the node timeout are ignored.
 */
export async function targetBudgetRound(
  db: Db,
  params: TargetBudgetExchangeParams,
): Promise<{ policies: TargetPolicyRecord[]; shares: readonly TargetUsage[] }> {
  // Without any policy (most deployments) a round is this one read, and no transaction.
  const any = await db.query<{ id: string }>(ANY_POLICY);
  if (any.rows.length === 0) return { policies: [], shares: [] };
  return db.transaction(async (tx) => {
    const { rows: policyRows } = await tx.query<TargetPolicyRow>(`SELECT ${COLUMNS} FROM target_policies ORDER BY id FOR UPDATE`);
    const policies = policyRows.map(toRecord);
    if (policies.length === 0) return { policies, shares: [] };
    const { rows } = await tx.query<UsageRow>(
      `SELECT u.policy_id, u.node_id, u.wanted, u.in_flight, u.granted_concurrent, u.granted_per_second
       FROM target_usage u JOIN scheduler_nodes s ON s.id = u.node_id
       WHERE u.node_id <> $1 AND s.stopped_at IS NULL
         AND s.heartbeat_at >= now() - $2::int * interval '1 millisecond'
         AND u.updated_at >= now() - $2::int * interval '1 millisecond'`,
      [params.nodeId, params.nodeTimeoutMs],
    );
    const others: TargetUsage[] = rows.map((row) => ({
      policyId: row.policy_id,
      nodeId: row.node_id,
      wanted: row.wanted,
      inFlight: row.in_flight,
      grantedConcurrent: row.granted_concurrent,
      grantedPerSecond: row.granted_per_second,
    }));
    const shares = params.allocate(policies, others);
    await tx.query(
      `INSERT INTO target_usage (policy_id, node_id, wanted, in_flight, granted_concurrent, granted_per_second, updated_at)
       SELECT u.policy_id, $1, u.wanted, u.in_flight, u.granted_concurrent, u.granted_per_second, now()
       FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::float8[])
         AS u(policy_id, wanted, in_flight, granted_concurrent, granted_per_second)
       ON CONFLICT (policy_id, node_id) DO UPDATE
       SET wanted = excluded.wanted, in_flight = excluded.in_flight, granted_concurrent = excluded.granted_concurrent,
           granted_per_second = excluded.granted_per_second, updated_at = excluded.updated_at`,
      [
        params.nodeId,
        plainArray(shares, (share) => share.policyId),
        plainArray(shares, (share) => share.wanted),
        plainArray(shares, (share) => share.inFlight),
        plainArray(shares, (share) => share.grantedConcurrent),
        plainArray(shares, (share) => share.grantedPerSecond),
      ],
    );
    return { policies, shares };
  });
}
