import { expect, it } from 'vitest';
import { MINIMAL_JOB, createJob, describeApi, problemOf } from './harness.js';

/** Instants outside 1970..9999 UTC, each of which once stopped every claim round or came back changed. */
const OUT_OF_RANGE = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '0012-11-10T00:00:00Z',
  '0050-06-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '9999-12-31T23:00:00-05:00',
];

/** The edges of the range and a few instants inside it, as sent and as they must come back. */
const IN_RANGE: [sent: string, stored: string][] = [
  ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
  ['1970-01-01T01:00:00+01:00', '1970-01-01T00:00:00.000Z'],
  ['2000-02-29T12:34:56.789Z', '2000-02-29T12:34:56.789Z'],
  ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  // Stored a microsecond early once: the insert turned milliseconds into a timestamp in floating point.
  ['5979-10-29T01:35:36.453Z', '5979-10-29T01:35:36.453Z'],
  ['9999-12-31T23:59:59.999-00:00', '9999-12-31T23:59:59.999Z'],
];

describeApi('dates every store holds', (context) => {
  const oneTime = (runAt: string) => ({ api: MINIMAL_JOB.api, type: MINIMAL_JOB.type, runAt });

  it.each(OUT_OF_RANGE)('refuses runAt %s with 400 naming runAt and stores nothing', async (runAt) => {
    const response = await context().app.inject({ method: 'POST', url: '/api/v1/jobs', payload: oneTime(runAt) });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)).toMatchObject({ code: 'VALIDATION_FAILED', property: 'runAt' });
    expect(problemOf(response).detail).toContain('1970-01-01T00:00:00Z');
    expect(await context().jobCount()).toBe(0);
  });

  it('refuses an out-of-range runAt inside a batch, naming the job, and stores none of the batch', async () => {
    const response = await context().app.inject({
      method: 'POST',
      url: '/api/v1/jobs/batch',
      payload: { jobs: [oneTime('2027-01-01T00:00:00Z'), oneTime('0000-01-01T00:00:00Z')] },
    });
    expect(problemOf(response)).toMatchObject({ status: 400, property: 'jobs[1].runAt' });
    expect(await context().jobCount()).toBe(0);
  });

  it('refuses an out-of-range runAt in a PATCH and leaves the job as it was', async () => {
    const job = await createJob(context().app);
    const response = await context().app.inject({ method: 'PATCH', url: `/api/v1/jobs/${job.id as string}`, payload: { runAt: '0012-11-10T00:00:00Z' } });
    expect(problemOf(response)).toMatchObject({ status: 400, property: 'runAt' });
    const stored = await context().store.jobGet(job.id as string);
    expect(stored).toMatchObject({ schedule: MINIMAL_JOB.schedule, runAt: null, version: 1 });
  });

  it('refuses a preview from an out-of-range instant, naming from', async () => {
    const response = await context().app.inject({ method: 'GET', url: '/api/v1/schedules/preview?expression=0%200%20*%20*%20*%20*&from=0001-01-01T00:00:00Z' });
    expect(problemOf(response)).toMatchObject({ status: 400, property: 'from' });
  });

  it.each(IN_RANGE)('reads back runAt %s exactly in GET, list and PATCH', async (sent, stored) => {
    const job = await createJob(context().app, { schedule: undefined, runAt: sent, misfirePolicy: 'fire_once' });
    expect(job.runAt).toBe(stored);
    const url = `/api/v1/jobs/${job.id as string}`;
    expect((await context().app.inject({ method: 'GET', url })).json()).toMatchObject({ runAt: stored, nextRunAt: stored });
    const list = (await context().app.inject({ method: 'GET', url: '/api/v1/jobs' })).json<{ items: { runAt: string }[] }>();
    expect(list.items.map((item) => item.runAt)).toEqual([stored]);
    const patched = await context().app.inject({ method: 'PATCH', url, payload: { name: 'renamed' } });
    expect(patched.json()).toMatchObject({ runAt: stored, name: 'renamed' });
  });
});
