import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids.js';
import type { ExecutionCompletion, JobCreateParams, OccurrencePlan, ScheduledJob, Store } from '../../src/store/types.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore } from './harness.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Occurrence number `n` of a job, started as an attempt owned by a node (its row inserted). */
/** The scheduled time of each attempt started here: a completion names its row by both. */
const scheduledAtOf = new Map<string, Date>();

async function started(store: Store, jobId: string, n: number): Promise<string> {
  const row = attempt(jobId, new Date(T0 + n * 1000), { id: uuidv7(), ownerNode: 'node-a' });
  await store.executionWrite({ inserts: [row] });
  scheduledAtOf.set(row.id, row.scheduledAt);
  return row.id;
}

/** The last attempt of an occurrence, ended at `finishedMs` after T0, moving the job's count. */
function ended(id: string, status: 'FAILED' | 'SUCCEEDED', finishedMs: number, error = 'HTTP 503: Service Unavailable'): ExecutionCompletion {
  const failed = status === 'FAILED';
  return {
    id,
    scheduledAt: scheduledAtOf.get(id)!,
    status,
    startedAt: new Date(T0 + finishedMs - 5),
    finishedAt: new Date(T0 + finishedMs),
    durationMs: 5,
    httpStatus: failed ? 503 : 200,
    error: failed ? error : null,
    streak: status,
  };
}

async function occurrences(store: Store, jobId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(await started(store, jobId, n));
  return ids;
}

function pausing(overrides: Partial<JobCreateParams> = {}): JobCreateParams {
  return jobParams({ pauseAfterFailures: 3, onFailure: 'https://example.com/alerts', ...overrides });
}

