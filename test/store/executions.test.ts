import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../../src/errors.js';
import { uuidv7 } from '../../src/ids.js';
import { ERROR_MAX_CHARS } from '../../src/store/sql/executions.js';
import type { ExecutionRecord } from '../../src/store/types.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore } from './harness.js';

describeStore('executions', (context) => {
  async function newJob(): Promise<string> {
    return (await context().store.jobCreate(jobParams())).id;
  }

  async function history(jobId: string): Promise<ExecutionRecord[]> {
    return (await context().store.executionList({ jobId, limit: 1000 })).items;
  }

  describe('write', () => {
    it('inserts attempts and completes them, in one call or in separate ones', async () => {
      const { store } = context();
      const jobId = await newJob();
      const first = attempt(jobId, at('2026-01-01T00:00:00Z'), { ownerNode: 'node-a' });
      const second = attempt(jobId, at('2026-01-01T00:01:00Z'));
      await store.executionWrite({
        inserts: [first, second],
        completions: [
          { id: first.id, scheduledAt: first.scheduledAt, status: 'SUCCEEDED', startedAt: at('2026-01-01T00:00:00.010Z'), finishedAt: at('2026-01-01T00:00:00.250Z'), durationMs: 240, httpStatus: 200, error: null },
        ],
      });
      await store.executionWrite({
        completions: [{ id: second.id, scheduledAt: second.scheduledAt, status: 'FAILED', startedAt: null, finishedAt: at('2026-01-01T00:01:05Z'), durationMs: 5000, httpStatus: null, error: 'timed out' }],
      });
      const [latest, earliest] = await history(jobId);
      expect(earliest).toMatchObject({ id: first.id, status: 'SUCCEEDED', ownerNode: 'node-a', durationMs: 240, httpStatus: 200, startedAt: at('2026-01-01T00:00:00.010Z') });
      expect(latest).toMatchObject({ id: second.id, status: 'FAILED', error: 'timed out', startedAt: null, trigger: 'schedule', attempt: 1 });
      expect(latest!.createdAt).toBeInstanceOf(Date);
    });

    it('skips an attempt that already exists instead of failing the batch', async () => {
      const { store } = context();
      const jobId = await newJob();
      const original = attempt(jobId, at('2026-01-01T00:00:00Z'), { ownerNode: 'node-a' });
      await store.executionWrite({ inserts: [original] });
      const fresh = attempt(jobId, at('2026-01-01T00:01:00Z'));
      await store.executionWrite({ inserts: [{ ...original, id: uuidv7(), ownerNode: 'node-b' }, fresh] });
      const rows = await history(jobId);
      expect(rows.map((row) => [row.id, row.ownerNode])).toEqual([[fresh.id, null], [original.id, 'node-a']]);
    });

    it('keeps a manual run and a scheduled occurrence of the same instant apart', async () => {
      const { store } = context();
      const jobId = await newJob();
      const instant = at('2026-01-01T00:00:00Z');
      await store.executionWrite({ inserts: [attempt(jobId, instant), attempt(jobId, instant, { trigger: 'manual' })] });
      expect((await history(jobId)).map((row) => row.trigger).sort()).toEqual(['manual', 'schedule']);
    });

    it('never rewrites a finished attempt when a completion is sent twice', async () => {
      const { store } = context();
      const jobId = await newJob();
      const row = attempt(jobId, at('2026-01-01T00:00:00Z'));
      const done = { id: row.id, scheduledAt: row.scheduledAt, status: 'SUCCEEDED' as const, startedAt: null, finishedAt: at('2026-01-01T00:00:01Z'), durationMs: 1, httpStatus: 204, error: null };
      await store.executionWrite({ inserts: [row], completions: [done] });
      await store.executionWrite({ completions: [{ ...done, status: 'FAILED', httpStatus: 500 }] });
      expect(await history(jobId)).toMatchObject([{ status: 'SUCCEEDED', httpStatus: 204 }]);
    });

    it('cuts an error text down to a bounded length', async () => {
      const { store } = context();
      const jobId = await newJob();
      const row = attempt(jobId, at('2026-01-01T00:00:00Z'));
      await store.executionWrite({
        inserts: [row],
        completions: [{ id: row.id, scheduledAt: row.scheduledAt, status: 'FAILED', startedAt: null, finishedAt: null, durationMs: null, httpStatus: 500, error: 'é'.repeat(ERROR_MAX_CHARS * 3) }],
      });
      const [stored] = await history(jobId);
      expect(stored!.error).toBe('é'.repeat(ERROR_MAX_CHARS));
    });

    it('writes nothing when any part of the batch fails', async () => {
      const { store } = context();
      const jobId = await newJob();
      const good = attempt(jobId, at('2026-01-01T00:00:00Z'));
      const refused = { ...attempt(jobId, at('2026-01-01T00:01:00Z')), attempt: 0 };
      await expect(store.executionWrite({ inserts: [good, refused] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await history(jobId)).toEqual([]);
    });
  });

  describe('list', () => {
    it('returns the history newest first, page by page, without gaps or repeats', async () => {
      const { store } = context();
      const jobId = await newJob();
      const inserts = Array.from({ length: 10 }, (_, i) => attempt(jobId, new Date(Date.UTC(2026, 0, 1, 0, i)), { status: 'SUCCEEDED' }));
      inserts.push(attempt(jobId, new Date(Date.UTC(2026, 0, 1, 0, 9)), { attempt: 2, status: 'FAILED' }));
      await store.executionWrite({ inserts });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: ExecutionRecord[]; nextCursor: string | null } = await store.executionList({ jobId, limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((row) => `${row.scheduledAt.getUTCMinutes()}#${row.attempt}`));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['9#2', '9#1', '8#1', '7#1', '6#1', '5#1', '4#1', '3#1', '2#1', '1#1', '0#1']);
    });

    it('answers NOT_FOUND for the history of an unknown job and an empty page for a job with none', async () => {
      const { store } = context();
      await expect(store.executionList({ jobId: uuidv7(), limit: 10 })).rejects.toSatisfy((error) => isJobSchedulerError(error, 'NOT_FOUND'));
      expect(await store.executionList({ jobId: await newJob(), limit: 10 })).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('retention', () => {
    it('deletes finished attempts scheduled before the cut-off from the default partition, at most a batch at a time, and keeps open ones', async () => {
      const { store } = context();
      const jobId = await newJob();
      const old = Array.from({ length: 5 }, (_, i) => attempt(jobId, new Date(Date.UTC(2025, 0, 1, 0, i)), { status: 'SUCCEEDED' }));
      const stillOpen = attempt(jobId, at('2025-01-01T01:00:00Z'), { status: 'SCHEDULED' });
      const recent = attempt(jobId, at('2026-01-01T00:00:00Z'), { status: 'SUCCEEDED' });
      await store.executionWrite({ inserts: [...old, stillOpen, recent] });
      const before = at('2025-06-01T00:00:00Z');

      expect(await store.executionDeleteOlderThan({ before, limit: 3 })).toBe(3);
      expect(await store.executionDeleteOlderThan({ before, limit: 3 })).toBe(2);
      expect(await store.executionDeleteOlderThan({ before, limit: 3 })).toBe(0);
      expect((await history(jobId)).map((row) => row.id).sort()).toEqual([stillOpen.id, recent.id].sort());
    });
  });

  describe('tie to the job', () => {
    it('takes no foreign key, in the partitioned table or in a partition made later, and goes with job rows removed by hand', async () => {
      const { store, db } = context();
      const removed = await newJob();
      const kept = await newJob();
      await store.executionPartitionsPrepare({ now: at('2026-01-01T00:00:00Z'), partitionMs: 60 * 60 * 1000, ahead: 1, lockTimeoutMs: 1000 });
      await store.executionWrite({
        inserts: [
          attempt(removed, at('2026-01-01T00:00:00Z'), { status: 'SUCCEEDED' }),
          attempt(removed, at('2030-01-01T00:00:00Z')),
          attempt(kept, at('2026-01-01T00:00:00Z'), { status: 'SUCCEEDED' }),
        ],
      });
      const keys = await db.query(
        `SELECT c.conrelid::regclass::text AS relation FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace AND t.relname LIKE 'executions%'`,
      );
      expect(keys.rows).toEqual([]);

      // Two statements' worth of removed jobs: the history goes once per statement.
      await db.query('DELETE FROM jobs WHERE id = $1', [removed]);
      await db.query('DELETE FROM jobs WHERE id = $1', [crypto.randomUUID()]);
      const left = await db.query<{ job_id: string }>('SELECT job_id FROM executions');
      expect(left.rows.map((row) => row.job_id)).toEqual([kept]);
    });
  });

  describe('running and release', () => {
    it('marks scheduled attempts running, and releases only this node\'s attempts that have not started', async () => {
      const { store } = context();
      const jobId = await newJob();
      const mine = attempt(jobId, at('2026-01-01T00:00:00Z'), { ownerNode: 'node-a' });
      const started = attempt(jobId, at('2026-01-01T00:01:00Z'), { ownerNode: 'node-a' });
      const theirs = attempt(jobId, at('2026-01-01T00:02:00Z'), { ownerNode: 'node-b' });
      await store.executionWrite({ inserts: [mine, started, theirs] });
      await store.executionMarkRunning({ ids: [started.id], scheduledAt: [started.scheduledAt], startedAt: at('2026-01-01T00:01:00.005Z') });
      await store.executionRelease({ nodeId: 'node-a', ids: [mine.id, started.id, theirs.id], scheduledAt: [mine.scheduledAt, started.scheduledAt, theirs.scheduledAt] });
      const byId = new Map((await history(jobId)).map((row) => [row.id, row]));
      expect(byId.get(mine.id)).toMatchObject({ ownerNode: null, status: 'SCHEDULED' });
      expect(byId.get(started.id)).toMatchObject({ ownerNode: 'node-a', status: 'RUNNING', startedAt: at('2026-01-01T00:01:00.005Z') });
      expect(byId.get(theirs.id)).toMatchObject({ ownerNode: 'node-b', status: 'SCHEDULED' });
    });

    it('marks a batch running with each attempt\'s own start time, and leaves finished attempts alone', async () => {
      const { store } = context();
      const jobId = await newJob();
      const first = attempt(jobId, at('2026-01-01T00:00:00Z'), { ownerNode: 'node-a' });
      const second = attempt(jobId, at('2026-01-01T00:00:01Z'), { ownerNode: 'node-a' });
      const done = attempt(jobId, at('2026-01-01T00:00:02Z'), { ownerNode: 'node-a', status: 'SUCCEEDED' });
      await store.executionWrite({ inserts: [first, second, done] });
      await store.executionMarkRunning({
        ids: [first.id, second.id, done.id],
        scheduledAt: [first.scheduledAt, second.scheduledAt, done.scheduledAt],
        startedAt: [at('2026-01-01T00:00:00.004Z'), at('2026-01-01T00:00:01.017Z'), at('2026-01-01T00:00:02.001Z')],
      });
      const byId = new Map((await history(jobId)).map((row) => [row.id, row]));
      expect(byId.get(first.id)).toMatchObject({ status: 'RUNNING', startedAt: at('2026-01-01T00:00:00.004Z') });
      expect(byId.get(second.id)).toMatchObject({ status: 'RUNNING', startedAt: at('2026-01-01T00:00:01.017Z') });
      expect(byId.get(done.id)).toMatchObject({ status: 'SUCCEEDED', startedAt: null });
    });
  });
});
