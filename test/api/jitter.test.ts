import { expect, it } from 'vitest';
import { jitterDelayMs } from '../../src/jobs/jitter.js';
import { createJob, describeApi, NOW, problemOf } from './harness.js';

/** Every 10 minutes, so a jitter of up to 10 minutes is allowed. */
const EVERY_10_MIN = '0 */10 * * * *';

describeApi('jitter', (context) => {
  const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    context().app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as string }) });

  it('stores jitterMs, answers it with the job, and leaves it 0 when not given', async () => {
    const plain = await createJob(context().app);
    expect(plain.jitterMs).toBe(0);
    const jittered = await createJob(context().app, { schedule: EVERY_10_MIN, jitterMs: 600_000 });
    expect(jittered).toMatchObject({ jitterMs: 600_000, nextRunAt: '2026-03-04T12:10:00.000Z' });
    expect((await inject('GET', `/api/v1/jobs/${jittered.id as string}`)).json()).toMatchObject({ jitterMs: 600_000 });
  });

  it.each([
    ['a negative jitter', -1],
    ['a fractional jitter', 1.5],
    ['a jitter as text', '100'],
    ['a jitter over a day', 86_400_001],
  ])('refuses %s with 400 naming jitterMs', async (_case, jitterMs) => {
    const response = await inject('POST', '/api/v1/jobs', { schedule: EVERY_10_MIN, api: 'http://localhost:4444/foo', type: 'AT_LEAST_ONCE', jitterMs });
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'jitterMs' });
  });

  it('refuses a jitter longer than the gap between two occurrences, saying which gap', async () => {
    const response = await inject('POST', '/api/v1/jobs', { schedule: EVERY_10_MIN, api: 'http://localhost:4444/foo', type: 'AT_LEAST_ONCE', jitterMs: 600_001 });
    const problem = problemOf(response);
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'jitterMs' });
    expect(problem.detail).toContain('600000 ms between 2026-03-04T12:10:00.000Z and 2026-03-04T12:20:00.000Z');
    expect(await context().jobCount()).toBe(0);
  });

  it('names the job of a batch whose jitter is too long', async () => {
    const job = { schedule: EVERY_10_MIN, api: 'http://localhost:4444/foo', type: 'AT_LEAST_ONCE' };
    const response = await inject('POST', '/api/v1/jobs/batch', { jobs: [job, { ...job, jitterMs: 700_000 }] });
    expect(problemOf(response)).toMatchObject({ status: 400, property: 'jobs[1].jitterMs' });
  });

  it('checks a new schedule against the jitter the job keeps, and a new jitter against the schedule', async () => {
    const job = await createJob(context().app, { schedule: EVERY_10_MIN, jitterMs: 300_000 });
    const url = `/api/v1/jobs/${job.id as string}`;
    expect(problemOf(await inject('PATCH', url, { schedule: '0 * * * * *' }))).toMatchObject({ status: 400, property: 'jitterMs' });
    expect(problemOf(await inject('PATCH', url, { jitterMs: 600_001 }))).toMatchObject({ status: 400, property: 'jitterMs' });
    const patched = await inject('PATCH', url, { schedule: '0 * * * * *', jitterMs: 60_000 });
    expect(patched.json()).toMatchObject({ schedule: '0 * * * * *', jitterMs: 60_000, nextRunAt: '2026-03-04T12:01:00.000Z' });
  });

  it('lists when each coming occurrence fires: its scheduled time plus the job\'s own delay', async () => {
    const job = await createJob(context().app, { schedule: EVERY_10_MIN, jitterMs: 600_000 });
    const id = job.id as string;
    const response = await inject('GET', `/api/v1/jobs/${id}/schedule?count=3`);
    const scheduled = [10, 20, 30].map((minutes) => NOW.getTime() + minutes * 60_000);
    expect(response.json()).toEqual({
      jobId: id,
      timezone: 'UTC',
      nextRuns: scheduled.map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z')),
      firesAt: scheduled.map((ms) => iso(ms + jitterDelayMs(id, ms, 600_000, 600_000))),
    });
  });

  it('still lists an occurrence whose scheduled time passed while its delayed firing is ahead', async () => {
    // Later than the database's clock, which stamps createdAt: the listing starts after it.
    const start = Date.UTC(2030, 0, 1);
    await context().clock.set(start);
    const job = await createJob(context().app, { schedule: EVERY_10_MIN, jitterMs: 600_000 });
    const id = job.id as string;
    const scheduled = start + 600_000;
    const firesAt = scheduled + jitterDelayMs(id, scheduled, 600_000, 600_000);
    await context().clock.set(firesAt - 1);
    expect((await inject('GET', `/api/v1/jobs/${id}/schedule?count=1`)).json()).toMatchObject({ firesAt: [iso(firesAt)] });
    await context().clock.set(firesAt);
    expect((await inject('GET', `/api/v1/jobs/${id}/schedule?count=1`)).json().firesAt).not.toEqual([iso(firesAt)]);
  });

  it('previews the firing times of a jitter for a given job, and refuses one longer than the schedule\'s gaps', async () => {
    const id = '01900000-0000-7000-8000-000000000001';
    const preview = await inject('GET', `/api/v1/schedules/preview?expression=${encodeURIComponent(EVERY_10_MIN)}&count=2&jitterMs=60000&jobId=${id}`);
    const scheduled = [10, 20].map((minutes) => NOW.getTime() + minutes * 60_000);
    expect(preview.json()).toMatchObject({ firesAt: scheduled.map((ms) => iso(ms + jitterDelayMs(id, ms, 60_000, 600_000))) });
    const plain = await inject('GET', `/api/v1/schedules/preview?expression=${encodeURIComponent(EVERY_10_MIN)}&count=2`);
    expect(plain.json().firesAt).toEqual(plain.json().nextRuns);
    const tooLong = await inject('GET', `/api/v1/schedules/preview?expression=${encodeURIComponent(EVERY_10_MIN)}&jitterMs=600001`);
    expect(problemOf(tooLong)).toMatchObject({ status: 400, property: 'jitterMs' });
  });
});

/** As the API writes an instant in UTC: whole seconds without a fraction. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
