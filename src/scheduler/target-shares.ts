import type { TargetPolicyRecord, TargetUsage } from '../store/types.js';

/**
 * How much of each target policy's budget this node may use until its next budget round: a
 * pure function of the policies, this node's demand and what the other live nodes last
 * reported (src/store/sql/target-policies.ts runs it while the policies are locked).
 *
 * Invariant: this node never takes what the others hold. For maxConcurrent, another node holds
 * the larger of its share and its requests in flight (a share given up still has requests
 * running); for maxPerSecond, its share. So the shares of all nodes add up to the limit at
 * most, whatever order their rounds run in. Within that, the budget goes where the demand is:
 * concurrency is filled node by node up to each one's demand (the order rotating every second,
 * so a limit of 1 passes from node to node), the rate is split evenly among the nodes that
 * want any. A node with more than its fair part gives it back at its next round, and another
 * takes it at the round after, so shares follow the demand within two rounds.
 */

export interface Demand {
  /** Attempts for the policy's targets this node holds: queued, waiting or in flight. */
  readonly wanted: number;
  readonly inFlight: number;
}

const NO_DEMAND: Demand = { wanted: 0, inFlight: 0 };

export function allocateShares(params: {
  readonly nodeId: string;
  readonly policies: readonly TargetPolicyRecord[];
  readonly others: readonly TargetUsage[];
  readonly demand: ReadonlyMap<string, Demand>;
  /** Rotates who is served first when concurrency is scarce (the engine passes the second). */
  readonly turn: number;
}): TargetUsage[] {
  const { nodeId, turn } = params;
  return params.policies.map((policy) => {
    const mine = params.demand.get(policy.id) ?? NO_DEMAND;
    const others = params.others.filter((usage) => usage.policyId === policy.id);
    return {
      policyId: policy.id,
      nodeId,
      wanted: mine.wanted,
      inFlight: mine.inFlight,
      grantedConcurrent: policy.maxConcurrent === null ? 0 : concurrentShare(policy.maxConcurrent, nodeId, mine, others, turn),
      grantedPerSecond: policy.maxPerSecond === null ? 0 : rateShare(policy.maxPerSecond, mine, others),
    };
  });
}

function concurrentShare(limit: number, nodeId: string, mine: Demand, others: readonly TargetUsage[], turn: number): number {
  if (mine.wanted === 0) return 0;
  const held = others.reduce((sum, usage) => sum + Math.max(usage.inFlight, usage.grantedConcurrent), 0);
  const free = Math.max(0, limit - held);
  const wanting = [{ nodeId, wanted: mine.wanted }, ...others.filter((usage) => usage.wanted > 0)].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  const fair = fillInTurn(limit, wanting, turn).get(nodeId) ?? 0;
  return Math.min(fair, free);
}

/** Hands out `units` one at a time, round after round, to the nodes still wanting more, starting at `turn`. */
function fillInTurn(units: number, wanting: readonly { nodeId: string; wanted: number }[], turn: number): Map<string, number> {
  const given = new Map<string, number>();
  const start = wanting.length === 0 ? 0 : turn % wanting.length;
  let left = units;
  let progress = true;
  while (left > 0 && progress) {
    progress = false;
    for (let i = 0; i < wanting.length && left > 0; i++) {
      const node = wanting[(start + i) % wanting.length]!;
      const has = given.get(node.nodeId) ?? 0;
      if (has >= node.wanted) continue;
      given.set(node.nodeId, has + 1);
      left--;
      progress = true;
    }
  }
  return given;
}

function rateShare(limit: number, mine: Demand, others: readonly TargetUsage[]): number {
  if (mine.wanted === 0) return 0;
  const taken = others.reduce((sum, usage) => sum + usage.grantedPerSecond, 0);
  const wanting = 1 + others.filter((usage) => usage.wanted > 0).length;
  return Math.max(0, Math.min(limit / wanting, limit - taken));
}
