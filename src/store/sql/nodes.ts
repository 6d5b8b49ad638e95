import type { Db, Queryable } from '../db.js';
import type { NodeReapResult, NodeRegisterParams } from '../types.js';
import { named } from '../statement.js';
import { GONE_LEASE_OWNERS, leasesMaterializeOfOwners } from './leases.js';
import type { NodeRow } from './rows.js';

/** A node registering again under its id (a restart) starts a fresh life: alive, not stopped. */
export async function nodeUpsert(db: Queryable, params: NodeRegisterParams): Promise<void> {
  await db.query(
    `INSERT INTO scheduler_nodes (id, hostname, pid, role, version) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET
       hostname = excluded.hostname, pid = excluded.pid, role = excluded.role, version = excluded.version,
       started_at = now(), heartbeat_at = now(), clock_skew_ms = 0, stopped_at = NULL`,
    [params.id, params.hostname, params.pid, params.role, params.version],
  );
}

const HEARTBEAT = named(
  'node_heartbeat',
  `UPDATE scheduler_nodes SET heartbeat_at = now(), clock_skew_ms = $2, stopped_at = NULL
   WHERE id = $1
   RETURNING clock_timestamp() AS now`,
);

/**
 * Records a heartbeat; returns the database's clock, or null for an unknown node. A node
 * that was reaped while it still runs (a long pause) is alive again from this heartbeat on,
 * so its new work is not taken over at every reap.
 */
export async function nodeHeartbeat(db: Queryable, params: { id: string; clockSkewMs: number }): Promise<Date | null> {
  const result = await db.query<{ now: Date }>(HEARTBEAT, [params.id, Math.round(params.clockSkewMs)]);
  return result.rows[0]?.now ?? null;
}

export async function nodeMarkStopped(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE scheduler_nodes SET stopped_at = coalesce(stopped_at, now()) WHERE id = $1', [id]);
}

export async function nodeSelectAll(db: Queryable): Promise<NodeRow[]> {
  const result = await db.query<NodeRow>(
    'SELECT id, hostname, pid, role, version, started_at, heartbeat_at, clock_skew_ms, stopped_at FROM scheduler_nodes ORDER BY started_at, id',
  );
  return result.rows;
}

/**
 * Owners of open attempts that are not live nodes: stopped, reaped, or never registered.
 * The open attempts are a whole look-ahead of firings (tens of thousands under load) but
 * belong to a handful of owners: the recursive query walks executions_owner_open_idx from
 * one distinct owner to the next (a loose index scan) instead of checking every attempt.
 */
const GONE_OWNERS = named(
  'node_gone_owners',
  `WITH RECURSIVE owners(id) AS (
    (SELECT owner_node FROM executions
     WHERE status IN ('SCHEDULED', 'RUNNING') AND owner_node IS NOT NULL
     ORDER BY owner_node LIMIT 1)
    UNION ALL
    SELECT (SELECT e.owner_node FROM executions e
            WHERE e.status IN ('SCHEDULED', 'RUNNING') AND e.owner_node > o.id
            ORDER BY e.owner_node LIMIT 1)
    FROM owners o WHERE o.id IS NOT NULL
  )
  SELECT id FROM owners
  WHERE id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scheduler_nodes n WHERE n.id = owners.id AND n.stopped_at IS NULL)`,
);

/** A live node whose heartbeat is older than $1 milliseconds, by the database's clock. */
const HEARTBEAT_OVERDUE = `stopped_at IS NULL AND heartbeat_at < now() - $1::int * interval '1 millisecond'`;

/** Whether a reap would find anything: a live node's heartbeat overdue, or leases or open attempts of owners gone. */
const ANYTHING_TO_REAP = named(
  'node_anything_to_reap',
  `SELECT EXISTS (SELECT 1 FROM scheduler_nodes WHERE ${HEARTBEAT_OVERDUE})
     OR EXISTS (${GONE_LEASE_OWNERS.text})
     OR EXISTS (${GONE_OWNERS.text}) AS found`,
);

/**
 * One transaction, by the database's clock. Row locks make concurrent reapers agree: a
 * node is declared dead by one of them, and each orphaned attempt is settled once.
 *
 * Every node reaps every heartbeat interval, and almost always finds nothing: a look in one
 * statement, outside any transaction, comes first (the transaction was five statements). A
 * node that falls overdue just after the look is found at the next reap, as it would have
 * been had the reap run a moment earlier; the transaction decides everything it settles.
 */
export async function nodeReapDead(db: Db, params: { timeoutMs: number }): Promise<NodeReapResult> {
  const look = await db.query<{ found: boolean }>(ANYTHING_TO_REAP, [params.timeoutMs]);
  if (!look.rows[0]!.found) return { deadNodes: [], requeued: 0, lost: 0 };
  return db.transaction(async (tx) => {
    const dead = await tx.query<{ id: string }>(
      `UPDATE scheduler_nodes SET stopped_at = now() WHERE ${HEARTBEAT_OVERDUE} RETURNING id`,
      [params.timeoutMs],
    );
    // Leased attempts of a gone owner get their rows first (SCHEDULED, owned by it), and are
    // then settled below with the rest of its open attempts.
    const leaseOwners = (await tx.query<{ id: string }>(GONE_LEASE_OWNERS)).rows.map((row) => row.id);
    await leasesMaterializeOfOwners(tx, leaseOwners);
    const gone = (await tx.query<{ id: string }>(GONE_OWNERS)).rows.map((row) => row.id);
    if (gone.length === 0) return { deadNodes: dead.rows.map((row) => row.id).sort(), requeued: 0, lost: 0 };
    // AT_MOST_ONCE: the request may have left before the node died; never send it again.
    const lost = await tx.query(
      `UPDATE executions e
       SET status = 'LOST', finished_at = now(),
           error = 'Node ' || e.owner_node || ' stopped before reporting the outcome; not retried (AT_MOST_ONCE)'
       FROM jobs j
       WHERE j.id = e.job_id AND j.type = 'AT_MOST_ONCE'
         AND e.owner_node = ANY($1::text[]) AND e.status IN ('SCHEDULED', 'RUNNING')`,
      [gone],
    );
    // AT_LEAST_ONCE: hand the attempt back to any node; it starts over as not yet sent.
    const requeued = await tx.query(
      `UPDATE executions e SET owner_node = NULL, status = 'SCHEDULED', started_at = NULL
       FROM jobs j
       WHERE j.id = e.job_id AND j.type = 'AT_LEAST_ONCE'
         AND e.owner_node = ANY($1::text[]) AND e.status IN ('SCHEDULED', 'RUNNING')`,
      [gone],
    );
    return { deadNodes: dead.rows.map((row) => row.id).sort(), requeued: requeued.rowCount, lost: lost.rowCount };
  });
}
