import { describe, expect, it } from 'vitest';
import { jitterDelayMs } from '../jobs/jitter.js';
import { CATCH_UP_SPACING_MS, MAX_CATCH_UP, MAX_MISFIRES_LISTED, planOccurrences, type PlanWindow } from './planner.js';
import { cachedCronSchedules } from './schedules.js';
import { periodicSchedules, scheduledJob } from '../../test/scheduler/fixtures.js';

const T = Date.UTC(2026, 2, 1, 12, 0, 0);
const at = (offsetMs: number): Date => new Date(T + offsetMs);
const window = (nowOffset: number, lookaheadMs = 2000, graceMs = 1000): PlanWindow => ({
  now: at(nowOffset),
  until: at(nowOffset + lookaheadMs),
  graceMs,
});
const times = (dates: readonly Date[]): number[] => dates.map((d) => d.getTime() - T);

describe('planning the occurrences of a due job', () => {
  it('fires every occurrence inside the look-ahead window at its own instant and moves next_run_at past it', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(1000) }), window(0), periodicSchedules);
    expect(plan.fire.map((f) => [f.scheduledAt.getTime() - T, f.dueAt.getTime() - T])).toEqual([
      [1000, 1000],
      [2000, 2000],
    ]);
    expect(plan.missed).toEqual([]);
    expect(plan.nextRunAt).toEqual(at(3000));
    expect(plan.deactivate).toBe(false);
  });

  it('still fires an occurrence that is late by less than the grace period', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0) }), window(600), periodicSchedules);
    expect(times(plan.fire.map((f) => f.scheduledAt))).toEqual([0, 1000, 2000]);
    expect(plan.missed).toEqual([]);
  });

  it('records each misfired occurrence as MISSED under skip and fires the next one on time', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0), misfirePolicy: 'skip' }), window(5500), periodicSchedules);
    expect(times(plan.missed)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(plan.fire.map((f) => [f.scheduledAt.getTime() - T, f.dueAt.getTime() - T])).toEqual([
      [5000, 5000],
      [6000, 6000],
      [7000, 7000],
    ]);
    expect(plan.nextRunAt).toEqual(at(8000));
  });

  it('fires only the most recent misfired occurrence, now, under fire_once', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0), misfirePolicy: 'fire_once' }), window(5500), periodicSchedules);
    expect(times(plan.missed)).toEqual([0, 1000, 2000, 3000]);
    expect(plan.fire[0]).toEqual({ scheduledAt: at(4000), dueAt: at(5500) });
    expect(times(plan.fire.slice(1).map((f) => f.scheduledAt))).toEqual([5000, 6000, 7000]);
  });

  it('fires every misfired occurrence, spread out from now and oldest first, under fire_all', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0), misfirePolicy: 'fire_all' }), window(3500), periodicSchedules);
    expect(plan.missed).toEqual([]);
    expect(plan.fire.slice(0, 3)).toEqual([
      { scheduledAt: at(0), dueAt: at(3500) },
      { scheduledAt: at(1000), dueAt: at(3500 + CATCH_UP_SPACING_MS) },
      { scheduledAt: at(2000), dueAt: at(3500 + 2 * CATCH_UP_SPACING_MS) },
    ]);
    expect(times(plan.fire.slice(3).map((f) => f.scheduledAt))).toEqual([3000, 4000, 5000]);
  });

  it('catches up at most 100 occurrences under fire_all and records the older ones as MISSED', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0), misfirePolicy: 'fire_all' }), window(150_500), periodicSchedules);
    const catchUp = plan.fire.filter((f) => f.scheduledAt.getTime() < T + 149_500);
    expect(catchUp).toHaveLength(MAX_CATCH_UP);
    expect(catchUp[0]!.scheduledAt).toEqual(at(50_000));
    expect(plan.missed).toHaveLength(50);
    expect(plan.missed.at(-1)).toEqual(at(49_000));
  });

  it('jumps over a gap too long to list, recording the first misfires and planning the present', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0) }), window(86_400_000), periodicSchedules);
    expect(plan.missed).toHaveLength(MAX_MISFIRES_LISTED);
    expect(plan.unlistedMisfiresFrom).toEqual(at(MAX_MISFIRES_LISTED * 1000));
    expect(times(plan.fire.map((f) => f.scheduledAt))).toEqual([86_399_000, 86_400_000, 86_401_000, 86_402_000]);
    expect(plan.nextRunAt).toEqual(at(86_403_000));
  });

  it('fires a one-time job once and deactivates it', () => {
    const job = scheduledJob({ schedule: null, runAt: at(1500), nextRunAt: at(1500) });
    const plan = planOccurrences(job, window(0), periodicSchedules);
    expect(plan).toMatchObject({ fire: [{ scheduledAt: at(1500), dueAt: at(1500) }], missed: [], nextRunAt: null, deactivate: true });
  });

  it('records a one-time job that fell due while nothing ran as MISSED under skip, and fires it now otherwise', () => {
    const missedJob = scheduledJob({ schedule: null, runAt: at(0), nextRunAt: at(0), misfirePolicy: 'skip' });
    expect(planOccurrences(missedJob, window(60_000), periodicSchedules)).toMatchObject({ fire: [], missed: [at(0)], deactivate: true });
    const catchUpJob = { ...missedJob, misfirePolicy: 'fire_once' as const };
    expect(planOccurrences(catchUpJob, window(60_000), periodicSchedules)).toMatchObject({
      fire: [{ scheduledAt: at(0), dueAt: at(60_000) }],
      missed: [],
      deactivate: true,
    });
  });

  it('plans nothing for a schedule that never fires again', () => {
    const never = () => ({ next: () => null });
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(500) }), window(0), never);
    expect(plan).toMatchObject({ fire: [{ scheduledAt: at(500) }], missed: [], nextRunAt: null });
  });
});

