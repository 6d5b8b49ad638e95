import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createJob, describeApi, problemOf } from './harness.js';

interface ExecutionItem {
  id: string;
  scheduledAt: string;
  dueAt: string;
  trigger: string;
  status: string;
  attempt: number;
  override: { payload?: unknown; headers?: Record<string, string> } | null;
}

describeApi('run now with overrides, and backfill', (context) => {
  const post = (url: string, payload?: unknown) =>
    context().app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const history = async (id: unknown) => (await context().app.inject({ method: 'GET', url: `/api/v1/jobs/${id as string}/history` })).json<{ items: ExecutionItem[] }>().items;

  it('POST /run with a payload and headers queues a manual occurrence that carries them; the job is unchanged', async () => {
    const job = await createJob(context().app, { headers: { 'X-Tenant': 'a' }, payload: { n: 1 } });
    const override = { payload: { n: 2, rerun: true }, headers: { 'x-tenant': 'b', 'X-Reason': 'replay' } };
    const response = await post(`/api/v1/jobs/${job.id as string}/run`, override);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ trigger: 'manual', status: 'SCHEDULED', overridden: true });
    expect(await history(job.id)).toEqual([expect.objectContaining({ id: response.json().executionId, trigger: 'manual', override })]);
    const after = (await context().app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id as string}` })).json();
    expect(after).toMatchObject({ headers: { 'X-Tenant': 'a' }, payload: { n: 1 }, version: job.version });
  });

  it('POST /run without a body, or with {} or empty headers, is a plain manual run', async () => {
    const job = await createJob(context().app);
    for (const body of [undefined, {}, { headers: {} }]) {
      const response = await post(`/api/v1/jobs/${job.id as string}/run`, body);
      expect(response.json()).toMatchObject({ overridden: false });
    }
    expect((await history(job.id)).map((item) => item.override)).toEqual([null, null, null]);
  });

  it('POST /run keeps a null payload override (this firing sends no body)', async () => {
    const job = await createJob(context().app, { payload: { n: 1 } });
    await post(`/api/v1/jobs/${job.id as string}/run`, { payload: null });
    expect((await history(job.id))[0]!.override).toEqual({ payload: null });
  });

  it('POST /run refuses a bad override with a 400 naming the field', async () => {
    const job = await createJob(context().app);
    const run = (body: unknown) => post(`/api/v1/jobs/${job.id as string}/run`, body);
    expect(problemOf(await run({ headers: { 'Idempotency-Key': 'x' } }))).toMatchObject({ status: 400, property: 'headers.Idempotency-Key' });
    expect(problemOf(await run({ headers: { Host: 'evil' } }))).toMatchObject({ status: 400, property: 'headers.Host' });
    expect(problemOf(await run({ headers: { 'bad name': 'x' } }))).toMatchObject({ status: 400, property: 'headers' });
    expect(problemOf(await run({ headers: { ok: 'line\nbreak' } }))).toMatchObject({ status: 400 });
    expect(problemOf(await run({ headers: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`h${i}`, 'v'])) }))).toMatchObject({ status: 400, property: 'headers' });
    expect(problemOf(await run({ payload: { text: 'nul\u0000' } }))).toMatchObject({ status: 400, property: 'payload.text' });
    expect(problemOf(await run({ payloads: 1 }))).toMatchObject({ status: 400, property: 'payloads' });
    expect(problemOf(await run([1]))).toMatchObject({ status: 400 });
    const getJob = await createJob(context().app, { method: 'GET' });
    expect(problemOf(await post(`/api/v1/jobs/${getJob.id as string}/run`, { payload: { n: 1 } }))).toMatchObject({ status: 400, property: 'payload' });
    expect(await history(job.id)).toEqual([]);
  });

  it('POST /backfill queues each past occurrence without a success, spaced by intervalMs, and answers count, first and last', async () => {
    const job = await createJob(context().app, { schedule: '0 0 * * * *' });
    const { store } = context();
    await store.executionWrite({
      inserts: [
        { id: '0196f3a0-0000-7000-8000-0000000000a1', jobId: job.id as string, scheduledAt: new Date('2026-03-04T09:00:00Z'), trigger: 'schedule', attempt: 1, dueAt: new Date('2026-03-04T09:00:00Z'), status: 'SUCCEEDED', ownerNode: null },
        { id: '0196f3a0-0000-7000-8000-0000000000a2', jobId: job.id as string, scheduledAt: new Date('2026-03-04T10:00:00Z'), trigger: 'schedule', attempt: 1, dueAt: new Date('2026-03-04T10:00:00Z'), status: 'MISSED', ownerNode: null },
      ],
    });
    const body = { from: '2026-03-04T08:30:00Z', to: '2026-03-04T12:00:00Z', intervalMs: 5000 };
    const response = await post(`/api/v1/jobs/${job.id as string}/backfill`, body);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      jobId: job.id,
      from: '2026-03-04T08:30:00.000Z',
      to: '2026-03-04T12:00:00.000Z',
      scheduled: 3,
      count: 2,
      first: '2026-03-04T10:00:00.000Z',
      last: '2026-03-04T11:00:00.000Z',
      queued: 2,
      alreadyQueued: 0,
      skipped: { succeeded: 1, inProgress: 0, maybeSent: 0 },
      intervalMs: 5000,
      firstDueAt: '2026-03-04T12:00:00.000Z',
      lastDueAt: '2026-03-04T12:00:05.000Z',
    });
    const backfilled = (await history(job.id)).filter((item) => item.trigger === 'backfill');
    expect(backfilled.map((item) => [item.scheduledAt, item.dueAt, item.status])).toEqual([
      ['2026-03-04T11:00:00.000Z', '2026-03-04T12:00:05.000Z', 'SCHEDULED'],
      ['2026-03-04T10:00:00.000Z', '2026-03-04T12:00:00.000Z', 'SCHEDULED'],
    ]);

    const again = await post(`/api/v1/jobs/${job.id as string}/backfill`, body);
    expect(again.json()).toMatchObject({ count: 2, first: '2026-03-04T10:00:00.000Z', last: '2026-03-04T11:00:00.000Z', queued: 0, alreadyQueued: 2, firstDueAt: null });
    expect((await history(job.id)).filter((item) => item.trigger === 'backfill')).toHaveLength(2);
  });

  it('POST /backfill reads the schedule in the job\'s zone across a daylight-saving change', async () => {
    // 2026-03-08: New York has no 02:30; the cron engine fires that day's occurrence at 03:00 EDT.
    const job = await createJob(context().app, { schedule: '0 30 2 * * *', timezone: 'America/New_York' });
    await context().clock.advance(6 * 86_400_000);
    const answer = (await post(`/api/v1/jobs/${job.id as string}/backfill`, { from: '2026-03-07T00:00:00Z', to: '2026-03-10T00:00:00Z' })).json();
    expect(answer).toMatchObject({ scheduled: 3, count: 3, first: '2026-03-07T07:30:00.000Z', last: '2026-03-09T06:30:00.000Z' });
  });

  it('POST /backfill refuses bad ranges and limits with a 400 naming the field', async () => {
    const job = await createJob(context().app, { schedule: '* * * * * *' });
    const backfill = (body: unknown) => post(`/api/v1/jobs/${job.id as string}/backfill`, body);
    expect(problemOf(await backfill({ to: '2026-03-04T11:00:00Z' }))).toMatchObject({ status: 400, property: 'from' });
    expect(problemOf(await backfill({ from: 'yesterday', to: '2026-03-04T11:00:00Z' }))).toMatchObject({ status: 400, property: 'from' });
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T10:00:00Z' }))).toMatchObject({ status: 400, property: 'to' });
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T13:00:00Z' }))).toMatchObject({ status: 400, property: 'to' });
    const tooMany = problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:20:00Z' }));
    expect(tooMany).toMatchObject({ status: 400, property: 'to' });
    expect(tooMany.detail).toContain('more than 1000 scheduled occurrences');
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:00:10Z', maxOccurrences: 5 }))).toMatchObject({ status: 400, property: 'to' });
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:00:10Z', maxOccurrences: 10_001 }))).toMatchObject({ status: 400, property: 'maxOccurrences' });
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:00:10Z', intervalMs: 9 }))).toMatchObject({ status: 400, property: 'intervalMs' });
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:00:10Z', intervalMs: 3_600_001 }))).toMatchObject({ status: 400, property: 'intervalMs' });
    expect(problemOf(await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:00:10Z', rate: 1 }))).toMatchObject({ status: 400, property: 'rate' });
    expect(await history(job.id)).toEqual([]);
    const exactly = await backfill({ from: '2026-03-04T11:00:00Z', to: '2026-03-04T11:00:10Z', maxOccurrences: 10 });
    expect(exactly.json()).toMatchObject({ scheduled: 10, queued: 10 });
  });

  it('POST /backfill of a one-time job covers its runAt when it lies in the range', async () => {
    const job = await createJob(context().app, { schedule: undefined, runAt: '2026-03-04T12:30:00Z' });
    await context().clock.advance(3600_000);
    const body = { from: '2026-03-04T12:00:00Z', to: '2026-03-04T13:00:00Z' };
    expect((await post(`/api/v1/jobs/${job.id as string}/backfill`, body)).json()).toMatchObject({ scheduled: 1, count: 1, first: '2026-03-04T12:30:00.000Z' });
  });

  it('POST /backfill answers 409 for a paused or deleted job and 404 for an unknown one', async () => {
    const body = { from: '2026-03-04T10:00:00Z', to: '2026-03-04T11:00:00Z' };
    const job = await createJob(context().app);
    await post(`/api/v1/jobs/${job.id as string}/pause`);
    expect(problemOf(await post(`/api/v1/jobs/${job.id as string}/backfill`, body))).toMatchObject({ status: 409, code: 'CONFLICT' });
    await context().app.inject({ method: 'DELETE', url: `/api/v1/jobs/${job.id as string}` });
    expect(problemOf(await post(`/api/v1/jobs/${job.id as string}/backfill`, body)).detail).toContain('deleted');
    expect(problemOf(await post('/api/v1/jobs/0196f3a0-0000-7000-8000-000000000000/backfill', body))).toMatchObject({ status: 404 });
  });

  it('the OpenAPI document gives the run body as optional and each backfill field with its limits', async () => {
    const document = (await context().app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const run = document.paths['/api/v1/jobs/{id}/run'].post;
    expect(run.requestBody.required).toBe(false);
    expect(Object.keys(run.requestBody.content['application/json'].schema.properties)).toEqual(['payload', 'headers']);
    const backfill = document.paths['/api/v1/jobs/{id}/backfill'].post.requestBody.content['application/json'].schema;
    expect(backfill.required).toEqual(['from', 'to']);
    expect(backfill.properties.maxOccurrences).toMatchObject({ minimum: 1, maximum: 10_000, default: 1000 });
    expect(backfill.properties.intervalMs).toMatchObject({ minimum: 10, maximum: 3_600_000, default: 1000 });
  });
});

describeApi('run and backfill bodies at random', (context) => {
  const wild = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('2026-03-04T10:00:00Z', '2026-03-04T11:00:00Z', '2026-03-04T13:00:00Z', '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', 'now', -1, 0, 1e12, null),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
  );
  const fields = ['payload', 'headers', 'from', 'to', 'maxOccurrences', 'intervalMs', 'extra'];
  const body = fc.dictionary(fc.constantFrom(...fields), wild, { maxKeys: 4 });
  const rows = async (jobId: string) => (await context().store.executionList({ jobId, limit: 1000 })).items.length;

  it('never answers 5xx, and writes history exactly when it answers 202', async () => {
    const job = await createJob(context().app, { schedule: '0 */10 * * * *' });
    const id = job.id as string;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('run', 'backfill'), body, async (action, payload) => {
        const before = await rows(id);
        const response = await context().app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/${action}`, payload });
        expect(response.statusCode).toBeLessThan(500);
        const after = await rows(id);
        if (response.statusCode === 202) {
          const queued = action === 'run' ? 1 : (response.json<{ queued: number }>().queued);
          expect(after - before).toBe(queued);
        } else {
          expect(response.statusCode).toBe(400);
          expect(after).toBe(before);
          expect(problemOf(response).detail).not.toBe('');
        }
      }),
      { numRuns: 60 },
    );
  });
});
