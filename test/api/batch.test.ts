import { expect, it } from 'vitest';
import { MINIMAL_JOB, describeApi, problemOf } from './harness.js';

describeApi('POST /api/v1/jobs/batch', (context) => {
  const batch = (jobs: unknown[]) => context().app.inject({ method: 'POST', url: '/api/v1/jobs/batch', payload: { jobs } });

  it('creates 1,000 jobs in one request and answers them in the order given', async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ ...MINIMAL_JOB, name: `job ${i}`, type: i % 2 ? 'AT_MOST_ONCE' : 'ATLEAST_ONCE' }));
    const response = await batch(jobs);
    expect(response.statusCode).toBe(201);
    const items = response.json<{ items: { id: string; name: string; type: string; nextRunAt: string }[] }>().items;
    expect(items.map((job) => job.name)).toEqual(jobs.map((job) => job.name));
    expect(items[0]).toMatchObject({ type: 'AT_LEAST_ONCE', nextRunAt: '2026-03-05T01:10:31.000Z' });
    expect(items[1]!.type).toBe('AT_MOST_ONCE');
    expect(new Set(items.map((job) => job.id)).size).toBe(1000);
    expect(await context().jobCount()).toBe(1000);
  });

  it('answers each job exactly as GET shows it, and lists the batch in the order given', async () => {
    const full = {
      ...MINIMAL_JOB,
      name: 'full',
      description: 'every field',
      timezone: 'Europe/Paris',
      method: 'PUT',
      headers: { 'x-b': 'two', 'x-a': 'one' },
      payload: { text: 'quote " backslash \\ emoji 🚀', list: [1, 2.5, null, true], nested: { z: 1, a: 2 } },
      timeoutMs: 1234,
      retry: { maxAttempts: 5, minBackoffMs: 10, maxBackoffMs: 20 },
      misfirePolicy: 'fire_once',
      overlapPolicy: 'forbid',
      onFailure: 'https://example.com/alert',
      isActive: false,
    };
    const jobs = [MINIMAL_JOB, full, { ...MINIMAL_JOB, schedule: undefined, runAt: '2026-04-01T10:00:00.5+02:00' }];
    const response = await batch(jobs);
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const items = response.json<{ items: { id: string }[] }>().items;
    for (const item of items) {
      const read = await context().app.inject({ method: 'GET', url: `/api/v1/jobs/${item.id}` });
      expect(item).toEqual(read.json());
    }
    const listed = await context().app.inject({ method: 'GET', url: '/api/v1/jobs' });
    expect(listed.json<{ items: { id: string }[] }>().items.map((job) => job.id)).toEqual(items.map((job) => job.id));
  });

  it('creates none when one job is invalid, naming it by index', async () => {
    const jobs = [MINIMAL_JOB, MINIMAL_JOB, MINIMAL_JOB, { ...MINIMAL_JOB, schedule: '* * * * * MON-FUN' }, MINIMAL_JOB];
    const problem = problemOf(await batch(jobs));
    expect(problem).toMatchObject({ status: 400, code: 'CRON_INVALID', property: 'jobs[3].schedule', token: 'FUN' });
    expect(await context().jobCount()).toBe(0);
  });

  it.each([
    ['a schema violation', { ...MINIMAL_JOB, timeoutMs: '5' }, 'jobs[1].timeoutMs'],
    ['an unknown field', { ...MINIMAL_JOB, extra: true }, 'jobs[1].extra'],
    ['a forbidden target', { ...MINIMAL_JOB, api: 'http://169.254.169.254/' }, 'jobs[1].api'],
    ['an unknown zone', { ...MINIMAL_JOB, timezone: 'Nowhere/City' }, 'jobs[1].timezone'],
    ['a payload nested too deep', { ...MINIMAL_JOB, payload: JSON.parse('['.repeat(50) + ']'.repeat(50)) }, 'jobs[1].payload'],
    ['a NUL in a header value of the payload', { ...MINIMAL_JOB, payload: { a: ['\u0000'] } }, 'jobs[1].payload.a[0]'],
  ])('creates none for %s in one job', async (_case, bad, property) => {
    const problem = problemOf(await batch([MINIMAL_JOB, bad]));
    expect(problem).toMatchObject({ status: 400, property });
    expect(await context().jobCount()).toBe(0);
  });

  it('refuses more than 1,000 jobs, an empty list and a body without jobs', async () => {
    expect(problemOf(await batch(Array.from({ length: 1001 }, () => MINIMAL_JOB)))).toMatchObject({ status: 400, property: 'jobs' });
    expect(problemOf(await batch([]))).toMatchObject({ status: 400, property: 'jobs' });
    const missing = await context().app.inject({ method: 'POST', url: '/api/v1/jobs/batch', payload: { job: [] } });
    expect(problemOf(missing)).toMatchObject({ status: 400 });
    expect(await context().jobCount()).toBe(0);
  });
});
