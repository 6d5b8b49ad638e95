import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../errors.js';
import type { JobRecord } from '../store/types.js';
import { newJobFromBody, patchFromBody, type JobBody, type JobPatchBody } from './definition.js';
import { jobPreview } from './schedule.js';

const targets = { allowedTargets: [] };
const now = new Date('2026-03-02T08:00:00Z');
/** Every day at 09:30 UTC. */
const DAILY: JobBody = { schedule: '0 30 9 * * *', api: 'http://localhost:4444/foo', type: 'AT_LEAST_ONCE' };

function refusal(work: () => unknown): { property: unknown; message: string } | null {
  try {
    work();
    return null;
  } catch (error) {
    if (!isJobSchedulerError(error, 'VALIDATION_FAILED')) throw error;
    return { property: error.details?.property, message: error.message };
  }
}

/** A stored job from a create body, as the store would read it back. */
function stored(body: JobBody, state: Partial<JobRecord> = {}): JobRecord {
  const params = newJobFromBody(body, { targets, now });
  return {
    ...params,
    lastRunAt: null,
    lastStatus: null,
    setAsideReason: null,
    setAsideAt: null,
    pausedReason: null,
    pausedAt: null,
    endedBy: null,
    consecutiveFailures: 0,
    runCount: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    ...state,
  };
}

const patch = (body: JobPatchBody, current: JobRecord, at = now) => patchFromBody(body, current, { targets, now: at });

