import { expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids.js';
import type { ExecutionStatus } from '../../src/store/types.js';
import { createJob, describeApi, NOW, problemOf } from './harness.js';

describeApi('reading jobs', (context) => {
  const get = (url: string) => context().app.inject({ method: 'GET', url });

  it('GET /api/v1/jobs/{id} gives the job with nextRunAt, lastRunAt, lastStatus and an ETag', async () => {
    const created = await createJob(context().app, { name: 'one' });
    const response = await get(`/api/v1/jobs/${created.id as string}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('W/"1"');
    const job = response.json();
    expect(job).toMatchObject({ id: created.id, jobId: created.id, name: 'one', nextRunAt: created.nextRunAt, lastRunAt: null, lastStatus: null });
  });

  it('answers 404 for an unknown id and for a malformed one', async () => {
    const unknown = await get('/api/v1/jobs/0196f3a0-0000-7000-8000-000000000000');
    expect(problemOf(unknown)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    for (const id of ['not-a-uuid', '123', "1' or '1'='1", '%00']) {
      expect(problemOf(await get(`/api/v1/jobs/${encodeURIComponent(id)}`))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    }
  });

  it('answers 404 as problem+json for an unknown route', async () => {
    const response = await get('/api/v1/nothing-here');
    expect(problemOf(response)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('lists jobs in pages that join up without gaps or repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createJob(context().app, { name: `job ${i}` })).id as string);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`/api/v1/jobs?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('filters the list by active and by a part of the name', async () => {
    const alpha = await createJob(context().app, { name: 'Alpha report' });
    const beta = await createJob(context().app, { name: 'beta' });
    await context().app.inject({ method: 'DELETE', url: `/api/v1/jobs/${beta.id as string}` });
    const active = (await get('/api/v1/jobs?active=true')).json<{ items: { id: string }[] }>();
    expect(active.items.map((job) => job.id)).toEqual([alpha.id]);
    const inactive = (await get('/api/v1/jobs?active=false')).json<{ items: { id: string }[] }>();
    expect(inactive.items.map((job) => job.id)).toEqual([beta.id]);
    const named = (await get('/api/v1/jobs?name=REPORT')).json<{ items: { id: string }[] }>();
    expect(named.items.map((job) => job.id)).toEqual([alpha.id]);
  });

  it.each([
    ['a limit that is not a number', 'limit=ten', 'limit'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit over 1000', 'limit=1001', 'limit'],
    ['active that is not true or false', 'active=yes', 'active'],
    ['an unknown query parameter', 'colour=red', 'colour'],
    ['a cursor that does not decode', 'cursor=not-a-cursor', 'cursor'],
    ['a cursor of the wrong shape', `cursor=${Buffer.from('["x"]').toString('base64url')}`, 'cursor'],
  ])('answers 400 to %s', async (_case, query, property) => {
    const response = await get(`/api/v1/jobs?${query}`);
    expect(problemOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property });
  });

  it('lists newest first with order=newest, in pages that join up', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createJob(context().app, { name: `ordered ${i}` })).id as string);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(`/api/v1/jobs?order=newest&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
    expect(problemOf(await get('/api/v1/jobs?order=random'))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('refuses a cursor handed out for one order when the next page is asked in the other', async () => {
    for (let i = 0; i < 3; i++) await createJob(context().app, { name: `cursor order ${i}` });
    const first = (await get('/api/v1/jobs?order=newest&limit=1')).json<{ nextCursor: string }>();
    const other = await get(`/api/v1/jobs?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(problemOf(other)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', property: 'cursor', detail: expect.stringContaining('order=newest') });
  });

  it('filters by type, paused and the last status on the server, so every page holds only matching jobs', async () => {
    const { app, store } = context();
    const failing = (await createJob(app, { name: 'failing', type: 'AT_MOST_ONCE' })).id as string;
    const fine = (await createJob(app, { name: 'fine' })).id as string;
    await createJob(app, { name: 'never' });
    const paused = (await createJob(app, { name: 'paused' })).id as string;
    await app.inject({ method: 'POST', url: `/api/v1/jobs/${paused}/pause` });
    const finish = (jobId: string, status: ExecutionStatus, minutesAgo: number) => {
      const at = new Date(NOW.getTime() - minutesAgo * 60_000);
      return { id: uuidv7(at.getTime()), jobId, scheduledAt: at, trigger: 'schedule' as const, attempt: 1, dueAt: at, status, ownerNode: null, finishedAt: at };
    };
    // The latest finished attempt decides: fine failed once, then succeeded.
    await store.executionWrite({ inserts: [finish(failing, 'FAILED', 1), finish(fine, 'FAILED', 10), finish(fine, 'SUCCEEDED', 5)] });

    const names = async (query: string) =>
      (await get(`/api/v1/jobs?limit=1000&${query}`)).json<{ items: { name: string }[] }>().items.map((job) => job.name);
    expect(await names('type=AT_MOST_ONCE')).toEqual(['failing']);
    expect(await names('lastStatus=FAILED')).toEqual(['failing']);
    expect(await names('lastStatus=SUCCEEDED')).toEqual(['fine']);
    expect(await names('lastStatus=never')).toEqual(['never', 'paused']);
    expect(await names('paused=true')).toEqual(['paused']);
    expect(await names('paused=false&lastStatus=never&order=newest')).toEqual(['never']);
    // A page of one matching job still says whether more match, without empty pages between.
    const first = (await get('/api/v1/jobs?limit=1&lastStatus=never')).json<{ items: { name: string }[]; nextCursor: string | null }>();
    expect(first.items.map((job) => job.name)).toEqual(['never']);
    expect(first.nextCursor).not.toBeNull();
    expect(problemOf(await get('/api/v1/jobs?lastStatus=RUNNING'))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
