import { expect, it } from 'vitest';
import { createJob, describeApi, problemOf } from './harness.js';

interface ExecutionItem {
  id: string;
  scheduledAt: string;
  trigger: string;
  status: string;
  attempt: number;
  node: string | null;
}

describeApi('job actions', (context) => {
  const post = (url: string, headers: Record<string, string> = {}) => context().app.inject({ method: 'POST', url, headers });
  const get = (url: string) => context().app.inject({ method: 'GET', url });
  const history = async (id: unknown) => (await get(`/api/v1/jobs/${id as string}/history`)).json<{ items: ExecutionItem[] }>().items;

  it('POST /run queues a manual occurrence at now that any node can claim', async () => {
    const job = await createJob(context().app);
    const response = await post(`/api/v1/jobs/${job.id as string}/run`);
    expect(response.statusCode).toBe(202);
    const run = response.json();
    expect(run).toMatchObject({ jobId: job.id, scheduledAt: '2026-03-04T12:00:00.000Z', trigger: 'manual', status: 'SCHEDULED' });
    expect(await history(job.id)).toEqual([
      expect.objectContaining({ id: run.executionId, trigger: 'manual', status: 'SCHEDULED', attempt: 1, node: null }),
    ]);
    const claimed = await context().store.executionClaimDue({ nodeId: 'node-a', until: new Date('2026-03-04T12:00:01Z'), limit: 10 });
    expect(claimed.map((attempt) => attempt.execution.id)).toEqual([run.executionId]);
  });

  it('POST /run twice in the same instant queues two occurrences', async () => {
    const job = await createJob(context().app);
    await post(`/api/v1/jobs/${job.id as string}/run`);
    await post(`/api/v1/jobs/${job.id as string}/run`, { 'content-type': 'application/json' });
    expect(await history(job.id)).toHaveLength(2);
  });

  it('POST /run never collides with a scheduled occurrence of the same instant', async () => {
    const job = await createJob(context().app, { schedule: '0 0 12 * * *' });
    const scheduledAt = new Date('2026-03-04T12:00:00Z');
    await context().store.executionWrite({
      inserts: [{ id: '0196f3a0-0000-7000-8000-0000000000aa', jobId: job.id as string, scheduledAt, trigger: 'schedule', attempt: 1, dueAt: scheduledAt, status: 'SCHEDULED', ownerNode: null }],
    });
    await post(`/api/v1/jobs/${job.id as string}/run`);
    const items = await history(job.id);
    expect(items.map((item) => [item.scheduledAt, item.trigger]).sort()).toEqual([
      ['2026-03-04T12:00:00.000Z', 'manual'],
      ['2026-03-04T12:00:00.000Z', 'schedule'],
    ]);
  });

  it('POST /run answers 409 for a deleted job and 404 for an unknown one', async () => {
    const job = await createJob(context().app);
    await context().app.inject({ method: 'DELETE', url: `/api/v1/jobs/${job.id as string}` });
    expect(problemOf(await post(`/api/v1/jobs/${job.id as string}/run`))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(problemOf(await post('/api/v1/jobs/0196f3a0-0000-7000-8000-000000000000/run'))).toMatchObject({ status: 404 });
    expect(problemOf(await post('/api/v1/jobs/x/run'))).toMatchObject({ status: 404 });
  });

  it('pause keeps nextRunAt where it was; resume leaves it for the misfire policy', async () => {
    const job = await createJob(context().app, { schedule: '0 * * * * *' });
    const paused = (await post(`/api/v1/jobs/${job.id as string}/pause`)).json();
    expect(paused).toMatchObject({ paused: true, nextRunAt: job.nextRunAt });
    await context().clock.advance(10 * 60_000);
    const resumed = await post(`/api/v1/jobs/${job.id as string}/resume`);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ paused: false, nextRunAt: job.nextRunAt });
  });

  it('pause and resume answer 404 for an unknown or malformed id', async () => {
    for (const action of ['pause', 'resume']) {
      expect(problemOf(await post(`/api/v1/jobs/0196f3a0-0000-7000-8000-000000000000/${action}`))).toMatchObject({ status: 404 });
      expect(problemOf(await post(`/api/v1/jobs/abc/${action}`))).toMatchObject({ status: 404 });
    }
  });

  it('GET /schedule lists the next 10 firings with the zone\'s offset, across a daylight-saving change', async () => {
    const job = await createJob(context().app, { schedule: '0 30 2 * * *', timezone: 'America/New_York' });
    const response = await get(`/api/v1/jobs/${job.id as string}/schedule`);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ jobId: string; timezone: string; nextRuns: string[] }>();
    expect(body).toMatchObject({ jobId: job.id, timezone: 'America/New_York' });
    expect(body.nextRuns).toHaveLength(10);
    expect(body.nextRuns.slice(0, 3)).toEqual(['2026-03-05T02:30:00-05:00', '2026-03-06T02:30:00-05:00', '2026-03-07T02:30:00-05:00']);
    // 2026-03-08 has no 02:30 in New York; after the switch the offset is -04:00.
    expect(body.nextRuns.slice(4, 6)).toEqual(['2026-03-09T02:30:00-04:00', '2026-03-10T02:30:00-04:00']);
  });

  it('GET /schedule?count= gives up to 1000 firings and refuses more', async () => {
    const job = await createJob(context().app, { schedule: '* * * * * *' });
    const thousand = (await get(`/api/v1/jobs/${job.id as string}/schedule?count=1000`)).json<{ nextRuns: string[] }>();
    expect(thousand.nextRuns).toHaveLength(1000);
    expect(thousand.nextRuns[0]).toBe('2026-03-04T12:00:01Z');
    expect(problemOf(await get(`/api/v1/jobs/${job.id as string}/schedule?count=1001`))).toMatchObject({ status: 400, property: 'count' });
    expect(problemOf(await get(`/api/v1/jobs/${job.id as string}/schedule?count=two`))).toMatchObject({ status: 400, property: 'count' });
  });

  it('GET /schedule of a one-time job lists its runAt while it is ahead', async () => {
    const job = await createJob(context().app, { schedule: undefined, runAt: '2026-03-04T13:00:00Z', timezone: 'Asia/Tokyo' });
    const body = (await get(`/api/v1/jobs/${job.id as string}/schedule`)).json<{ nextRuns: string[] }>();
    expect(body.nextRuns).toEqual(['2026-03-04T22:00:00+09:00']);
    await context().clock.advance(2 * 3600_000);
    expect((await get(`/api/v1/jobs/${job.id as string}/schedule`)).json<{ nextRuns: string[] }>().nextRuns).toEqual([]);
  });

  it('GET /history pages newest first with every field of an attempt', async () => {
    const job = await createJob(context().app);
    for (let i = 0; i < 3; i++) {
      await post(`/api/v1/jobs/${job.id as string}/run`);
      await context().clock.advance(1000);
    }
    const first = (await get(`/api/v1/jobs/${job.id as string}/history?limit=2`)).json<{ items: ExecutionItem[]; nextCursor: string }>();
    expect(first.items.map((item) => item.scheduledAt)).toEqual(['2026-03-04T12:00:02.000Z', '2026-03-04T12:00:01.000Z']);
    expect(Object.keys(first.items[0]!).sort()).toEqual(
      ['attempt', 'dueAt', 'durationMs', 'error', 'finishedAt', 'httpStatus', 'id', 'jobId', 'node', 'override', 'scheduledAt', 'startedAt', 'status', 'trigger'].sort(),
    );
    const second = (await get(`/api/v1/jobs/${job.id as string}/history?limit=2&cursor=${first.nextCursor}`)).json<{ items: ExecutionItem[]; nextCursor: string | null }>();
    expect(second.items.map((item) => item.scheduledAt)).toEqual(['2026-03-04T12:00:00.000Z']);
    expect(second.nextCursor).toBeNull();
  });

  it('GET /history answers 404 for an unknown job and 400 for a bad cursor', async () => {
    expect(problemOf(await get('/api/v1/jobs/0196f3a0-0000-7000-8000-000000000000/history'))).toMatchObject({ status: 404 });
    const job = await createJob(context().app);
    expect(problemOf(await get(`/api/v1/jobs/${job.id as string}/history?cursor=%%%`))).toMatchObject({ status: 400 });
    expect(problemOf(await get(`/api/v1/jobs/${job.id as string}/history?cursor=abc`))).toMatchObject({ status: 400, property: 'cursor' });
  });
});
