import { describe, expect, it } from 'vitest';
import type { OccurrencePlan, ScheduledJob } from '../../src/store/types.js';
import { attempt, at, jobParams, leaseRows } from './fixtures.js';
import { describeStore } from './harness.js';
import { spyOnStatements } from './statement-spy.js';

const NOW = at('2026-01-01T00:00:00Z');
const UNTIL = at('2026-01-01T00:00:02Z');

/** Fires the job's next_run_at and moves it one minute on. */
function fireNext(job: ScheduledJob): OccurrencePlan {
  const next = job.nextRunAt!;
  return { fire: [{ scheduledAt: next, dueAt: next }], missed: [], nextRunAt: new Date(next.getTime() + 60_000), deactivate: false };
}

describeStore('claims', (context) => {
  describe('claiming due jobs', () => {
    it('hands the due occurrences to the claiming node and moves each job past them', async () => {
      const { store, db } = context();
      const due = await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') }));
      const later = await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:03Z') }));
      const seen: string[] = [];
      const claimed = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: (job) => (seen.push(job.id), fireNext(job)) });

      expect(seen).toEqual([due.id]);
      expect(claimed).toHaveLength(1);
      expect(claimed[0]!.execution).toMatchObject({ jobId: due.id, scheduledAt: at('2026-01-01T00:00:01Z'), status: 'SCHEDULED', ownerNode: 'node-a', attempt: 1, trigger: 'schedule' });
      expect(claimed[0]!.job).toMatchObject({ id: due.id, api: due.api, nextRunAt: at('2026-01-01T00:01:01Z') });
      // Leased: the claim's one lease lists it, and it has no row until it is first written.
      const { execution, leased } = claimed[0]!;
      expect(leased).toEqual({ lease: { id: expect.any(String), size: 1 }, execution });
      expect((await leaseRows(db)).find((row) => row.id === leased!.lease.id)).toEqual({
        id: leased!.lease.id,
        owner_node: 'node-a',
        due_until: execution.dueAt,
        attempts: [[execution.id, due.id, execution.scheduledAt, execution.dueAt]],
      });
      expect((await store.executionList({ jobId: due.id, limit: 10 })).items).toEqual([]);
      expect((await store.jobGet(due.id)).nextRunAt).toEqual(at('2026-01-01T00:01:01Z'));
      expect((await store.jobGet(later.id)).nextRunAt).toEqual(at('2026-01-01T00:00:03Z'));
    });

    it('takes only the jobs of its own share, and another node\'s once they are due before othersUntil', async () => {
      const { store, db } = context();
      const jobs = [];
      for (let i = 0; i < 40; i++) jobs.push(await store.jobCreate(jobParams({ nextRunAt: at(i < 20 ? '2026-01-01T00:00:01Z' : '2026-01-01T00:00:00.200Z') })));
      const { rows } = await db.query<{ job_id: string; shard: number }>('SELECT job_id, shard FROM job_next_runs');
      const shardOf = new Map(rows.map((row) => [row.job_id, row.shard]));
      const mine = (id: string): boolean => shardOf.get(id)! % 2 === 1;
      const claimed = await store.jobClaimDue({
        nodeId: 'node-b', now: NOW, until: UNTIL, limit: 100, plan: fireNext,
        share: { index: 1, count: 2, othersUntil: at('2026-01-01T00:00:00.500Z') },
      });
      const taken = new Set(claimed.map((c) => c.job.id));
      // Its own due jobs, and every job due before othersUntil whoever's it is.
      const expected = jobs.filter((job, i) => i >= 20 || mine(job.id)).map((job) => job.id);
      expect([...taken].sort()).toEqual(expected.sort());
      expect(jobs.slice(0, 20).some((job) => !mine(job.id))).toBe(true);
    });

    it('reads a whole job only when the caller does not know its version, and plans from the current next run', async () => {
      const { store } = context();
      const first = await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') }));
      const known = new Map<string, ScheduledJob>();
      const reads: string[] = [];
      const knownJobs = {
        get: (id: string, version: number) => (known.get(id)?.version === version ? known.get(id) : undefined),
        remember: (job: ScheduledJob) => (reads.push(job.id), known.set(job.id, job)),
      };
      const claim = (now: Date, until: Date) => store.jobClaimDue({ nodeId: 'node-a', now, until, limit: 10, plan: fireNext, knownJobs });
      await claim(NOW, UNTIL);
      expect(reads).toEqual([first.id]);
      // Known at its version: planned from the next run now stored, without reading the job.
      const again = await claim(at('2026-01-01T00:01:00Z'), at('2026-01-01T00:01:02Z'));
      expect(reads).toEqual([first.id]);
      expect(again.map((c) => c.execution.scheduledAt)).toEqual([at('2026-01-01T00:01:01Z')]);
      // Changed: read again, and the change is what fires.
      await store.jobUpdate({ id: first.id, patch: { api: 'https://example.com/changed', nextRunAt: at('2026-01-01T00:02:01Z') } });
      const changed = await claim(at('2026-01-01T00:02:00Z'), at('2026-01-01T00:02:02Z'));
      expect(reads).toEqual([first.id, first.id]);
      expect(changed[0]!.job.api).toBe('https://example.com/changed');
    });

    it('records missed occurrences as finished and unowned, and returns only the ones to fire', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ nextRunAt: at('2025-12-31T23:58:00Z') }));
      const claimed = await store.jobClaimDue({
        nodeId: 'node-a',
        now: NOW,
        until: UNTIL,
        limit: 10,
        plan: () => ({
          fire: [{ scheduledAt: at('2025-12-31T23:59:00Z'), dueAt: NOW }],
          missed: [at('2025-12-31T23:58:00Z')],
          nextRunAt: at('2026-01-01T00:00:00Z'),
          deactivate: false,
        }),
      });
      expect(claimed.map((c) => c.execution.scheduledAt)).toEqual([at('2025-12-31T23:59:00Z')]);
      // The one to fire is leased; the missed one is written, finished.
      const history = (await store.executionList({ jobId: job.id, limit: 10 })).items;
      expect(history.map((row) => [row.scheduledAt.toISOString(), row.status, row.ownerNode])).toEqual([['2025-12-31T23:58:00.000Z', 'MISSED', null]]);
      expect(history[0]!.finishedAt).toEqual(NOW);
    });

    it('deactivates a one-time job once its occurrence is handed out', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ schedule: null, runAt: at('2026-01-01T00:00:01Z'), nextRunAt: at('2026-01-01T00:00:01Z') }));
      const claimed = await store.jobClaimDue({
        nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10,
        plan: (j) => ({ fire: [{ scheduledAt: j.runAt!, dueAt: j.runAt! }], missed: [], nextRunAt: null, deactivate: true }),
      });
      expect(claimed[0]!.job).toMatchObject({ isActive: false, nextRunAt: null });
      expect(await store.jobGet(job.id)).toMatchObject({ isActive: false, nextRunAt: null, version: 1 });
      expect(await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: fireNext })).toEqual([]);
    });

    it('leaves paused, inactive and never-again jobs alone', async () => {
      const { store } = context();
      await store.jobCreateMany([
        jobParams({ paused: true, nextRunAt: NOW }),
        jobParams({ isActive: false, nextRunAt: NOW }),
        jobParams({ nextRunAt: null }),
      ]);
      expect(await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: fireNext })).toEqual([]);
    });

    it('claims a job by when its next occurrence is due with its jitter, and keeps the due time the plan gives', async () => {
      const { store, db } = context();
      // Scheduled within the window, but delayed past it by jitter: not claimed yet.
      const delayed = await store.jobCreate(jobParams({ jitterMs: 5000, nextRunAt: at('2026-01-01T00:00:01Z'), nextDueAt: at('2026-01-01T00:00:04Z') }));
      const plain = await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01.500Z') }));
      const jittered = (job: ScheduledJob): OccurrencePlan => ({
        fire: [{ scheduledAt: job.nextRunAt!, dueAt: at('2026-01-01T00:00:04Z') }],
        missed: [],
        nextRunAt: at('2026-01-01T00:01:01Z'),
        nextDueAt: at('2026-01-01T00:01:03.250Z'),
        deactivate: false,
      });
      const first = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: fireNext });
      expect(first.map((c) => c.job.id)).toEqual([plain.id]);
      expect(first[0]!.job.jitterMs).toBe(0);

      const later = await store.jobClaimDue({ nodeId: 'node-a', now: at('2026-01-01T00:00:02Z'), until: at('2026-01-01T00:00:04Z'), limit: 10, plan: jittered });
      expect(later.map((c) => [c.job.id, c.job.jitterMs, c.execution.scheduledAt, c.execution.dueAt])).toEqual([
        [delayed.id, 5000, at('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:04Z')],
      ]);
      const { rows } = await db.query<{ job_id: string; next_run_at: Date; next_due_at: Date }>('SELECT job_id, next_run_at, next_due_at FROM job_next_runs ORDER BY next_due_at');
      expect(rows.map((row) => [row.job_id, row.next_run_at, row.next_due_at])).toEqual([
        [plain.id, at('2026-01-01T00:01:01.500Z'), at('2026-01-01T00:01:01.500Z')],
        [delayed.id, at('2026-01-01T00:01:01Z'), at('2026-01-01T00:01:03.250Z')],
      ]);
    });

    it('claims at most the limit, earliest first, and the rest on the next call', async () => {
      const { store } = context();
      const jobs = await store.jobCreateMany([3, 1, 2].map((s) => jobParams({ nextRunAt: new Date(NOW.getTime() - s * 1000) })));
      const first = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 2, plan: fireNext });
      expect(first.map((c) => c.job.id)).toEqual([jobs[0]!.id, jobs[2]!.id]);
      const second = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 2, plan: fireNext });
      expect(second.map((c) => c.job.id)).toEqual([jobs[1]!.id]);
    });

    it('inserts the attempts of jobs that forbid overlap, and leases the others in one row', async () => {
      const { store, db } = context();
      const forbid = await store.jobCreate(jobParams({ overlapPolicy: 'forbid', nextRunAt: NOW }));
      const allow = await store.jobCreateMany([jobParams({ nextRunAt: NOW }), jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') })]);
      const claimed = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: fireNext });
      const inserted = claimed.find((c) => c.job.id === forbid.id)!;
      expect(inserted.leased).toBeUndefined();
      expect((await store.executionList({ jobId: forbid.id, limit: 10 })).items).toEqual([inserted.execution]);
      const leased = claimed.filter((c) => c.leased);
      expect(leased.map((c) => c.job.id)).toEqual(allow.map((job) => job.id));
      const lease = leased[0]!.leased!.lease;
      expect(lease.size).toBe(2);
      expect(leased[1]!.leased!.lease).toBe(lease);
      expect((await leaseRows(db)).find((row) => row.id === lease.id)!.attempts).toEqual(leased.map(({ execution: e }) => [e.id, e.jobId, e.scheduledAt, e.dueAt]));
    });

    it('never plans an occurrence a claim planned before, even when an update moved the job back to it', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ nextRunAt: NOW }));
      const first = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: fireNext });
      expect(first.map((c) => c.execution.scheduledAt)).toEqual([NOW]);
      // A schedule edited within the look-ahead plans from the present again.
      await store.jobUpdate({ id: job.id, patch: { schedule: '* * * * * *', nextRunAt: NOW } });
      const everySecond = (planned: ScheduledJob): OccurrencePlan => ({
        fire: [0, 1000].map((ms) => ({ scheduledAt: new Date(planned.nextRunAt!.getTime() + ms), dueAt: new Date(planned.nextRunAt!.getTime() + ms) })),
        missed: [],
        nextRunAt: new Date(planned.nextRunAt!.getTime() + 2000),
        deactivate: false,
      });
      const again = await store.jobClaimDue({ nodeId: 'node-b', now: NOW, until: UNTIL, limit: 10, plan: everySecond });
      expect(again.map((c) => c.execution.scheduledAt)).toEqual([at('2026-01-01T00:00:01Z')]);
      expect((await store.jobGet(job.id)).nextRunAt).toEqual(at('2026-01-01T00:00:02Z'));
    });

    it('never hands out an attempt whose row exists, even when the plan asks for it again', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ overlapPolicy: 'forbid', nextRunAt: NOW }));
      const other = await store.jobCreate(jobParams({ overlapPolicy: 'forbid', nextRunAt: NOW }));
      await store.executionWrite({ inserts: [attempt(job.id, NOW, { ownerNode: 'node-b' })] });
      let plans = 0;
      const claimed = await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: (planned) => (plans++, fireNext(planned)) });
      // The claim inserts without skipping duplicates first; the duplicate failed that, and the
      // claim was taken again, skipping it: the other job's attempt went in, as stored.
      expect(claimed.map((c) => c.execution)).toEqual((await store.executionList({ jobId: other.id, limit: 10 })).items);
      expect(plans).toBe(4);
      expect((await store.jobGet(job.id)).nextRunAt).toEqual(at('2026-01-01T00:01:00Z'));
      expect((await store.executionList({ jobId: job.id, limit: 10 })).items.map((row) => row.ownerNode)).toEqual(['node-b']);
    });

    it('writes nothing when the plan throws', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ nextRunAt: NOW }));
      const failing = store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: () => { throw new Error('bad plan'); } });
      await expect(failing).rejects.toThrow();
      expect((await store.jobGet(job.id)).nextRunAt).toEqual(NOW);
      expect(await store.jobClaimDue({ nodeId: 'node-a', now: NOW, until: UNTIL, limit: 10, plan: fireNext })).toHaveLength(1);
    });
  });

  describe('claiming unowned attempts', () => {
    it('takes due attempts nobody owns, with their job, and leaves owned and future ones', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams());
      const retry = attempt(job.id, at('2025-12-31T23:59:00Z'), { attempt: 2, dueAt: at('2025-12-31T23:59:30Z') });
      const owned = attempt(job.id, at('2025-12-31T23:58:00Z'), { ownerNode: 'node-b' });
      const future = attempt(job.id, at('2026-01-01T00:10:00Z'));
      const finished = attempt(job.id, at('2025-12-31T23:57:00Z'), { status: 'SUCCEEDED' });
      await store.executionWrite({ inserts: [retry, owned, future, finished] });

      const claimed = await store.executionClaimDue({ nodeId: 'node-a', until: UNTIL, limit: 10 });
      expect(claimed.map((c) => c.execution.id)).toEqual([retry.id]);
      expect(claimed[0]!.execution).toMatchObject({ ownerNode: 'node-a', attempt: 2 });
      expect(claimed[0]!.job).toMatchObject({ id: job.id, api: job.api, headers: job.headers, retry: job.retry });
      expect(await store.executionClaimDue({ nodeId: 'node-c', until: UNTIL, limit: 10 })).toEqual([]);
    });

    it('only looks when nothing is due, without writing (the usual round)', async () => {
      const { store, db } = context();
      const job = await store.jobCreate(jobParams());
      await store.executionWrite({ inserts: [attempt(job.id, at('2026-01-01T00:10:00Z'))] });
      const sent: string[] = [];
      const claimed = await spyOnStatements(
        db,
        (text) => {
          sent.push(text);
          return undefined;
        },
        () => store.executionClaimDue({ nodeId: 'node-a', until: UNTIL, limit: 10 }),
      );
      expect(claimed).toEqual([]);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/^SELECT 1 FROM executions/);
    });
  });
});
