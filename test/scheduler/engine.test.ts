import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import type { ExecutionRecord, JobCreateParams } from '../../src/store/types.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { jobParams } from '../store/fixtures.js';
import type { StoreContext } from '../store/harness.js';
import { capturingLogger, emptyTables, makeScheduler, openPglite, T0 } from './engine-harness.js';
import { closedPort, startReceiver, type Receiver } from './receiver.js';

let context: StoreContext;
let receiver: Receiver;
let clock: FakeClock;
let scheduler: Scheduler | undefined;

beforeAll(async () => {
  context = await openPglite('engine');
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await context.store.close();
});
beforeEach(async () => {
  await emptyTables(context.db);
  receiver.requests.length = 0;
  receiver.setHandler((_req, res) => void res.writeHead(204).end());
  clock = new FakeClock(T0);
});
afterEach(async () => {
  if (!scheduler) return;
  let stopped = false;
  const stopping = scheduler.stop().then(() => (stopped = true));
  // A stop waits for requests in flight up to the grace period, measured on the fake clock.
  while (!stopped) await clock.advance(1000);
  await stopping;
  scheduler = undefined;
});

const at = (offsetMs: number): Date => new Date(T0 + offsetMs);

async function createJob(overrides: Partial<JobCreateParams>): Promise<string> {
  const job = await context.store.jobCreate(jobParams({ api: `${receiver.url}/hook`, headers: {}, payload: { n: 1 }, ...overrides }));
  return job.id;
}

async function history(jobId: string): Promise<ExecutionRecord[]> {
  const page = await context.store.executionList({ jobId, limit: 1000 });
  return [...page.items].sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.attempt - b.attempt);
}

async function startScheduler(options: Parameters<typeof makeScheduler>[2] = {}): Promise<Scheduler> {
  scheduler = makeScheduler(context.store, clock, options);
  const claimed = scheduler.signals.next('claimed');
  await scheduler.start();
  await claimed;
  return scheduler;
}

/** Moves the fake clock to `offsetMs` and waits for `count` attempts to settle. */
async function settleAt(offsetMs: number, count = 1): Promise<void> {
  if (count === 0) {
    await clock.set(T0 + offsetMs);
    return;
  }
  let settled = 0;
  const done = new Promise<void>((resolve) => {
    const off = scheduler!.signals.on('settled', () => {
      if (++settled >= count) {
        off();
        resolve();
      }
    });
  });
  await clock.set(T0 + offsetMs);
  await done;
}

describe('firing occurrences', () => {
  it('claims occurrences ahead of time and fires each at its scheduled second with the documented headers', async () => {
    const jobId = await createJob({ schedule: '* * * * * *', nextRunAt: at(1000) });
    const s = await startScheduler();
    const claimedAhead = await history(jobId);
    expect(claimedAhead.map((row) => [row.scheduledAt, row.status, row.ownerNode])).toEqual([
      [at(1000), 'SCHEDULED', 'node-a'],
      [at(2000), 'SCHEDULED', 'node-a'],
    ]);
    expect(receiver.requests).toHaveLength(0);

    const sent = s.signals.next('sent');
    await settleAt(1000);
    expect((await sent).latenessMs).toBe(0);
    const [request] = receiver.requests;
    const first = claimedAhead[0]!;
    expect(request!.headers).toMatchObject({
      'x-job-id': jobId,
      'x-execution-id': first.id,
      'x-scheduled-at': '2026-03-01T12:00:01.000Z',
      'x-attempt': '1',
      'idempotency-key': `${jobId}:2026-03-01T12:00:01.000Z:schedule`,
    });
    expect(request!.body).toBe('{"n":1}');

    await s.flush();
    const [row] = await history(jobId);
    expect(row).toMatchObject({ status: 'SUCCEEDED', httpStatus: 204, startedAt: at(1000), attempt: 1, ownerNode: 'node-a' });
  });

  it('fires a one-time job once and makes it inactive', async () => {
    const jobId = await createJob({ schedule: null, runAt: at(1500), nextRunAt: at(1500) });
    await startScheduler();
    expect((await context.store.jobGet(jobId)).isActive).toBe(false);
    await settleAt(1500);
    await settleAt(10_000, 0);
    expect(receiver.requests).toHaveLength(1);
    await scheduler!.flush();
    expect((await history(jobId)).map((row) => row.status)).toEqual(['SUCCEEDED']);
  });
});

