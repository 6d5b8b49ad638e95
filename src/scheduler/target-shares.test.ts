import { describe, expect, it } from 'vitest';
import type { TargetPolicyRecord, TargetUsage } from '../store/types.js';
import { allocateShares } from './target-shares.js';
import { targetPolicy } from '../../test/scheduler/fixtures.js';

const other = (nodeId: string, usage: Partial<TargetUsage>): TargetUsage => ({
  policyId: 'p1',
  nodeId,
  wanted: 0,
  inFlight: 0,
  grantedConcurrent: 0,
  grantedPerSecond: 0,
  ...usage,
});
const share = (p: TargetPolicyRecord, others: TargetUsage[], wanted: number, nodeId = 'node-b', turn = 0, inFlight = 0): TargetUsage =>
  allocateShares({ nodeId, policies: [p], others, demand: new Map([['p1', { wanted, inFlight }]]), turn })[0]!;

describe('a node\'s share of a target policy', () => {
  it('takes the whole budget when no other node wants any, and nothing when it wants none', () => {
    expect(share(targetPolicy(10, 100), [], 50)).toMatchObject({ grantedConcurrent: 10, grantedPerSecond: 100 });
    expect(share(targetPolicy(10, 100), [], 0)).toMatchObject({ grantedConcurrent: 0, grantedPerSecond: 0 });
  });

  it('never takes what another node holds, then gets its fair part once that node gave it back', () => {
    const busy = other('node-a', { wanted: 50, inFlight: 10, grantedConcurrent: 10, grantedPerSecond: 100 });
    expect(share(targetPolicy(10, 100), [busy], 50)).toMatchObject({ grantedConcurrent: 0, grantedPerSecond: 0 });
    // node-a, seeing node-b want some, keeps its fair half...
    const a = share(targetPolicy(10, 100), [other('node-b', { wanted: 50 })], 50, 'node-a', 0, 10);
    expect(a).toMatchObject({ grantedConcurrent: 5, grantedPerSecond: 50 });
    // ...and once its requests in flight are down to it, node-b takes the other half.
    const after = other('node-a', { wanted: 50, inFlight: 5, grantedConcurrent: 5, grantedPerSecond: 50 });
    expect(share(targetPolicy(10, 100), [after], 50)).toMatchObject({ grantedConcurrent: 5, grantedPerSecond: 50 });
  });

  it('gives concurrency by demand: a node wanting little leaves the rest to the others', () => {
    const a = other('node-a', { wanted: 1 });
    expect(share(targetPolicy(10, null), [a], 40).grantedConcurrent).toBe(9);
  });

  it('passes a limit of 1 from node to node as the turn moves', () => {
    const nodes = ['node-a', 'node-b', 'node-c'];
    const holderAt = (turn: number): string | undefined =>
      nodes.find((id) => {
        const others = nodes.filter((n) => n !== id).map((n) => other(n, { wanted: 3 }));
        return share(targetPolicy(1, null), others, 3, id, turn).grantedConcurrent === 1;
      });
    expect([0, 1, 2].map(holderAt).sort()).toEqual(nodes);
  });

  it('never lets the shares of all nodes add up to more than the limit, whatever order their rounds run in', () => {
    const p = targetPolicy(7, 30);
    const reports = new Map<string, TargetUsage>();
    const nodes = ['node-a', 'node-b', 'node-c'];
    for (let round = 0; round < 60; round++) {
      const id = nodes[(round * 7) % 3]!;
      const others = [...reports.values()].filter((usage) => usage.nodeId !== id);
      const mine = share(p, others, 1 + ((round * 5) % 9), id, round, Math.min(2, reports.get(id)?.grantedConcurrent ?? 0));
      reports.set(id, mine);
      const all = [...reports.values()];
      expect(all.reduce((sum, usage) => sum + Math.max(usage.grantedConcurrent, usage.inFlight), 0)).toBeLessThanOrEqual(7);
      expect(all.reduce((sum, usage) => sum + usage.grantedPerSecond, 0)).toBeLessThanOrEqual(30 + 1e-9);
    }
  });
});