describeStore('auto-pause and time bounds', (context) => {
  describe('counting consecutive failures', () => {
    it('pauses the job in the write that records its Nth consecutive failure, saying why and when, once', async () => {
      const { store } = context();
      const job = await store.jobCreate(pausing());
      const [a, b, c] = await occurrences(store, job.id, 3);
      expect(await store.executionWrite({ completions: [ended(a!, 'FAILED', 10), ended(b!, 'FAILED', 20)] })).toEqual([]);
      expect(await store.jobGet(job.id)).toMatchObject({ consecutiveFailures: 2, paused: false, pausedReason: null });

      const third = ended(c!, 'FAILED', 30, 'HTTP 503: down for maintenance');
      const paused = await store.executionWrite({ completions: [third] });
      expect(paused).toEqual([
        expect.objectContaining({
          jobId: job.id,
          onFailure: 'https://example.com/alerts',
          pauseAfterFailures: 3,
          consecutiveFailures: 3,
          pausedReason: 'auto: 3 consecutive failures, last: HTTP 503: down for maintenance',
          executionId: c,
          httpStatus: 503,
        }),
      ]);
      const read = await store.jobGet(job.id);
      expect(read).toMatchObject({ paused: true, consecutiveFailures: 3, pausedReason: paused[0]!.pausedReason, version: job.version + 1 });
      expect(read.pausedAt).toBeInstanceOf(Date);
      // The same batch written again (a retried write) changes nothing and reports nothing.
      expect(await store.executionWrite({ completions: [third] })).toEqual([]);
      // Paused in the same statement: no claim takes it.
      const claimed = await store.jobClaimDue({ nodeId: 'n', now: at('2026-01-01T00:00:00Z'), until: at('2026-01-02T00:00:00Z'), limit: 10, plan: fireNext });
      expect(claimed.map((c) => c.job.id)).not.toContain(job.id);
    });

    it('starts again from 0 after a success, taking the outcomes of one write in the order they finished', async () => {
      const { store } = context();
      const job = await store.jobCreate(pausing());
      const ids = await occurrences(store, job.id, 5);
      // Written together, finished F, F, S, F, F: never three in a row.
      await store.executionWrite({
        completions: [ended(ids[4]!, 'FAILED', 50), ended(ids[0]!, 'FAILED', 10), ended(ids[2]!, 'SUCCEEDED', 30), ended(ids[1]!, 'FAILED', 20), ended(ids[3]!, 'FAILED', 40)],
      });
      expect(await store.jobGet(job.id)).toMatchObject({ paused: false, consecutiveFailures: 2 });
      const next = await started(store, job.id, 9);
      await store.executionWrite({ completions: [ended(next, 'SUCCEEDED', 90)] });
      expect(await store.jobGet(job.id)).toMatchObject({ paused: false, consecutiveFailures: 0 });
    });

    it('pauses at the failure that completes the run even when later outcomes of the same write follow it', async () => {
      const { store } = context();
      const job = await store.jobCreate(pausing({ pauseAfterFailures: 2 }));
      const ids = await occurrences(store, job.id, 3);
      const paused = await store.executionWrite({
        completions: [ended(ids[0]!, 'FAILED', 10, 'first'), ended(ids[1]!, 'FAILED', 20, 'second'), ended(ids[2]!, 'SUCCEEDED', 30)],
      });
      expect(paused.map((p) => [p.executionId, p.pausedReason])).toEqual([[ids[1], 'auto: 2 consecutive failures, last: second']]);
      expect(await store.jobGet(job.id)).toMatchObject({ paused: true, consecutiveFailures: 2 });
    });

    it('leaves the count alone for outcomes without a streak, and for jobs paused or inactive when they arrive', async () => {
      const { store } = context();
      const job = await store.jobCreate(pausing());
      const [a, b, c] = await occurrences(store, job.id, 3);
      await store.executionWrite({ completions: [{ ...ended(a!, 'FAILED', 10), streak: undefined }] });
      expect((await store.jobGet(job.id)).consecutiveFailures).toBe(0);
      await store.jobUpdate({ id: job.id, patch: { paused: true } });
      await store.executionWrite({ completions: [ended(b!, 'FAILED', 20)] });
      await store.jobUpdate({ id: job.id, patch: { paused: false } });
      await store.jobSoftDelete(job.id);
      await store.executionWrite({ completions: [ended(c!, 'FAILED', 30)] });
      expect(await store.jobGet(job.id)).toMatchObject({ consecutiveFailures: 0, paused: false, pausedReason: null });
    });

    it('counts every failure exactly once when many writes for one job arrive at the same time', async () => {
      const { store } = context();
      const job = await store.jobCreate(pausing({ pauseAfterFailures: 10 }));
      const ids = await occurrences(store, job.id, 24);
      // One write per occurrence, all at once, as from many nodes.
      const results = await Promise.all(ids.map((id, n) => store.executionWrite({ completions: [ended(id, 'FAILED', 10 + n)] })));
      const pauses = results.flat();
      expect(pauses).toHaveLength(1);
      expect(pauses[0]).toMatchObject({ consecutiveFailures: 10, pausedReason: expect.stringMatching(/^auto: 10 consecutive failures, last: HTTP 503/) });
      expect(await store.jobGet(job.id)).toMatchObject({ paused: true, consecutiveFailures: 10 });
    });

    it('starts afresh when pauseAfterFailures changes or the job is resumed', async () => {
      const { store } = context();
      const job = await store.jobCreate(pausing());
      const [a] = await occurrences(store, job.id, 1);
      await store.executionWrite({ completions: [ended(a!, 'FAILED', 10)] });
      expect((await store.jobGet(job.id)).consecutiveFailures).toBe(1);
      const updated = await store.jobUpdate({ id: job.id, patch: { pauseAfterFailures: 5, consecutiveFailures: 0 } });
      expect(updated).toMatchObject({ pauseAfterFailures: 5, consecutiveFailures: 0 });
    });
  });

  describe('time bounds', () => {
    it('keeps startAt, endAt and maxRuns, and counts the scheduled occurrences claims hand over', async () => {
      const { store } = context();
      const params = jobParams({ startAt: at('2026-01-01T00:00:00Z'), endAt: at('2026-06-30T00:00:00Z'), maxRuns: 10, nextRunAt: at('2026-01-01T00:00:01Z') });
      const created = await store.jobCreate(params);
      expect(await store.jobGet(params.id)).toEqual(created);
      expect(created).toMatchObject({ startAt: params.startAt, endAt: params.endAt, maxRuns: 10, runCount: 0, endedBy: null });
      const twice = (job: ScheduledJob): OccurrencePlan => ({
        fire: [0, 1].map((i) => ({ scheduledAt: new Date(job.nextRunAt!.getTime() + i), dueAt: new Date(job.nextRunAt!.getTime() + i) })),
        missed: [new Date(job.nextRunAt!.getTime() - 1000)],
        nextRunAt: at('2026-01-01T00:00:01.500Z'),
        deactivate: false,
      });
      const seen: number[] = [];
      const claim = (plan: (job: ScheduledJob) => OccurrencePlan) =>
        store.jobClaimDue({ nodeId: 'n', now: at('2026-01-01T00:00:00Z'), until: at('2026-01-01T00:00:02Z'), limit: 10, plan: (job) => (seen.push(job.runCount), plan(job)) });
      await claim(twice);
      expect((await store.jobGet(params.id)).runCount).toBe(2);
      await claim((job) => ({ ...twice(job), nextRunAt: null, deactivate: true, ended: { by: 'maxRuns', reason: 'ended: maxRuns 4 reached' } }));
      expect(seen).toEqual([0, 2]);
      const ended = await store.jobGet(params.id);
      expect(ended).toMatchObject({ runCount: 4, isActive: false, endedBy: 'maxRuns', pausedReason: 'ended: maxRuns 4 reached', version: created.version + 1 });
      expect(ended.pausedAt).toBeInstanceOf(Date);
    });

    it('refuses bounds on a one-time job and an endAt before startAt at the schema', async () => {
      const { store } = context();
      await expect(store.jobCreate(jobParams({ schedule: null, runAt: at('2026-03-01T00:00:00Z'), maxRuns: 2 }))).rejects.toThrow();
      await expect(store.jobCreate(jobParams({ startAt: at('2026-03-01T00:00:00Z'), endAt: at('2026-02-01T00:00:00Z') }))).rejects.toThrow();
    });
  });
});

/** Fires the job's next_run_at and moves it one minute on. */
function fireNext(job: ScheduledJob): OccurrencePlan {
  const next = job.nextRunAt!;
  return { fire: [{ scheduledAt: next, dueAt: next }], missed: [], nextRunAt: new Date(next.getTime() + 60_000), deactivate: false };
}