describe('planning within a job\'s endAt and maxRuns', () => {
  it('fires an occurrence exactly at endAt, then ends the job with the reason instead of moving it on', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(1000), endAt: at(2000) }), window(0, 5000), periodicSchedules);
    expect(times(plan.fire.map((f) => f.scheduledAt))).toEqual([1000, 2000]);
    expect(plan).toMatchObject({ nextRunAt: null, deactivate: true, ended: { by: 'endAt', reason: `ended: no occurrence left before endAt ${at(2000).toISOString()}` } });
  });

  it('keeps a job whose endAt lies past the window as it was', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(1000), endAt: at(60_000) }), window(0), periodicSchedules);
    expect(plan).toMatchObject({ nextRunAt: at(3000), deactivate: false });
    expect(plan.ended).toBeUndefined();
  });

  it('fires no more than maxRuns leave, counting catch-up firings but not MISSED occurrences', () => {
    const skip = planOccurrences(scheduledJob({ nextRunAt: at(0), maxRuns: 5, runCount: 2 }), window(5500), periodicSchedules);
    expect(times(skip.missed)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(times(skip.fire.map((f) => f.scheduledAt))).toEqual([5000, 6000, 7000]);
    expect(skip).toMatchObject({ nextRunAt: null, deactivate: true, ended: { by: 'maxRuns', reason: 'ended: maxRuns 5 reached' } });

    const all = planOccurrences(scheduledJob({ nextRunAt: at(0), misfirePolicy: 'fire_all', maxRuns: 3, runCount: 1 }), window(3500), periodicSchedules);
    // 0, 1000 and 2000 are past the grace: the two most recent are caught up, and the run ends there.
    expect(all.fire).toEqual([
      { scheduledAt: at(1000), dueAt: at(3500) },
      { scheduledAt: at(2000), dueAt: at(3500 + CATCH_UP_SPACING_MS) },
    ]);
    expect(times(all.missed)).toEqual([0]);
    expect(all.ended?.by).toBe('maxRuns');
  });

  it('ends a job with no runs left without firing or recording anything', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0), maxRuns: 2, runCount: 2 }), window(5500), periodicSchedules);
    expect(plan).toMatchObject({ fire: [], missed: [], nextRunAt: null, deactivate: true, ended: { by: 'maxRuns' } });
  });

  it('records only the misfires up to endAt when the job fell behind past it', () => {
    const plan = planOccurrences(scheduledJob({ nextRunAt: at(0), endAt: at(2000), misfirePolicy: 'fire_once' }), window(10_000), periodicSchedules);
    expect(times(plan.missed)).toEqual([0, 1000]);
    expect(plan.fire).toEqual([{ scheduledAt: at(2000), dueAt: at(10_000) }]);
    expect(plan.ended?.by).toBe('endAt');
  });

  it('plans exactly as before for a job without bounds', () => {
    const job = scheduledJob({ nextRunAt: at(0) });
    const bounded = { ...job, endAt: at(1_000_000_000), maxRuns: 1_000_000 };
    const { ended: _ended, ...plain } = planOccurrences(bounded, window(5500), periodicSchedules);
    expect(planOccurrences(job, window(5500), periodicSchedules)).toEqual(plain);
  });
});

