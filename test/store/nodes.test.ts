import { describe, expect, it } from 'vitest';
import type { NodeRegisterParams } from '../../src/store/types.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore } from './harness.js';
import { spyOnStatements } from './statement-spy.js';

function node(id: string): NodeRegisterParams {
  return { id, hostname: 'host-1', pid: 4242, role: 'all', version: '0.1.0' };
}

describeStore('nodes', (context) => {
  /** Makes a node's last heartbeat `seconds` old by the database's clock. */
  async function ageHeartbeat(id: string, seconds: number): Promise<void> {
    await context().db.query(`UPDATE scheduler_nodes SET heartbeat_at = now() - $2::int * interval '1 second' WHERE id = $1`, [id, seconds]);
  }

  describe('membership', () => {
    it('registers nodes, records heartbeats with the measured skew, and marks a node stopped', async () => {
      const { store } = context();
      await store.nodeRegister(node('node-a'));
      await store.nodeRegister(node('node-b'));
      const dbNow = await store.nodeHeartbeat({ id: 'node-a', clockSkewMs: -12 });
      expect(Math.abs(dbNow.getTime() - (await store.databaseNow()).getTime())).toBeLessThan(60_000);
      await store.nodeStop('node-b');

      const nodes = await store.nodeList();
      expect(nodes.map((n) => [n.id, n.clockSkewMs, n.stoppedAt === null])).toEqual([
        ['node-a', -12, true],
        ['node-b', 0, false],
      ]);
      expect(nodes[0]).toMatchObject({ hostname: 'host-1', pid: 4242, role: 'all', version: '0.1.0' });
    });

    it('brings a stopped node back to life when it registers again under the same id', async () => {
      const { store } = context();
      await store.nodeRegister(node('node-a'));
      await store.nodeStop('node-a');
      await store.nodeRegister({ ...node('node-a'), pid: 99 });
      expect(await store.nodeList()).toMatchObject([{ id: 'node-a', pid: 99, stoppedAt: null }]);
    });

    it('answers NOT_FOUND to a heartbeat from a node that never registered', async () => {
      await expect(context().store.nodeHeartbeat({ id: 'ghost', clockSkewMs: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('reaping dead nodes', () => {
    it('requeues at-least-once work and marks at-most-once work that may have been sent as LOST', async () => {
      const { store } = context();
      await store.nodeRegister(node('dead'));
      await store.nodeRegister(node('alive'));
      const atLeast = await store.jobCreate(jobParams({ type: 'AT_LEAST_ONCE' }));
      const atMost = await store.jobCreate(jobParams({ type: 'AT_MOST_ONCE' }));
      const t = at('2026-01-01T00:00:00Z');
      const running = attempt(atLeast.id, t, { ownerNode: 'dead', status: 'RUNNING', startedAt: t });
      const waiting = attempt(atLeast.id, at('2026-01-01T00:01:00Z'), { ownerNode: 'dead' });
      const sent = attempt(atMost.id, t, { ownerNode: 'dead', status: 'RUNNING', startedAt: t });
      const notSent = attempt(atMost.id, at('2026-01-01T00:01:00Z'), { ownerNode: 'dead' });
      const othersWork = attempt(atLeast.id, at('2026-01-01T00:02:00Z'), { ownerNode: 'alive', status: 'RUNNING' });
      const done = attempt(atMost.id, at('2025-12-31T00:00:00Z'), { ownerNode: 'dead', status: 'SUCCEEDED' });
      await store.executionWrite({ inserts: [running, waiting, sent, notSent, othersWork, done] });
      await ageHeartbeat('dead', 60);

      const result = await store.nodeReapDead({ timeoutMs: 10_000 });
      expect(result).toEqual({ deadNodes: ['dead'], requeued: 2, lost: 2 });

      const rows = new Map(
        [...(await store.executionList({ jobId: atLeast.id, limit: 10 })).items, ...(await store.executionList({ jobId: atMost.id, limit: 10 })).items].map((row) => [row.id, row]),
      );
      expect(rows.get(running.id)).toMatchObject({ status: 'SCHEDULED', ownerNode: null, startedAt: null });
      expect(rows.get(waiting.id)).toMatchObject({ status: 'SCHEDULED', ownerNode: null });
      expect(rows.get(sent.id)).toMatchObject({ status: 'LOST', ownerNode: 'dead' });
      expect(rows.get(sent.id)!.finishedAt).toBeInstanceOf(Date);
      expect(rows.get(notSent.id)).toMatchObject({ status: 'LOST' });
      expect(rows.get(othersWork.id)).toMatchObject({ status: 'RUNNING', ownerNode: 'alive' });
      expect(rows.get(done.id)).toMatchObject({ status: 'SUCCEEDED' });
      expect((await store.nodeList()).find((n) => n.id === 'dead')!.stoppedAt).toBeInstanceOf(Date);
    });

    it('finds nothing to do the second time, and leaves nodes with fresh heartbeats alone', async () => {
      const { store } = context();
      await store.nodeRegister(node('dead'));
      await store.nodeRegister(node('alive'));
      await ageHeartbeat('dead', 60);
      await ageHeartbeat('alive', 5);
      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: ['dead'], requeued: 0, lost: 0 });
      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: [], requeued: 0, lost: 0 });
    });

    it('finds nothing to do in one statement, outside any transaction', async () => {
      const { store, db } = context();
      await store.nodeRegister(node('alive'));
      const job = await store.jobCreate(jobParams());
      await store.executionWrite({ inserts: [attempt(job.id, at('2026-01-01T00:00:00Z'), { ownerNode: 'alive' })] });
      const sent: string[] = [];
      const reaped = await spyOnStatements(db, (text) => void sent.push(text), () => store.nodeReapDead({ timeoutMs: 10_000 }));
      expect(reaped).toEqual({ deadNodes: [], requeued: 0, lost: 0 });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/^SELECT EXISTS/);
    });

    it('settles work left behind by a node that stopped gracefully without releasing it', async () => {
      const { store } = context();
      await store.nodeRegister(node('gone'));
      const job = await store.jobCreate(jobParams());
      const row = attempt(job.id, at('2026-01-01T00:00:00Z'), { ownerNode: 'gone' });
      await store.executionWrite({ inserts: [row] });
      await store.nodeStop('gone');
      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: [], requeued: 1, lost: 0 });
    });

    it('revives a reaped node that heartbeats again, so its new work is not taken over', async () => {
      const { store } = context();
      await store.nodeRegister(node('slow'));
      await ageHeartbeat('slow', 60);
      await store.nodeReapDead({ timeoutMs: 10_000 });
      await store.nodeHeartbeat({ id: 'slow', clockSkewMs: 0 });
      const job = await store.jobCreate(jobParams());
      await store.executionWrite({ inserts: [attempt(job.id, at('2026-01-01T00:00:00Z'), { ownerNode: 'slow' })] });
      expect(await store.nodeReapDead({ timeoutMs: 10_000 })).toEqual({ deadNodes: [], requeued: 0, lost: 0 });
    });
  });
});
