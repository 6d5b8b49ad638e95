import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { makeScheduler, T0 } from './engine-harness.js';
import { useEngineWorld } from './engine-world.js';
import { useWorldApi } from './world-api.js';

/**
 * Auto-pause and time bounds end to end: jobs made through the API, two nodes firing them on
 * the test's fake clock, and what the history, the job and the receiver show afterwards.
 */
const world = useEngineWorld('pause and bounds');
const api = useWorldApi(world);
let second: Scheduler | undefined;

afterEach(async () => {
  if (second) await world.advanceUntil(second.stop());
  second = undefined;
});

type Json = Record<string, unknown>;

async function createJob(body: Json): Promise<string> {
  const created = await api('POST', '/jobs', { api: `${world.receiver.url}/hook`, type: 'AT_LEAST_ONCE', schedule: '* * * * * *', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** Two nodes on the one store, each with metrics of its own. */
async function startTwoNodes(): Promise<Metrics[]> {
  const metrics = [createMetrics({ defaultMetrics: false }), createMetrics({ defaultMetrics: false })];
  await world.startScheduler({ metrics: metrics[0]! });
  second = makeScheduler(world.context.store, world.clock, { nodeId: 'node-b', metrics: metrics[1]! });
  await second.start();
  return metrics;
}

/** Moves the fake clock on a second at a time until `done` holds (history written first). */
async function advanceUntil(done: () => Promise<boolean>): Promise<void> {
  for (let step = 0; ; step++) {
    await world.scheduler!.flush();
    await second?.flush();
    if (await done()) return;
    if (step > 120) throw new Error('the condition never held');
    await world.clock.advance(1000);
  }
}

/** Moves the fake clock on by `ms`, a second at a time, writing the history after each step. */
async function advanceBy(ms: number): Promise<void> {
  const until = world.clock.now() + ms;
  while (world.clock.now() < until) {
    await world.clock.advance(1000);
    await world.scheduler!.flush();
    await second?.flush();
  }
}

const job = async (id: string): Promise<Json> => (await api('GET', `/jobs/${id}`)).body;
const total = (metrics: readonly Metrics[]): Promise<number> =>
  Promise.all(metrics.map(async (m) => (await m.jobsAutoPaused.get()).values[0]?.value ?? 0)).then((values) => values.reduce((a, b) => a + b, 0));
const hooks = () => world.receiver.requests.filter((request) => request.path === '/hook');
const alerts = () => world.receiver.requests.filter((request) => request.path === '/alerts').map((request) => JSON.parse(request.body) as Json);

describe('pauseAfterFailures', () => {
  it('pauses a job after N occurrences in a row failed after their retries, on whichever node, tells onFailure once, and fires again once resumed', async () => {
    world.receiver.setHandler((request, response) => {
      if (request.path === '/hook') response.writeHead(503).end('down for maintenance');
      else response.writeHead(204).end();
    });
    const id = await createJob({
      schedule: '*/5 * * * * *',
      pauseAfterFailures: 3,
      retry: { maxAttempts: 2, minBackoffMs: 100, maxBackoffMs: 100 },
      onFailure: `${world.receiver.url}/alerts`,
    });
    const metrics = await startTwoNodes();
    // The first failure is counted where it happened; that node then leaves, and the other
    // carries on from the count in the database.
    await advanceUntil(async () => (await job(id)).consecutiveFailures === 1);
    const [firstFailure] = (await world.history(id)).filter((row) => row.status === 'FAILED' && row.attempt === 2);
    const [leaving, staying] = firstFailure!.ownerNode === 'node-a' ? [world.scheduler!, second!] : [second!, world.scheduler!];
    await world.advanceUntil(leaving.stop());
    world.scheduler = staying;
    second = undefined;
    await advanceUntil(async () => (await job(id)).paused === true);

    const paused = await job(id);
    expect(paused).toMatchObject({ paused: true, isActive: true, consecutiveFailures: 3, pausedReason: 'auto: 3 consecutive failures, last: HTTP 503: down for maintenance' });
    expect(typeof paused.pausedAt).toBe('string');
    // Nothing fires or counts after the pause.
    const firedBefore = hooks().length;
    await advanceBy(15_000);
    expect(hooks().length).toBe(firedBefore);
    const history = await world.history(id);
    const finalFailures = history.filter((row) => row.status === 'FAILED' && row.attempt === 2);
    expect(finalFailures).toHaveLength(3);
    expect(history).toHaveLength(6);
    expect(new Set(finalFailures.map((row) => row.ownerNode))).toEqual(new Set(['node-a', 'node-b']));
    expect(await job(id)).toMatchObject({ paused: true, consecutiveFailures: 3 });

    const pauseEvents = alerts().filter((alert) => alert.type === 'job.paused');
    expect(pauseEvents).toEqual([
      expect.objectContaining({
        jobId: id,
        pausedReason: paused.pausedReason,
        pausedAt: paused.pausedAt,
        consecutiveFailures: 3,
        pauseAfterFailures: 3,
        lastFailure: expect.objectContaining({ executionId: finalFailures[2]!.id, httpStatus: 503, error: 'HTTP 503: down for maintenance' }),
      }),
    ]);
    expect(alerts().filter((alert) => alert.type === 'occurrence.failed')).toHaveLength(3);
    expect(await total(metrics)).toBe(1);

    world.receiver.setHandler((_request, response) => void response.writeHead(204).end());
    const resumed = await api('POST', `/jobs/${id}/resume`);
    expect(resumed.body).toMatchObject({ paused: false, pausedReason: null, pausedAt: null, consecutiveFailures: 0 });
    await advanceUntil(async () => (await world.history(id)).some((row) => row.status === 'SUCCEEDED'));
    expect(await job(id)).toMatchObject({ paused: false, consecutiveFailures: 0, lastStatus: 'SUCCEEDED' });
  });

  it('never pauses a job whose failures are broken by successes, and counts nothing without the field', async () => {
    let n = 0;
    world.receiver.setHandler((request, response) => void response.writeHead(request.path === '/hook' && ++n % 3 !== 0 ? 500 : 204).end());
    const counted = await createJob({ pauseAfterFailures: 3, type: 'AT_MOST_ONCE', name: 'counted' });
    const plain = await createJob({ type: 'AT_MOST_ONCE', name: 'plain' });
    await startTwoNodes();
    await advanceUntil(async () => (await world.history(counted)).filter((row) => row.status !== 'SCHEDULED' && row.status !== 'RUNNING').length >= 12);
    const withCount = await job(counted);
    expect(withCount).toMatchObject({ paused: false, pausedReason: null });
    expect(withCount.consecutiveFailures).toBeLessThanOrEqual(2);
    expect(await job(plain)).toMatchObject({ paused: false, pausedReason: null, consecutiveFailures: 0, pauseAfterFailures: null });
  });
});

describe('startAt, endAt and maxRuns', () => {
  it('fires from startAt to endAt inclusive, then shows the job inactive with why, and a later endAt brings it back', async () => {
    const startAt = new Date(T0 + 3000).toISOString();
    const endAt = new Date(T0 + 7000).toISOString();
    const id = await createJob({ startAt, endAt });
    const preview = await api('GET', `/jobs/${id}/schedule?count=10`);
    expect(preview.body.nextRuns).toEqual([3, 4, 5, 6, 7].map((s) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z')));
    await startTwoNodes();
    await advanceUntil(async () => (await job(id)).isActive === false);
    await advanceBy(8000);

    const history = await world.history(id);
    expect(history.map((row) => [row.scheduledAt.getTime() - T0, row.status])).toEqual([3000, 4000, 5000, 6000, 7000].map((ms) => [ms, 'SUCCEEDED']));
    expect(hooks()).toHaveLength(5);
    const ended = await job(id);
    expect(ended).toMatchObject({ isActive: false, endedBy: 'endAt', nextRunAt: null, runCount: 5, pausedReason: `ended: no occurrence left before endAt ${new Date(T0 + 7000).toISOString()}` });
    expect((await api('GET', `/jobs/${id}/schedule`)).body.nextRuns).toEqual([]);
    expect((await api('POST', `/jobs/${id}/run`)).status).toBe(409);

    const later = new Date(world.clock.now() + 3000).toISOString();
    const revived = await api('PATCH', `/jobs/${id}`, { endAt: later });
    expect(revived.body).toMatchObject({ isActive: true, endedBy: null, pausedReason: null, pausedAt: null, endAt: later });
    const from = world.clock.now();
    await advanceUntil(async () => (await job(id)).isActive === false);
    await advanceBy(3000);
    const again = (await world.history(id)).filter((row) => row.scheduledAt.getTime() > from);
    expect(again.map((row) => row.scheduledAt.getTime() - from)).toEqual([1000, 2000, 3000]);
    expect(await job(id)).toMatchObject({ isActive: false, endedBy: 'endAt', runCount: 8 });
  });

  it('stops after maxRuns scheduled occurrences, not counting a manual run, and a higher maxRuns gives more', async () => {
    const id = await createJob({ maxRuns: 4 });
    await startTwoNodes();
    expect((await api('POST', `/jobs/${id}/run`)).status).toBe(202);
    await advanceUntil(async () => (await job(id)).isActive === false);
    await advanceBy(5000);

    const history = await world.history(id);
    expect(history.filter((row) => row.trigger === 'schedule').map((row) => row.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(history.filter((row) => row.trigger === 'manual')).toHaveLength(1);
    expect(hooks()).toHaveLength(5);
    expect(await job(id)).toMatchObject({ isActive: false, endedBy: 'maxRuns', runCount: 4, pausedReason: 'ended: maxRuns 4 reached' });

    const refused = await api('PATCH', `/jobs/${id}`, { maxRuns: 4 });
    expect(refused).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', property: 'maxRuns' } });
    expect((await api('PATCH', `/jobs/${id}`, { maxRuns: 6 })).body).toMatchObject({ isActive: true, maxRuns: 6 });
    await advanceUntil(async () => (await job(id)).isActive === false);
    await advanceBy(3000);
    expect((await world.history(id)).filter((row) => row.trigger === 'schedule')).toHaveLength(6);
    expect(await job(id)).toMatchObject({ runCount: 6, endedBy: 'maxRuns' });
  });
});
