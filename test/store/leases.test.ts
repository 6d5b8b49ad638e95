import { describe, expect, it } from 'vitest';
import type { ClaimedAttempt, ExecutionCompletion, NodeRegisterParams, OccurrencePlan, ScheduledJob, Store } from '../../src/store/types.js';
import { at, jobParams, leaseRows } from './fixtures.js';
import { describeStore } from './harness.js';

const NOW = at('2026-01-01T00:00:00Z');
const UNTIL = at('2026-01-01T00:00:02Z');

function fireNext(job: ScheduledJob): OccurrencePlan {
  const next = job.nextRunAt!;
  return { fire: [{ scheduledAt: next, dueAt: next }], missed: [], nextRunAt: new Date(next.getTime() + 60_000), deactivate: false };
}

function node(id: string): NodeRegisterParams {
  return { id, hostname: 'host-1', pid: 4242, role: 'all', version: '0.1.0' };
}

/** The outcome the engine writes for a claimed attempt. */
function outcome(claimed: ClaimedAttempt, status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED'): ExecutionCompletion {
  const startedAt = new Date(claimed.execution.dueAt.getTime() + 5);
  return {
    id: claimed.execution.id,
    scheduledAt: claimed.execution.scheduledAt,
    status,
    startedAt,
    finishedAt: new Date(startedAt.getTime() + 20),
    durationMs: 20,
    httpStatus: status === 'SUCCEEDED' ? 200 : 500,
    error: status === 'SUCCEEDED' ? null : 'HTTP 500',
    leased: claimed.leased,
  };
}

