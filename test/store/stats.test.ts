import { describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../../src/store/types.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore } from './harness.js';

describeStore('dashboard figures', (context) => {
  async function newJob(): Promise<string> {
    return (await context().store.jobCreate(jobParams())).id;
  }

  /** One attempt with its status, as the engine would leave it. */
  function run(jobId: string, scheduledAt: string, status: ExecutionStatus, extra: { attempt?: number; trigger?: 'schedule' | 'manual' } = {}) {
    return attempt(jobId, at(scheduledAt), { status, attempt: extra.attempt ?? 1, trigger: extra.trigger ?? 'schedule' });
  }

  describe('outcomes by job', () => {
    it('counts each occurrence once, by its latest attempt, from the given instant on', async () => {
      const { store } = context();
      const jobId = await newJob();
      await store.executionWrite({
        inserts: [
          run(jobId, '2026-01-01T09:00:00Z', 'SUCCEEDED'), // before the window
          run(jobId, '2026-01-01T10:00:00Z', 'SUCCEEDED'),
          run(jobId, '2026-01-01T10:00:00Z', 'FAILED', { trigger: 'manual' }), // a run-now at the same instant is its own occurrence
          run(jobId, '2026-01-01T10:01:00Z', 'FAILED'),
          run(jobId, '2026-01-01T10:01:00Z', 'SUCCEEDED', { attempt: 2 }), // a retry that worked: a success
          run(jobId, '2026-01-01T10:02:00Z', 'FAILED'),
          run(jobId, '2026-01-01T10:02:00Z', 'FAILED', { attempt: 2 }), // out of attempts: a failure
          run(jobId, '2026-01-01T10:03:00Z', 'FAILED'),
          run(jobId, '2026-01-01T10:03:00Z', 'SCHEDULED', { attempt: 2 }), // still retrying: not counted yet
          run(jobId, '2026-01-01T10:04:00Z', 'MISSED'),
          run(jobId, '2026-01-01T10:05:00Z', 'LOST'),
          run(jobId, '2026-01-01T10:06:00Z', 'RUNNING'),
        ],
      });
      expect(await store.executionOutcomesByJob({ jobIds: [jobId], since: at('2026-01-01T10:00:00Z') })).toEqual([
        { jobId, succeeded: 2, failed: 3 },
      ]);
    });

    it('answers only for the jobs asked about, leaving out those with nothing finished', async () => {
      const { store } = context();
      const [asked, quiet, other] = [await newJob(), await newJob(), await newJob()];
      await store.executionWrite({
        inserts: [run(asked, '2026-01-01T10:00:00Z', 'SUCCEEDED'), run(quiet, '2026-01-01T10:00:00Z', 'SCHEDULED'), run(other, '2026-01-01T10:00:00Z', 'FAILED')],
      });
      const counts = await store.executionOutcomesByJob({ jobIds: [asked, quiet, 'not-a-uuid'], since: at('2026-01-01T00:00:00Z') });
      expect(counts).toEqual([{ jobId: asked, succeeded: 1, failed: 0 }]);
      expect(await store.executionOutcomesByJob({ jobIds: [], since: at('2026-01-01T00:00:00Z') })).toEqual([]);
    });
  });

  describe('recent firings', () => {
    it('counts attempts taken on in the window across all jobs, but not missed or skipped occurrences', async () => {
      const { store, db } = context();
      const [first, second] = [await newJob(), await newJob()];
      const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
      const secondsAgo = (seconds: number): string => new Date(rows[0]!.now.getTime() - seconds * 1000).toISOString();
      const old = run(first, secondsAgo(300), 'SUCCEEDED');
      // Retried for hours: its occurrence is older than the figures look back for.
      const longRetried = run(first, secondsAgo(3 * 3600), 'FAILED', { attempt: 9 });
      await store.executionWrite({
        inserts: [
          old,
          longRetried,
          run(first, secondsAgo(10), 'SUCCEEDED'),
          run(first, secondsAgo(9), 'FAILED'),
          run(second, secondsAgo(10), 'RUNNING'),
          run(second, secondsAgo(9), 'SCHEDULED'),
          run(second, secondsAgo(8), 'MISSED'),
          run(second, secondsAgo(7), 'SKIPPED'),
        ],
      });
      await db.query(`UPDATE executions SET created_at = now() - interval '5 minutes' WHERE id = $1`, [old.id]);
      expect(await store.executionCountRecent({ windowMs: 60_000 })).toBe(4);
      expect(await store.executionCountRecent({ windowMs: 3_600_000 })).toBe(5);
    });
  });

  describe('timeline', () => {
    it('counts attempts started per slice, the failures among them and their lateness percentiles, every slice present', async () => {
      const { store, db } = context();
      const jobId = await newJob();
      const started = (dueIso: string, lateMs: number, status: ExecutionStatus, attemptNumber = 1) => {
        const due = at(dueIso);
        return attempt(jobId, due, { status, attempt: attemptNumber, startedAt: new Date(due.getTime() + lateMs), finishedAt: new Date(due.getTime() + lateMs + 5) });
      };
      const planned = attempt(jobId, at('2026-01-01T10:29:30Z'), { status: 'MISSED' });
      await store.executionWrite({
        inserts: [
          started('2026-01-01T10:27:10Z', 10, 'SUCCEEDED'),
          started('2026-01-01T10:27:20Z', 30, 'FAILED'),
          started('2026-01-01T10:27:20Z', 50, 'SUCCEEDED', 2),
          started('2026-01-01T10:29:59Z', 200, 'LOST'),
          started('2026-01-01T09:00:00Z', 10, 'SUCCEEDED'), // before the window
          planned, // never started: not an attempt taken on
        ],
      });
      // Rows are written shortly before they are due; the query reads created_at to stay on its index.
      await db.query(`UPDATE executions SET created_at = '2026-01-01T10:20:00Z'`);

      const buckets = await store.executionTimeline({ now: at('2026-01-01T10:30:00Z'), windowMs: 10 * 60_000, bucketMs: 60_000 });
      expect(buckets).toHaveLength(10);
      expect(buckets[0]!.start).toEqual(at('2026-01-01T10:20:00Z'));
      expect(buckets.map((bucket) => bucket.started)).toEqual([0, 0, 0, 0, 0, 0, 0, 3, 0, 1]);
      expect(buckets.map((bucket) => bucket.failed)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
      expect(buckets[7]).toEqual({ start: at('2026-01-01T10:27:00Z'), started: 3, failed: 1, latenessP50Ms: 30, latenessP95Ms: 48, latenessP99Ms: 49.6 });
      expect(buckets[8]).toMatchObject({ started: 0, latenessP50Ms: null, latenessP99Ms: null });
      expect(buckets[9]).toMatchObject({ start: at('2026-01-01T10:29:00Z'), latenessP50Ms: 200 });
    });
  });
});
