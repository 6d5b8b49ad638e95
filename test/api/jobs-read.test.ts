import { expect, it } from 'vitest';
import { createJob, describeApi, problemOf } from './harness.js';

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
});