describe('planning with jitter', () => {
  // Every 10 s, up to 5 s late: the job id fixes each occurrence's delay.
  const jittered = (overrides: Parameters<typeof scheduledJob>[0] = {}) =>
    scheduledJob({ schedule: 'every 10000ms', jitterMs: 5000, nextRunAt: at(10_000), ...overrides });
  const delay = (job: ReturnType<typeof scheduledJob>, offset: number): number => jitterDelayMs(job.id, T + offset, job.jitterMs, 10_000);

  it('makes each occurrence due at its scheduled time plus the delay of the job and occurrence, keeping the scheduled time', () => {
    const job = jittered();
    const plan = planOccurrences(job, window(0, 30_000), periodicSchedules);
    expect(plan.fire.map((f) => [f.scheduledAt.getTime() - T, f.dueAt.getTime() - T])).toEqual(
      [10_000, 20_000].map((offset) => [offset, offset + delay(job, offset)]).filter(([, due]) => due! <= 30_000),
    );
    expect(delay(job, 10_000)).toBeGreaterThan(0);
  });

  it('plans an occurrence only once its delayed time is inside the window, and says when the next one is due', () => {
    const job = jittered();
    const due = 10_000 + delay(job, 10_000);
    const before = planOccurrences(job, window(due - 2001), periodicSchedules);
    expect(before.fire).toEqual([]);
    expect(before).toMatchObject({ nextRunAt: at(10_000), nextDueAt: at(due) });
    const inside = planOccurrences(job, window(due - 2000), periodicSchedules);
    expect(inside.fire).toEqual([{ scheduledAt: at(10_000), dueAt: at(due) }]);
    expect(inside).toMatchObject({ nextRunAt: at(20_000), nextDueAt: at(20_000 + delay(job, 20_000)) });
  });

  it('measures the misfire grace from the delayed time, not the scheduled one', () => {
    const job = jittered();
    const due = 10_000 + delay(job, 10_000);
    expect(planOccurrences(job, window(due + 999), periodicSchedules).fire[0]).toEqual({ scheduledAt: at(10_000), dueAt: at(due) });
    expect(planOccurrences(job, window(due + 1001), periodicSchedules).missed).toEqual([at(10_000)]);
  });

  it('adds nothing and computes no due time of its own for a job without jitter', () => {
    const plan = planOccurrences(jittered({ jitterMs: 0 }), window(9000), periodicSchedules);
    expect(plan.fire[0]!.dueAt).toBe(plan.fire[0]!.scheduledAt);
    expect(plan).not.toHaveProperty('nextDueAt');
  });

  it('delays a one-time job by its jitter as well', () => {
    const job = jittered({ schedule: null, runAt: at(10_000), nextRunAt: at(10_000) });
    const due = 10_000 + jitterDelayMs(job.id, T + 10_000, 5000);
    expect(planOccurrences(job, window(due - 2000), periodicSchedules)).toMatchObject({ fire: [{ scheduledAt: at(10_000), dueAt: at(due) }], deactivate: true });
  });
});

describe('planning with real cron schedules', () => {
  it('follows the cron expression in the job time zone', () => {
    const job = scheduledJob({ schedule: '*/15 * * * * *', timezone: 'Europe/Paris', nextRunAt: new Date('2026-03-01T12:00:15Z') });
    const plan = planOccurrences(
      job,
      { now: new Date('2026-03-01T12:00:10Z'), until: new Date('2026-03-01T12:00:40Z'), graceMs: 1000 },
      cachedCronSchedules(),
    );
    expect(plan.fire.map((f) => f.scheduledAt.toISOString())).toEqual(['2026-03-01T12:00:15.000Z', '2026-03-01T12:00:30.000Z']);
    expect(plan.nextRunAt).toEqual(new Date('2026-03-01T12:00:45Z'));
  });
});