describeStore('leased attempts', (context) => {
  async function claimFor(store: Store, nodeId: string, count = 1, overrides: Parameters<typeof jobParams>[0] = {}): Promise<ClaimedAttempt[]> {
    await store.jobCreateMany(Array.from({ length: count }, () => jobParams({ nextRunAt: at('2026-01-01T00:00:01Z'), ...overrides })));
    return store.jobClaimDue({ nodeId, now: NOW, until: UNTIL, limit: 100, plan: fireNext });
  }

  async function rows(jobId: string): Promise<unknown[][]> {
    const { items } = await context().store.executionList({ jobId, limit: 10 });
    return items.map((row) => [row.id, row.status, row.ownerNode, row.httpStatus]);
  }

  describe('outcomes', () => {
    it('inserts the row of a leased attempt with its outcome, once, and removes the lease in the same write', async () => {
      const { store, db } = context();
      const [claimed] = await claimFor(store, 'node-a');
      await store.executionWrite({ completions: [outcome(claimed!)], leasesDone: [claimed!.leased!.lease.id] });
      const [row] = (await store.executionList({ jobId: claimed!.job.id, limit: 10 })).items;
      expect(row).toEqual({
        ...claimed!.execution,
        status: 'SUCCEEDED',
        startedAt: at('2026-01-01T00:00:01.005Z'),
        finishedAt: at('2026-01-01T00:00:01.025Z'),
        durationMs: 20,
        httpStatus: 200,
        // Taken on when the claim was: the lease's time, as the claim's insert had it.
        createdAt: row!.createdAt,
      });
      expect(Math.abs(row!.createdAt.getTime() - claimed!.execution.createdAt.getTime())).toBeLessThan(1);
      expect(await leaseRows(db)).toEqual([]);
      // Written again (a batch whose commit was not heard back): the finished row stays as it is.
      await store.executionWrite({ completions: [outcome(claimed!, 'FAILED')] });
      expect(await rows(claimed!.job.id)).toEqual([[claimed!.execution.id, 'SUCCEEDED', 'node-a', 200]]);
    });

    // Told or not that the row may exist (mayHaveRow), the outcome completes it.
    it.each([true, undefined])('marks a slow leased attempt RUNNING by inserting its row, which its outcome then completes (mayHaveRow %s)', async (mayHaveRow) => {
      const { store } = context();
      const [claimed] = await claimFor(store, 'node-a');
      const { execution } = claimed!;
      await store.executionMarkRunning({ ids: [execution.id], scheduledAt: [execution.scheduledAt], startedAt: at('2026-01-01T00:00:01.005Z'), leased: [claimed!.leased!] });
      expect(await rows(claimed!.job.id)).toEqual([[execution.id, 'RUNNING', 'node-a', null]]);
      await store.executionWrite({ completions: [{ ...outcome(claimed!), mayHaveRow }] });
      expect(await rows(claimed!.job.id)).toEqual([[execution.id, 'SUCCEEDED', 'node-a', 200]]);
    });

    it('writes a whole batch again when a leased attempt in it turns out to have its row: each outcome and insert lands once', async () => {
      const { store, db } = context();
      const [running, fresh] = await claimFor(store, 'node-a', 2);
      await store.executionMarkRunning({ ids: [running!.execution.id], scheduledAt: [running!.execution.scheduledAt], startedAt: at('2026-01-01T00:00:01.005Z'), leased: [running!.leased!] });
      const retry = { ...running!.execution, id: '0190d2a4-0000-7000-8000-00000000beef', attempt: 2, status: 'SCHEDULED' as const, ownerNode: null };
      await store.executionWrite({ inserts: [retry], completions: [outcome(fresh!), outcome(running!, 'FAILED')], leasesDone: [fresh!.leased!.lease.id] });
      expect(await rows(running!.job.id)).toEqual([
        [retry.id, 'SCHEDULED', null, null],
        [running!.execution.id, 'FAILED', 'node-a', 500],
      ]);
      expect(await rows(fresh!.job.id)).toEqual([[fresh!.execution.id, 'SUCCEEDED', 'node-a', 200]]);
      expect(await leaseRows(db)).toEqual([]);
    });

    it('counts failures of a job that pauses on them, leased or not', async () => {
      const { store } = context();
      const [claimed] = await claimFor(store, 'node-a', 1, { pauseAfterFailures: 1 });
      const paused = await store.executionWrite({ completions: [{ ...outcome(claimed!, 'FAILED'), streak: 'FAILED' }] });
      expect(paused.map((job) => [job.jobId, job.executionId])).toEqual([[claimed!.job.id, claimed!.execution.id]]);
      expect(await rows(claimed!.job.id)).toEqual([[claimed!.execution.id, 'FAILED', 'node-a', 500]]);
    });
  });

  describe('turning leases into rows', () => {
    it('settles the leased attempts of a dead node like its other open attempts, and a late outcome still lands', async () => {
      const { store, db } = context();
      await store.nodeRegister(node('dead'));
      await store.nodeRegister(node('alive'));
      const atLeastOnce = await claimFor(store, 'dead', 2);
      const atMostOnce = await claimFor(store, 'dead', 1, { type: 'AT_MOST_ONCE' });
      const mine = await claimFor(store, 'alive', 1);
      // One of the dead node's attempts was written before it died.
      await store.executionWrite({ completions: [outcome(atLeastOnce[0]!)] });
      await db.query(`UPDATE scheduler_nodes SET heartbeat_at = now() - interval '60 seconds' WHERE id = 'dead'`);

      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: ['dead'], requeued: 1, lost: 1 });
      expect(await rows(atLeastOnce[0]!.job.id)).toEqual([[atLeastOnce[0]!.execution.id, 'SUCCEEDED', 'dead', 200]]);
      expect(await rows(atLeastOnce[1]!.job.id)).toEqual([[atLeastOnce[1]!.execution.id, 'SCHEDULED', null, null]]);
      expect(await rows(atMostOnce[0]!.job.id)).toEqual([[atMostOnce[0]!.execution.id, 'LOST', 'dead', null]]);
      // The live node's lease is untouched.
      expect((await leaseRows(db)).map((lease) => lease.owner_node)).toEqual(['alive']);
      expect(await rows(mine[0]!.job.id)).toEqual([]);
      // Any node takes the requeued attempt.
      const taken = await store.executionClaimDue({ nodeId: 'alive', until: UNTIL, limit: 10 });
      expect(taken.map((c) => c.execution.id)).toEqual([atLeastOnce[1]!.execution.id]);
      // The dead node was only cut off: its outcome, sent on, replaces LOST.
      await store.executionWrite({ completions: [outcome(atMostOnce[0]!)] });
      expect(await rows(atMostOnce[0]!.job.id)).toEqual([[atMostOnce[0]!.execution.id, 'SUCCEEDED', 'dead', 200]]);
      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: [], requeued: 0, lost: 0 });
    });

    it('takes the leases of an owner that never registered too', async () => {
      const { store, db } = context();
      const [claimed] = await claimFor(store, 'ghost');
      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: [], requeued: 1, lost: 0 });
      expect(await rows(claimed!.job.id)).toEqual([[claimed!.execution.id, 'SCHEDULED', null, null]]);
      expect(await leaseRows(db)).toEqual([]);
    });

    it('lists what a node owns with its overdue leases as rows, and leaves leases still due later alone', async () => {
      const { store, db } = context();
      const [overdue] = await claimFor(store, 'node-a');
      const [elsewhere] = await claimFor(store, 'node-b');
      await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:05Z') }));
      const [later] = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: at('2026-01-01T00:00:06Z'), limit: 10, plan: fireNext });
      const owned = await store.executionListOwned({ nodeId: 'node-a', dueBefore: at('2026-01-01T00:00:03Z'), limit: 10 });
      expect(owned.map((c) => [c.execution.id, c.execution.status, c.job.id])).toEqual([[overdue!.execution.id, 'SCHEDULED', overdue!.job.id]]);
      expect(owned[0]!.leased).toBeUndefined();
      expect((await leaseRows(db)).map((lease) => lease.id).sort()).toEqual([elsewhere!.leased!.lease.id, later!.leased!.lease.id].sort());
      // The node still completes what it held: the row exists now, and is updated.
      await store.executionWrite({ completions: [outcome(overdue!)] });
      expect(await rows(overdue!.job.id)).toEqual([[overdue!.execution.id, 'SUCCEEDED', 'node-a', 200]]);
    });

    it('hands back attempts a node has not sent, turning all its leases into rows first', async () => {
      const { store, db } = context();
      const claimed = await claimFor(store, 'node-a', 2);
      const [unsent, inFlight] = claimed;
      await store.executionRelease({ nodeId: 'node-a', ids: [unsent!.execution.id], scheduledAt: [unsent!.execution.scheduledAt] });
      expect(await rows(unsent!.job.id)).toEqual([[unsent!.execution.id, 'SCHEDULED', null, null]]);
      expect(await rows(inFlight!.job.id)).toEqual([[inFlight!.execution.id, 'SCHEDULED', 'node-a', null]]);
      expect(await leaseRows(db)).toEqual([]);
      await store.executionWrite({ completions: [outcome(inFlight!)], leasesDone: [inFlight!.leased!.lease.id] });
      expect(await rows(inFlight!.job.id)).toEqual([[inFlight!.execution.id, 'SUCCEEDED', 'node-a', 200]]);
    });

    it('leaves an occurrence a node holds under a lease to it when the range is backfilled', async () => {
      const { store, db } = context();
      const [claimed] = await claimFor(store, 'node-a');
      const result = await store.executionBackfill({ jobId: claimed!.job.id, occurrences: [claimed!.execution.scheduledAt], now: NOW, intervalMs: 1000 });
      expect(result).toMatchObject({ queued: 0, skipped: { succeeded: 0, inProgress: 1, maybeSent: 0 } });
      expect(await rows(claimed!.job.id)).toEqual([[claimed!.execution.id, 'SCHEDULED', 'node-a', null]]);
      // The lease stays with its node, which writes the outcome over the row.
      expect((await leaseRows(db)).map((lease) => lease.id)).toEqual([claimed!.leased!.lease.id]);
    });
  });
});
