import { expect, it } from 'vitest';
import { createJob, describeApi, problemOf } from './harness.js';

describeApi('changing and deleting jobs', (context) => {
  const patch = (id: unknown, payload: unknown, headers: Record<string, string> = {}) =>
    context().app.inject({ method: 'PATCH', url: `/api/v1/jobs/${id as string}`, payload: payload as string, headers });
  const remove = (id: unknown) => context().app.inject({ method: 'DELETE', url: `/api/v1/jobs/${id as string}` });
  const get = (id: unknown) => context().app.inject({ method: 'GET', url: `/api/v1/jobs/${id as string}` });

  it('changes only the fields given and bumps the version and ETag', async () => {
    const job = await createJob(context().app, { name: 'before', description: 'kept' });
    const response = await patch(job.id, { name: 'after', payload: [1, 'two'] });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('W/"2"');
    expect(response.json()).toMatchObject({ name: 'after', description: 'kept', payload: [1, 'two'], nextRunAt: job.nextRunAt, version: 2 });
  });

  it('recomputes nextRunAt from now when the schedule changes', async () => {
    const job = await createJob(context().app);
    const response = await patch(job.id, { schedule: '0 0 18 * * *' });
    expect(response.json()).toMatchObject({ schedule: '0 0 18 * * *', nextRunAt: '2026-03-04T18:00:00.000Z' });
  });

  it('recomputes nextRunAt when the time zone changes', async () => {
    const job = await createJob(context().app, { schedule: '0 0 18 * * *' });
    const response = await patch(job.id, { timezone: 'America/New_York' });
    // 18:00 in New York (UTC-5 until 8 March) is 23:00Z.
    expect(response.json()).toMatchObject({ timezone: 'America/New_York', nextRunAt: '2026-03-04T23:00:00.000Z' });
  });

  it('turns a cron job into a one-time job with runAt, and back', async () => {
    const job = await createJob(context().app);
    const once = (await patch(job.id, { runAt: '2026-03-10T00:00:00Z' })).json();
    expect(once).toMatchObject({ schedule: null, runAt: '2026-03-10T00:00:00.000Z', nextRunAt: '2026-03-10T00:00:00.000Z' });
    const cron = (await patch(job.id, { schedule: '0 0 * * * *' })).json();
    expect(cron).toMatchObject({ schedule: '0 0 * * * *', runAt: null, nextRunAt: '2026-03-04T13:00:00.000Z' });
  });

  it('merges a partial retry object into the current one', async () => {
    const job = await createJob(context().app, { retry: { maxAttempts: 5, minBackoffMs: 100, maxBackoffMs: 1000 } });
    const response = await patch(job.id, { retry: { maxAttempts: 2 } });
    expect(response.json().retry).toEqual({ maxAttempts: 2, minBackoffMs: 100, maxBackoffMs: 1000 });
    const crossed = await patch(job.id, { retry: { minBackoffMs: 5000 } });
    expect(problemOf(crossed)).toMatchObject({ status: 400, property: 'retry.minBackoffMs' });
  });

  it('never answers 412 to PATCHes without If-Match, however many change the job at once: the last writer wins', async () => {
    const job = await createJob(context().app);
    const names = Array.from({ length: 50 }, (_, i) => `writer ${i}`);
    const responses = await Promise.all(names.map((name) => patch(job.id, { name })));
    expect(responses.map((response) => response.statusCode)).toEqual(names.map(() => 200));
    const final = (await get(job.id)).json();
    expect(final.version).toBe(51);
    expect(names).toContain(final.name);
  });

  it('answers 412 to a stale If-Match and applies a current one', async () => {
    const job = await createJob(context().app);
    expect((await patch(job.id, { name: 'first' }, { 'if-match': 'W/"1"' })).statusCode).toBe(200);
    const stale = await patch(job.id, { name: 'second' }, { 'if-match': 'W/"1"' });
    expect(problemOf(stale)).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' });
    expect((await get(job.id)).json().name).toBe('first');
    expect((await patch(job.id, { name: 'second' }, { 'if-match': 'W/"2"' })).statusCode).toBe(200);
    expect((await patch(job.id, { name: 'third' }, { 'if-match': '*' })).statusCode).toBe(200);
    expect(problemOf(await patch(job.id, { name: 'x' }, { 'if-match': 'garbage' }))).toMatchObject({ status: 412 });
  });

  it.each([
    ['an empty body', {}, 'body'],
    ['an unknown field', { id: 'x' }, 'id'],
    ['a null schedule', { schedule: null }, 'schedule'],
    ['"false" for isActive', { isActive: 'false' }, 'isActive'],
    ['an invalid cron', { schedule: '* * * * * FUNDAY' }, 'schedule'],
    ['both schedule and runAt', { schedule: '* * * * * *', runAt: '2026-03-10T00:00:00Z' }, 'runAt'],
    ['a forbidden target', { api: 'http://[fe80::1]/' }, 'api'],
  ])('refuses %s with 400 and leaves the job as it was', async (_case, body, property) => {
    const job = await createJob(context().app);
    const response = await patch(job.id, body);
    expect(problemOf(response)).toMatchObject({ status: 400, property });
    expect((await get(job.id)).json()).toEqual(job);
  });

  it('answers 404 to a PATCH of an unknown or malformed id', async () => {
    expect(problemOf(await patch('0196f3a0-0000-7000-8000-000000000000', { name: 'x' }))).toMatchObject({ status: 404 });
    expect(problemOf(await patch('nope', { name: 'x' }))).toMatchObject({ status: 404 });
  });

  it('soft-deletes with 204: the job stays readable, inactive, with its history', async () => {
    const job = await createJob(context().app);
    await context().app.inject({ method: 'POST', url: `/api/v1/jobs/${job.id as string}/run` });
    const response = await remove(job.id);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    const after = (await get(job.id)).json();
    expect(after.isActive).toBe(false);
    expect(after.deletedAt).not.toBeNull();
    const history = (await context().app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id as string}/history` })).json();
    expect(history.items).toHaveLength(1);
  });

  it('answers 404 to a DELETE of an unknown or malformed id', async () => {
    expect(problemOf(await remove('0196f3a0-0000-7000-8000-000000000000'))).toMatchObject({ status: 404 });
    expect(problemOf(await remove('12'))).toMatchObject({ status: 404 });
  });

  it('reactivates a deleted job with isActive true, with a nextRunAt from now', async () => {
    const job = await createJob(context().app, { schedule: '0 0 * * * *' });
    await remove(job.id);
    await context().clock.advance(3 * 3600_000);
    const response = await patch(job.id, { isActive: true });
    expect(response.json()).toMatchObject({ isActive: true, deletedAt: null, nextRunAt: '2026-03-04T16:00:00.000Z' });
  });
});