describe('retries', () => {
  it('retries a failing AT_LEAST_ONCE occurrence after growing backoffs, then records it FAILED, logs it and notifies onFailure', async () => {
    receiver.setHandler((req, res) => void (req.path === '/failed' ? res.writeHead(204).end() : res.writeHead(500).end('target broken')));
    const jobId = await createJob({
      schedule: null,
      runAt: at(1000),
      nextRunAt: at(1000),
      retry: { maxAttempts: 3, minBackoffMs: 1000, maxBackoffMs: 60_000 },
      onFailure: `${receiver.url}/failed`,
    });
    const { logger, lines } = capturingLogger();
    await startScheduler({ logger });

    await settleAt(1000);
    await settleAt(2000);
    await settleAt(4000);
    await receiver.waitForRequests(4);
    const attempts = receiver.requests.filter((r) => r.path === '/hook');
    expect(attempts.map((r) => r.headers['x-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);

    await scheduler!.flush();
    const rows = await history(jobId);
    expect(rows.map((row) => [row.attempt, row.status, row.dueAt, row.httpStatus, row.error])).toEqual([
      [1, 'FAILED', at(1000), 500, 'HTTP 500: target broken'],
      [2, 'FAILED', at(2000), 500, 'HTTP 500: target broken'],
      [3, 'FAILED', at(4000), 500, 'HTTP 500: target broken'],
    ]);

    const notification = receiver.requests.find((r) => r.path === '/failed')!;
    expect(JSON.parse(notification.body)).toMatchObject({
      type: 'occurrence.failed',
      jobId,
      executionId: rows[2]!.id,
      scheduledAt: '2026-03-01T12:00:01.000Z',
      attempts: 3,
      status: 'FAILED',
      httpStatus: 500,
    });
    const logged = lines().find((line) => line.msg === 'occurrence failed after its last attempt');
    expect(logged).toMatchObject({ jobId, executionId: rows[2]!.id, level: 50 });
  });

  it('never resends a failed AT_MOST_ONCE occurrence', async () => {
    receiver.setHandler((_req, res) => void res.writeHead(503).end());
    const jobId = await createJob({ schedule: null, runAt: at(1000), nextRunAt: at(1000), type: 'AT_MOST_ONCE' });
    await startScheduler();
    await settleAt(1000);
    await settleAt(10_000, 0);
    expect(receiver.requests).toHaveLength(1);
    await scheduler!.flush();
    expect((await history(jobId)).map((row) => [row.attempt, row.status])).toEqual([[1, 'FAILED']]);
  });

  it('records a refused connection as a failed attempt with its error, and retries it', async () => {
    const port = await closedPort();
    const jobId = await createJob({ schedule: null, runAt: at(1000), nextRunAt: at(1000), api: `http://127.0.0.1:${port}/` });
    await startScheduler();
    const settled = scheduler!.signals.next('settled');
    await settleAt(1000);
    expect((await settled).retryDueAt).toEqual(at(2000));
    await scheduler!.flush();
    const rows = await history(jobId);
    expect(rows.map((row) => [row.attempt, row.status, row.httpStatus])).toEqual([
      [1, 'FAILED', null],
      [2, 'SCHEDULED', null],
    ]);
    expect(rows[0]!.error).toMatch(/^ECONNREFUSED/);
  });

  it('records a target that does not answer within the timeout as timed out', async () => {
    receiver.setHandler(() => undefined);
    const jobId = await createJob({ schedule: null, runAt: at(1000), nextRunAt: at(1000), timeoutMs: 3000, retry: { maxAttempts: 1, minBackoffMs: 1000, maxBackoffMs: 1000 } });
    await startScheduler();
    await clock.set(at(1000));
    await receiver.waitForRequests(1);
    await settleAt(4000);
    await scheduler!.flush();
    expect((await history(jobId)).map((row) => [row.status, row.durationMs, row.error])).toEqual([['FAILED', 3000, 'timed out after 3000 ms']]);
  });
});
