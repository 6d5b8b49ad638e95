import { describe, expect, it } from 'vitest';
import { backfillVerdict } from '../../src/store/sql/backfill.js';
import type { ExecutionRecord, ExecutionStatus } from '../../src/store/types.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore } from './harness.js';

describe('backfillVerdict', () => {
  const of = (...rows: [trigger: string, status: ExecutionStatus][]) => rows.map(([trigger, status]) => ({ trigger, status }));

  it('fires an occurrence that has no attempt, or only MISSED or SKIPPED ones', () => {
    for (const type of ['AT_LEAST_ONCE', 'AT_MOST_ONCE'] as const) {
      expect(backfillVerdict(type, [])).toBe('fire');
      expect(backfillVerdict(type, of(['schedule', 'MISSED']))).toBe('fire');
      expect(backfillVerdict(type, of(['schedule', 'SKIPPED'], ['backfill', 'SKIPPED']))).toBe('fire');
    }
  });

  it('leaves alone an occurrence that succeeded, by either trigger, or is still open', () => {
    expect(backfillVerdict('AT_LEAST_ONCE', of(['schedule', 'FAILED'], ['schedule', 'SUCCEEDED']))).toBe('succeeded');
    expect(backfillVerdict('AT_LEAST_ONCE', of(['schedule', 'RUNNING']))).toBe('inProgress');
    expect(backfillVerdict('AT_LEAST_ONCE', of(['schedule', 'FAILED'], ['schedule', 'SCHEDULED']))).toBe('inProgress');
  });

  it('counts an occurrence already backfilled as queued, whatever became of it, so it is never fired twice', () => {
    for (const status of ['SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'LOST'] as const) {
      expect(backfillVerdict('AT_LEAST_ONCE', of(['schedule', 'MISSED'], ['backfill', status]))).toBe('queued');
    }
  });

  it('fires a FAILED or LOST occurrence again only for AT_LEAST_ONCE: under AT_MOST_ONCE it may have been delivered', () => {
    for (const status of ['FAILED', 'LOST'] as const) {
      expect(backfillVerdict('AT_LEAST_ONCE', of(['schedule', status]))).toBe('fire');
      expect(backfillVerdict('AT_MOST_ONCE', of(['schedule', status]))).toBe('maybeSent');
    }
  });
});

describeStore('backfill and overrides', (context) => {
  async function history(jobId: string): Promise<ExecutionRecord[]> {
    return (await context().store.executionList({ jobId, limit: 1000 })).items;
  }
  const now = at('2026-01-02T00:00:00Z');
  const hours = (count: number) => Array.from({ length: count }, (_, i) => new Date(at('2026-01-01T00:00:00Z').getTime() + i * 3_600_000));

  it('keeps a run-now override with its attempt, and none on other attempts', async () => {
    const { store } = context();
    const jobId = (await store.jobCreate(jobParams())).id;
    const override = { payload: { only: 'once', nested: [1, 'two'] }, headers: { 'X-Tenant': 'b' } };
    const manual = attempt(jobId, at('2026-01-01T00:00:00Z'), { trigger: 'manual', override });
    const scheduled = attempt(jobId, at('2026-01-01T00:00:00Z'));
    await store.executionWrite({ inserts: [manual, scheduled] });
    const rows = await history(jobId);
    expect(rows.find((row) => row.trigger === 'manual')).toMatchObject({ id: manual.id, override });
    expect(rows.find((row) => row.trigger === 'schedule')).toMatchObject({ id: scheduled.id, override: null });
    const claimed = await store.executionClaimDue({ nodeId: 'node-a', until: at('2026-01-01T00:00:01Z'), limit: 10 });
    expect(claimed.find((c) => c.execution.id === manual.id)?.execution.override).toEqual(override);
  });

  it('queues every occurrence without a success, spaced by the interval, and a second identical call queues nothing', async () => {
    const { store } = context();
    const jobId = (await store.jobCreate(jobParams())).id;
    const [h0, h1, h2, h3] = hours(4);
    await store.executionWrite({
      inserts: [
        attempt(jobId, h0!, { status: 'SUCCEEDED' }),
        attempt(jobId, h1!, { status: 'MISSED' }),
        attempt(jobId, h2!, { status: 'FAILED' }),
      ],
    });
    const params = { jobId, occurrences: [h0!, h1!, h2!, h3!], now, intervalMs: 2000 };
    const first = await store.executionBackfill(params);
    expect(first).toEqual({
      occurrences: [h1, h2, h3],
      queued: 3,
      skipped: { succeeded: 1, inProgress: 0, maybeSent: 0 },
      firstDueAt: now,
      lastDueAt: new Date(now.getTime() + 4000),
    });
    const queued = (await history(jobId)).filter((row) => row.trigger === 'backfill');
    expect(queued.map((row) => [row.scheduledAt, row.dueAt, row.status, row.ownerNode, row.attempt]).reverse()).toEqual([
      [h1, now, 'SCHEDULED', null, 1],
      [h2, new Date(now.getTime() + 2000), 'SCHEDULED', null, 1],
      [h3, new Date(now.getTime() + 4000), 'SCHEDULED', null, 1],
    ]);
    const again = await store.executionBackfill(params);
    expect(again).toEqual({ ...first, queued: 0, firstDueAt: null, lastDueAt: null });
    expect((await history(jobId)).filter((row) => row.trigger === 'backfill')).toHaveLength(3);
  });

  it('spaces a second backfill after what the first still has queued', async () => {
    const { store } = context();
    const jobId = (await store.jobCreate(jobParams())).id;
    const [h0, h1, h2] = hours(3);
    await store.executionBackfill({ jobId, occurrences: [h0!, h1!], now, intervalMs: 1000 });
    const second = await store.executionBackfill({ jobId, occurrences: [h0!, h1!, h2!], now, intervalMs: 1000 });
    expect(second).toMatchObject({ occurrences: [h0, h1, h2], queued: 1, firstDueAt: new Date(now.getTime() + 2000) });
  });

  it('queues again a backfilled occurrence that was withdrawn unsent (SKIPPED)', async () => {
    const { store } = context();
    const jobId = (await store.jobCreate(jobParams())).id;
    const [h0] = hours(1);
    await store.executionBackfill({ jobId, occurrences: [h0!], now, intervalMs: 1000 });
    const [row] = await history(jobId);
    await store.executionWrite({ completions: [{ id: row!.id, scheduledAt: row!.scheduledAt, status: 'SKIPPED', startedAt: null, finishedAt: now, durationMs: null, httpStatus: null, error: 'withdrawn' }] });
    const later = new Date(now.getTime() + 60_000);
    expect(await store.executionBackfill({ jobId, occurrences: [h0!], now: later, intervalMs: 1000 })).toMatchObject({ queued: 1, firstDueAt: later });
    expect(await history(jobId)).toMatchObject([{ id: row!.id, status: 'SCHEDULED', dueAt: later, error: null, finishedAt: null }]);
  });

  it('leaves an AT_MOST_ONCE occurrence that may have been sent, and one still in progress', async () => {
    const { store } = context();
    const jobId = (await store.jobCreate(jobParams({ type: 'AT_MOST_ONCE' }))).id;
    const [h0, h1, h2] = hours(3);
    await store.executionWrite({
      inserts: [attempt(jobId, h0!, { status: 'LOST' }), attempt(jobId, h1!, { status: 'RUNNING', ownerNode: 'node-a' }), attempt(jobId, h2!, { status: 'MISSED' })],
    });
    const result = await store.executionBackfill({ jobId, occurrences: [h0!, h1!, h2!], now, intervalMs: 1000 });
    expect(result).toMatchObject({ occurrences: [h2], queued: 1, skipped: { succeeded: 0, inProgress: 1, maybeSent: 1 } });
  });

  it('answers NOT_FOUND for an unknown job', async () => {
    await expect(
      context().store.executionBackfill({ jobId: '0196f3a0-0000-7000-8000-000000000000', occurrences: [now], now, intervalMs: 1000 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