describe('startAt, endAt and maxRuns of a new job', () => {
  it('starts at the first occurrence at or after startAt, one exactly at startAt included', () => {
    const job = newJobFromBody({ ...DAILY, startAt: '2026-03-10T09:30:00Z' }, { targets, now });
    expect(job.nextRunAt).toEqual(new Date('2026-03-10T09:30:00Z'));
    expect(job).toMatchObject({ startAt: new Date('2026-03-10T09:30:00Z'), endAt: null, maxRuns: null, pauseAfterFailures: null });
  });

  it('accepts an endAt exactly at the next occurrence, and refuses one before it, naming endAt', () => {
    expect(newJobFromBody({ ...DAILY, endAt: '2026-03-02T09:30:00Z' }, { targets, now }).nextRunAt).toEqual(new Date('2026-03-02T09:30:00Z'));
    expect(refusal(() => newJobFromBody({ ...DAILY, endAt: '2026-03-02T09:29:59Z' }, { targets, now }))).toEqual({
      property: 'endAt',
      message: expect.stringMatching(/^endAt 2026-03-02T09:29:59.000Z leaves no occurrence: the schedule's next one is 2026-03-02T09:30:00.000Z/),
    });
  });

  it('refuses endAt before startAt, bounds on a one-time job, and dates that are not RFC 3339, each naming its field', () => {
    expect(refusal(() => newJobFromBody({ ...DAILY, startAt: '2026-04-01T00:00:00Z', endAt: '2026-03-01T00:00:00Z' }, { targets, now }))?.property).toBe('endAt');
    const oneTime = { api: DAILY.api, type: DAILY.type, runAt: '2026-03-03T00:00:00Z' } as const;
    for (const field of ['startAt', 'endAt', 'maxRuns'] as const) {
      const body = { ...oneTime, [field]: field === 'maxRuns' ? 3 : '2026-03-04T00:00:00Z' };
      expect(refusal(() => newJobFromBody(body, { targets, now }))).toEqual({ property: field, message: expect.stringContaining('one-time job') });
    }
    expect(refusal(() => newJobFromBody({ ...DAILY, startAt: 'tomorrow' }, { targets, now }))?.property).toBe('startAt');
    expect(refusal(() => newJobFromBody({ ...DAILY, endAt: '2026-02-30T00:00:00Z' }, { targets, now }))?.property).toBe('endAt');
  });

  it('names the field inside a batch', () => {
    expect(refusal(() => newJobFromBody({ ...DAILY, endAt: '2020-01-01T00:00:00Z' }, { targets, now, prefix: 'jobs[7].' }))?.property).toBe('jobs[7].endAt');
  });
});

describe('the preview of a bounded job', () => {
  it('lists only occurrences within startAt..endAt, and no more than maxRuns leave', () => {
    const job = stored({ ...DAILY, startAt: '2026-03-05T00:00:00Z', endAt: '2026-03-08T09:30:00Z', maxRuns: 10 }, { runCount: 8 });
    expect(jobPreview(job, 10, now).map((d) => d.toISOString())).toEqual(['2026-03-05T09:30:00.000Z', '2026-03-06T09:30:00.000Z']);
    expect(jobPreview({ ...job, maxRuns: null }, 10, now)).toHaveLength(4);
  });
});

describe('changing the bounds of a job', () => {
  it('refuses a PATCH that would leave an active job no occurrence, naming the bound', () => {
    const job = stored({ ...DAILY, maxRuns: 10 }, { runCount: 6 });
    expect(refusal(() => patch({ maxRuns: 6 }, job))).toEqual({ property: 'maxRuns', message: expect.stringContaining('already fired 6') });
    expect(refusal(() => patch({ endAt: '2026-03-01T00:00:00Z' }, job))?.property).toBe('endAt');
    expect(patch({ maxRuns: 7 }, job)).toMatchObject({ maxRuns: 7, nextRunAt: new Date('2026-03-02T09:30:00Z') });
  });

  it('brings back a job its bound ended when that bound moves, clearing the reason and the count', () => {
    const ended = stored(DAILY, {
      endAt: new Date('2026-03-01T09:30:00Z'),
      isActive: false,
      nextRunAt: null,
      endedBy: 'endAt',
      pausedReason: 'ended: no occurrence left before endAt 2026-03-01T09:30:00.000Z',
      pausedAt: now,
    });
    expect(patch({ endAt: '2026-03-31T00:00:00Z' }, ended)).toMatchObject({
      isActive: true,
      endAt: new Date('2026-03-31T00:00:00Z'),
      nextRunAt: new Date('2026-03-02T09:30:00Z'),
      pausedReason: null,
      pausedAt: null,
      endedBy: null,
      consecutiveFailures: 0,
    });
    expect(patch({ endAt: null }, ended)).toMatchObject({ isActive: true, endAt: null });
    // Still no occurrence: refused, and the job stays as it was.
    expect(refusal(() => patch({ endAt: '2026-03-02T09:00:00Z' }, ended))?.property).toBe('endAt');
    // Moved together with isActive false: it stays inactive, and no later change brings it back.
    expect(patch({ endAt: '2026-03-31T00:00:00Z', isActive: false }, ended)).toMatchObject({ isActive: false, endedBy: null });
    // Other changes leave it ended.
    expect(patch({ name: 'renamed' }, ended)).toEqual({ name: 'renamed' });
  });

  it('refuses isActive true on a job that has no runs left, naming maxRuns', () => {
    const ended = stored({ ...DAILY, maxRuns: 3 }, { isActive: false, nextRunAt: null, endedBy: 'maxRuns', runCount: 3, pausedReason: 'ended: maxRuns 3 reached' });
    expect(refusal(() => patch({ isActive: true }, ended))?.property).toBe('maxRuns');
    expect(patch({ maxRuns: 5 }, ended)).toMatchObject({ isActive: true, maxRuns: 5, pausedReason: null });
  });

  it('does not bring back a job that was deleted when a bound changes', () => {
    const deleted = stored({ ...DAILY, maxRuns: 3 }, { isActive: false, endedBy: 'maxRuns', runCount: 3, deletedAt: now });
    expect(patch({ maxRuns: 5 }, deleted)).not.toHaveProperty('isActive');
  });

  it('asks for bounds to be cleared before a recurring job becomes one-time', () => {
    const job = stored({ ...DAILY, endAt: '2026-04-01T00:00:00Z' });
    expect(refusal(() => patch({ runAt: '2026-03-03T00:00:00Z' }, job))).toEqual({ property: 'endAt', message: expect.stringContaining('send "endAt": null') });
    expect(patch({ runAt: '2026-03-03T00:00:00Z', endAt: null }, job)).toMatchObject({ schedule: null, endAt: null });
  });

  it('starts the failure count afresh with a new pauseAfterFailures', () => {
    expect(patch({ pauseAfterFailures: 4 }, stored(DAILY, { consecutiveFailures: 2 }))).toEqual({ pauseAfterFailures: 4, consecutiveFailures: 0 });
  });

  it('changes nothing else for a job without bounds', () => {
    const job = stored(DAILY);
    expect(patch({ schedule: '0 0 10 * * *' }, job)).toEqual({
      schedule: '0 0 10 * * *',
      runAt: null,
      timezone: 'UTC',
      nextRunAt: new Date('2026-03-02T10:00:00Z'),
      nextDueAt: new Date('2026-03-02T10:00:00Z'),
    });
  });
});
