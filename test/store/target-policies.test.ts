import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids.js';
import type { TargetPolicyRecord, TargetUsage } from '../../src/store/types.js';
import { codeOf, describeStore } from './harness.js';

const definition = { name: 'api', pattern: 'https://api.example.com', maxConcurrent: 10, maxPerSecond: 100 };

/** The node's report as it asks: wanted and in flight, and the shares given. */
const report = (nodeId: string, policies: readonly TargetPolicyRecord[], wanted: number, grantedConcurrent: number): TargetUsage[] =>
  policies.map((policy) => ({ policyId: policy.id, nodeId, wanted, inFlight: 0, grantedConcurrent, grantedPerSecond: grantedConcurrent * 10 }));

describeStore('target policies', (context) => {
  describe('create, read, change, delete', () => {
    it('stores a policy and reads it back, lists by name, and refuses a taken name or pattern', async () => {
      const { store } = context();
      const created = await store.targetPolicyCreate({ id: uuidv7(), ...definition });
      expect(created).toMatchObject({ ...definition, version: 1 });
      expect(await store.targetPolicyGet(created.id)).toEqual(created);
      await store.targetPolicyCreate({ id: uuidv7(), name: 'a first', pattern: '*.example.com', maxConcurrent: null, maxPerSecond: 5 });
      expect((await store.targetPolicyList()).map((policy) => policy.name)).toEqual(['a first', 'api']);
      expect(await codeOf(store.targetPolicyCreate({ id: uuidv7(), ...definition, name: 'other' }))).toBe('CONFLICT');
      expect(await codeOf(store.targetPolicyCreate({ id: uuidv7(), ...definition, pattern: 'api.example.com' }))).toBe('CONFLICT');
    });

    it('changes only the fields given at the expected version, and deletes', async () => {
      const { store } = context();
      const created = await store.targetPolicyCreate({ id: uuidv7(), ...definition });
      const updated = await store.targetPolicyUpdate({ id: created.id, patch: { maxConcurrent: null }, expectedVersion: 1 });
      expect(updated).toMatchObject({ name: 'api', maxConcurrent: null, maxPerSecond: 100, version: 2 });
      expect(await codeOf(store.targetPolicyUpdate({ id: created.id, patch: { name: 'x' }, expectedVersion: 1 }))).toBe('PRECONDITION_FAILED');
      expect(await codeOf(store.targetPolicyUpdate({ id: uuidv7(), patch: { name: 'x' } }))).toBe('NOT_FOUND');
      await store.targetPolicyDelete(created.id);
      expect(await codeOf(store.targetPolicyGet(created.id))).toBe('NOT_FOUND');
      expect(await codeOf(store.targetPolicyDelete(created.id))).toBe('NOT_FOUND');
    });
  });

  describe('budget rounds', () => {
    it('shows each node what the other live nodes last reported, and keeps its own report', async () => {
      const { store, db } = context();
      const policy = await store.targetPolicyCreate({ id: uuidv7(), ...definition });
      for (const id of ['node-a', 'node-b', 'node-c']) await store.nodeRegister({ id, hostname: 'h', pid: 1, role: 'all', version: '1' });
      const seen: Record<string, readonly TargetUsage[]> = {};
      const round = (nodeId: string, wanted: number, granted: number) =>
        store.targetBudgetExchange({
          nodeId,
          nodeTimeoutMs: 10_000,
          demand: new Map(),
          allocate: (policies, others) => ((seen[nodeId] = others), report(nodeId, policies, wanted, granted)),
        });
      const first = await round('node-a', 4, 3);
      expect(first.policies.map((p) => p.id)).toEqual([policy.id]);
      expect(first.shares).toEqual([{ policyId: policy.id, nodeId: 'node-a', wanted: 4, inFlight: 0, grantedConcurrent: 3, grantedPerSecond: 30 }]);
      await round('node-c', 1, 1);
      await round('node-b', 2, 2);
      expect(seen['node-b']!.map((usage) => [usage.nodeId, usage.wanted, usage.grantedConcurrent, usage.grantedPerSecond]).sort()).toEqual([
        ['node-a', 4, 3, 30],
        ['node-c', 1, 1, 10],
      ]);
      // A stopped node and one whose heartbeat is older than the timeout no longer count.
      await store.nodeStop('node-a');
      await db.query(`UPDATE scheduler_nodes SET heartbeat_at = now() - interval '1 minute' WHERE id = 'node-c'`);
      await round('node-b', 2, 2);
      expect(seen['node-b']).toEqual([]);
    });

    it('answers no policy and writes nothing while none exists', async () => {
      const { store } = context();
      const result = await store.targetBudgetExchange({ nodeId: 'node-a', nodeTimeoutMs: 10_000, demand: new Map(), allocate: () => [] });
      expect(result).toEqual({ policies: [], shares: [] });
    });
  });
});
