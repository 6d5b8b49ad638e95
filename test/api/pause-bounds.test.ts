import { expect, it } from 'vitest';
import { createJob, describeApi, MINIMAL_JOB, problemOf } from './harness.js';

/** NOW in the harness is 2026-03-04T12:00:00Z; this job fires every day at 09:30 UTC. */
const DAILY = { schedule: '0 30 9 * * *' };

describeApi('auto-pause and time bounds', (context) => {
  const send = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: Record<string, unknown>) =>
    context().app.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const create = (body: Record<string, unknown>) => send('POST', '/jobs', { ...MINIMAL_JOB, ...body });

  it('shows the new fields, all off, on a job created without them', async () => {
    const job = await createJob(context().app);
    expect(job).toMatchObject({
      pauseAfterFailures: null,
      consecutiveFailures: 0,
      pausedReason: null,
      pausedAt: null,
      startAt: null,
      endAt: null,
      maxRuns: null,
      runCount: 0,
      endedBy: null,
    });
    expect((await send('GET', `/jobs/${job.id as string}`)).json()).toEqual(job);
  });

  it('keeps the fields given, and the first run honours startAt', async () => {
    const job = await createJob(context().app, { ...DAILY, pauseAfterFailures: 5, startAt: '2026-03-10T09:30:00+01:00', endAt: '2026-04-01T00:00:00Z', maxRuns: 12 });
    expect(job).toMatchObject({
      pauseAfterFailures: 5,
      startAt: '2026-03-10T08:30:00.000Z',
      endAt: '2026-04-01T00:00:00.000Z',
      maxRuns: 12,
      nextRunAt: '2026-03-10T09:30:00.000Z',
    });
    const preview = (await send('GET', `/jobs/${job.id as string}/schedule?count=30`)).json<{ nextRuns: string[] }>().nextRuns;
    expect(preview).toHaveLength(12);
    expect(preview[0]).toBe('2026-03-10T09:30:00Z');
  });

  it('answers a clear 400 naming each new field when it is wrong', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ pauseAfterFailures: 0 }, 'pauseAfterFailures', /pauseAfterFailures/],
      [{ pauseAfterFailures: 1001 }, 'pauseAfterFailures', /pauseAfterFailures/],
      [{ pauseAfterFailures: 2.5 }, 'pauseAfterFailures', /pauseAfterFailures/],
      [{ maxRuns: 0 }, 'maxRuns', /maxRuns/],
      [{ maxRuns: '3' }, 'maxRuns', /maxRuns/],
      [{ startAt: 'next monday' }, 'startAt', /startAt/],
      [{ endAt: '2026-02-30T00:00:00Z' }, 'endAt', /endAt/],
      [{ startAt: '2026-05-01T00:00:00Z', endAt: '2026-04-01T00:00:00Z' }, 'endAt', /endAt 2026-04-01T00:00:00.000Z lies before startAt/],
      [{ endAt: '2026-03-01T00:00:00Z' }, 'endAt', /endAt 2026-03-01T00:00:00.000Z leaves no occurrence/],
      [{ schedule: undefined, runAt: '2026-03-05T00:00:00Z', maxRuns: 2 }, 'maxRuns', /maxRuns bounds a recurring job/],
      [{ schedule: undefined, runAt: '2026-03-05T00:00:00Z', startAt: '2026-03-05T00:00:00Z' }, 'startAt', /startAt bounds a recurring job/],
    ];
    for (const [body, property, detail] of cases) {
      const response = await create({ ...DAILY, ...body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const problem = problemOf(response);
      expect(problem.property ?? problem.detail, JSON.stringify(body)).toContain(property);
      expect(problem.detail).toMatch(detail);
    }
    const batch = await send('POST', '/jobs/batch', { jobs: [{ ...MINIMAL_JOB }, { ...MINIMAL_JOB, endAt: '2020-01-01T00:00:00Z' }] });
    expect(problemOf(batch)).toMatchObject({ status: 400, property: 'jobs[1].endAt' });
    expect(await context().jobCount()).toBe(0);
  });

  it('pause records "manual" and when, keeps a reason already there, and resume clears both with the failure count', async () => {
    const job = await createJob(context().app, { pauseAfterFailures: 3 });
    const id = job.id as string;
    const paused = (await send('POST', `/jobs/${id}/pause`)).json();
    expect(paused).toMatchObject({ paused: true, pausedReason: 'manual', pausedAt: '2026-03-04T12:00:00.000Z' });
    context().clock.advance(60_000);
    expect((await send('POST', `/jobs/${id}/pause`)).json()).toMatchObject({ pausedReason: 'manual', pausedAt: '2026-03-04T12:00:00.000Z' });
    expect((await send('POST', `/jobs/${id}/resume`)).json()).toMatchObject({ paused: false, pausedReason: null, pausedAt: null, consecutiveFailures: 0 });
  });

  it('PATCH changes the bounds, refuses ones that leave no occurrence, and clears them with null', async () => {
    const job = await createJob(context().app, { ...DAILY, maxRuns: 5 });
    const id = job.id as string;
    const moved = await send('PATCH', `/jobs/${id}`, { startAt: '2026-03-20T00:00:00Z', endAt: '2026-03-22T23:59:59Z' });
    expect(moved.json()).toMatchObject({ startAt: '2026-03-20T00:00:00.000Z', endAt: '2026-03-22T23:59:59.000Z', nextRunAt: '2026-03-20T09:30:00.000Z' });
    const tooEarly = await send('PATCH', `/jobs/${id}`, { endAt: '2026-03-04T12:00:00Z' });
    expect(problemOf(tooEarly)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'endAt' });
    const oneTime = await send('PATCH', `/jobs/${id}`, { runAt: '2026-03-05T00:00:00Z' });
    expect(problemOf(oneTime)).toMatchObject({ status: 400, property: 'startAt' });
    const cleared = await send('PATCH', `/jobs/${id}`, { startAt: null, endAt: null, maxRuns: null, pauseAfterFailures: 2 });
    expect(cleared.json()).toMatchObject({ startAt: null, endAt: null, maxRuns: null, pauseAfterFailures: 2, nextRunAt: '2026-03-05T09:30:00.000Z' });
  });
});
