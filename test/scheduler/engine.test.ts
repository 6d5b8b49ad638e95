import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import { capturingLogger, T0 } from './engine-harness.js';
import { useEngineWorld } from './engine-world.js';
import { closedPort } from './receiver.js';
import { leaseRows } from '../store/fixtures.js';

const world = useEngineWorld('engine');

describe('firing occurrences', () => {
  it('claims occurrences ahead of time and fires each at its scheduled second with the documented headers', async () => {
    const jobId = await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000) });
    const metrics = createMetrics({ defaultMetrics: false });
    const s = await world.startScheduler({ metrics });
    // Claimed ahead under one lease of node-a; no history row until an attempt is written.
    const [lease, ...others] = await leaseRows(world.context.db);
    expect(others).toEqual([]);
    expect(lease!.owner_node).toBe('node-a');
    expect(lease!.attempts.map(([, job, scheduledAt]) => [job, scheduledAt])).toEqual([
      [jobId, world.at(1000)],
      [jobId, world.at(2000)],
    ]);
    expect(await world.history(jobId)).toEqual([]);
    expect(world.receiver.requests).toHaveLength(0);

    const sent = s.signals.next('sent');
    await world.settleAt(1000);
    expect((await sent).latenessMs).toBe(0);
    const [request] = world.receiver.requests;
    const [firstId] = lease!.attempts[0]!;
    expect(request!.headers).toMatchObject({
      'x-job-id': jobId,
      'x-execution-id': firstId,
      'x-scheduled-at': '2026-03-01T12:00:01.000Z',
      'x-attempt': '1',
      'idempotency-key': `${jobId}:2026-03-01T12:00:01.000Z:schedule`,
    });
    expect(request!.body).toBe('{"n":1}');

    await s.flush();
    const [row, ...more] = await world.history(jobId);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ id: firstId, status: 'SUCCEEDED', httpStatus: 204, startedAt: world.at(1000), attempt: 1, ownerNode: 'node-a' });
    const exposition = await metrics.registry.metrics();
    expect(exposition).toContain('jobscheduler_firings_total{type="AT_LEAST_ONCE",outcome="SUCCEEDED"} 1');
    expect(exposition).toContain('jobscheduler_firing_lateness_seconds_count 1');
  });

  it('logs each succeeded attempt at debug level', async () => {
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000) });
    const { logger, lines } = capturingLogger('debug');
    await world.startScheduler({ logger });
    await world.settleAt(1000);
    const succeeded = lines().filter((line) => line.msg === 'attempt succeeded');
    expect(succeeded).toMatchObject([{ level: 20, jobId, attempt: 1, httpStatus: 204, durationMs: 0 }]);
  });

  it('fires a one-time job once and makes it inactive', async () => {
    // Within half the look-ahead, so the claim at start takes it.
    const jobId = await world.createJob({ schedule: null, runAt: world.at(900), nextRunAt: world.at(900) });
    await world.startScheduler();
    expect((await world.context.store.jobGet(jobId)).isActive).toBe(false);
    await world.settleAt(900);
    await world.settleAt(10_000, 0);
    expect(world.receiver.requests).toHaveLength(1);
    await world.scheduler!.flush();
    expect((await world.history(jobId)).map((row) => row.status)).toEqual(['SUCCEEDED']);
  });
});

describe('garbage collection between bursts', () => {
  it('collects the young generation once a burst has settled and been written, never before', async () => {
    for (let i = 0; i < 2; i++) await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000) });
    // A young generation of 100 MB in which each request allocates 10 MB.
    const MB = 1024 * 1024;
    let used = 0;
    let sent = 0;
    let settled = 0;
    const collections: { at: number; inFlight: number; unwritten: number }[] = [];
    const s = await world.startScheduler({
      youngGeneration: {
        space: () => ({ used, available: 100 * MB - used }),
        collections: () => collections.length,
        collect: () => {
          collections.push({ at: world.clock.now(), inFlight: sent - settled, unwritten: settled - written });
          used = 5 * MB;
        },
      },
    });
    s.signals.on('sent', () => {
      sent++;
      used += 10 * MB;
    });
    s.signals.on('settled', () => settled++);
    let written = 0;
    s.signals.on('flushed', ({ completions }) => (written += completions));
    for (let second = 1; second <= 8; second++) {
      await world.settleAt(second * 1000, 2);
      // Settled, not written yet: nothing to collect until the history is.
      await new Promise((resolve) => setImmediate(resolve));
      if (second === 4) expect(collections).toEqual([]);
      await s.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // 20 MB a burst, 30 with headroom: collected once less than that is left, after the 4th
    // burst (80 MB used) and, from 5 MB, after the 8th (85).
    expect(collections.map(({ at }) => at - T0)).toEqual([4000, 8000]);
    expect(collections.every(({ inFlight, unwritten }) => inFlight === 0 && unwritten === 0)).toBe(true);
    expect(world.receiver.requests).toHaveLength(16);
  });
});

describe('retries', () => {
  it('logs at most 10 final failures per 10 s one by one, and says how many it left out', async () => {
    world.receiver.setHandler((_req, res) => void res.writeHead(500).end('target broken'));
    for (let i = 0; i < 15; i++) {
      await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), retry: { maxAttempts: 1, minBackoffMs: 1000, maxBackoffMs: 60_000 } });
    }
    const { logger, lines } = capturingLogger();
    await world.startScheduler({ logger });
    await world.settleAt(1000, 15);
    const failures = () => lines().filter((line) => String(line.msg).startsWith('occurrence failed after its last attempt'));
    expect(failures()).toHaveLength(10);
    await world.scheduler!.stop();
    expect(lines().find((line) => String(line.msg).startsWith('lines about failed occurrences'))).toMatchObject({ failures: 5 });
  });

  it('retries a failing AT_LEAST_ONCE occurrence after growing backoffs, then records it FAILED, logs it and notifies onFailure', async () => {
    world.receiver.setHandler((req, res) => void (req.path === '/failed' ? res.writeHead(204).end() : res.writeHead(500).end('target broken')));
    const jobId = await world.createJob({
      schedule: null,
      runAt: world.at(1000),
      nextRunAt: world.at(1000),
      retry: { maxAttempts: 3, minBackoffMs: 1000, maxBackoffMs: 60_000 },
      onFailure: `${world.receiver.url}/failed`,
    });
    const { logger, lines } = capturingLogger();
    await world.startScheduler({ logger });

    await world.settleAt(1000);
    await world.settleAt(2000);
    await world.settleAt(4000);
    await world.receiver.waitForRequests(4);
    const attempts = world.receiver.requests.filter((r) => r.path === '/hook');
    expect(attempts.map((r) => r.headers['x-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);

    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.attempt, row.status, row.dueAt, row.httpStatus, row.error])).toEqual([
      [1, 'FAILED', world.at(1000), 500, 'HTTP 500: target broken'],
      [2, 'FAILED', world.at(2000), 500, 'HTTP 500: target broken'],
      [3, 'FAILED', world.at(4000), 500, 'HTTP 500: target broken'],
    ]);

    const notification = world.receiver.requests.find((r) => r.path === '/failed')!;
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
    world.receiver.setHandler((_req, res) => void res.writeHead(503).end());
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), type: 'AT_MOST_ONCE' });
    await world.startScheduler();
    await world.settleAt(1000);
    await world.settleAt(10_000, 0);
    expect(world.receiver.requests).toHaveLength(1);
    await world.scheduler!.flush();
    expect((await world.history(jobId)).map((row) => [row.attempt, row.status])).toEqual([[1, 'FAILED']]);
  });

  it('records a refused connection as a failed attempt with its error, and retries it', async () => {
    const port = await closedPort();
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), api: `http://127.0.0.1:${port}/` });
    await world.startScheduler();
    const settled = world.scheduler!.signals.next('settled');
    await world.settleAt(1000);
    expect((await settled).retryDueAt).toEqual(world.at(2000));
    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.attempt, row.status, row.httpStatus])).toEqual([
      [1, 'FAILED', null],
      [2, 'SCHEDULED', null],
    ]);
    expect(rows[0]!.error).toMatch(/^ECONNREFUSED/);
  });

  it('records a target that does not answer within the timeout as timed out', async () => {
    world.receiver.setHandler(() => undefined);
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), timeoutMs: 3000, retry: { maxAttempts: 1, minBackoffMs: 1000, maxBackoffMs: 1000 } });
    await world.startScheduler();
    await world.clock.set(world.at(1000));
    await world.receiver.waitForRequests(1);
    await world.settleAt(4000);
    await world.scheduler!.flush();
    expect((await world.history(jobId)).map((row) => [row.status, row.durationMs, row.error])).toEqual([['FAILED', 3000, 'timed out after 3000 ms']]);
  });
});

describe('misfires', () => {
  it('records occurrences that fell due while no node ran as MISSED under skip and fires the next ones on time', async () => {
    const jobId = await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(-5000), misfirePolicy: 'skip' });
    await world.startScheduler();
    // -1 s and 0 s fire at once, late; 1 s and 2 s on time.
    await world.settleAt(2000, 4);
    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.filter((row) => row.status === 'MISSED').map((row) => row.scheduledAt)).toEqual([world.at(-5000), world.at(-4000), world.at(-3000), world.at(-2000)]);
    // One second late is within the grace period: it fires, late.
    expect(rows.filter((row) => row.status === 'SUCCEEDED').map((row) => row.scheduledAt)).toEqual([world.at(-1000), world.at(0), world.at(1000), world.at(2000)]);
    expect(world.receiver.requests.map((r) => r.headers['x-scheduled-at'])).toEqual([world.at(-1000), world.at(0), world.at(1000), world.at(2000)].map((d) => d.toISOString()));
  });

  it('logs one line per claim round about missed occurrences, however many jobs missed some', async () => {
    const jobIds: string[] = [];
    for (let i = 0; i < 12; i++) jobIds.push(await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(-5000), misfirePolicy: 'skip' }));
    const { logger, lines } = capturingLogger('info');
    await world.startScheduler({ logger });
    const missedLines = lines().filter((line) => String(line.msg).includes('fell due while no node ran them'));
    expect(missedLines).toHaveLength(1);
    expect(missedLines[0]).toMatchObject({ missed: 48, jobs: 12 });
    expect(missedLines[0]!.jobIds).toHaveLength(10);
  });

  it('fires only the latest misfired occurrence under fire_once', async () => {
    const jobId = await world.createJob({ schedule: '*/10 * * * * *', nextRunAt: world.at(-60_000), misfirePolicy: 'fire_once' });
    await world.startScheduler();
    await world.settleAt(0, 2);
    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.scheduledAt.getTime() - T0, row.status])).toEqual([
      [-60_000, 'MISSED'],
      [-50_000, 'MISSED'],
      [-40_000, 'MISSED'],
      [-30_000, 'MISSED'],
      [-20_000, 'MISSED'],
      [-10_000, 'SUCCEEDED'],
      [0, 'SUCCEEDED'],
    ]);
  });

  it('fires every misfired occurrence, spread out, under fire_all', async () => {
    const jobId = await world.createJob({ schedule: '*/10 * * * * *', nextRunAt: world.at(-30_000), misfirePolicy: 'fire_all' });
    await world.startScheduler();
    await world.settleAt(300, 4);
    await world.scheduler!.flush();
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.scheduledAt.getTime() - T0, row.status, row.startedAt!.getTime() - T0])).toEqual([
      [-30_000, 'SUCCEEDED', 0],
      [-20_000, 'SUCCEEDED', 100],
      [-10_000, 'SUCCEEDED', 200],
      [0, 'SUCCEEDED', 0],
    ]);
  });
});

describe('overdue attempts', () => {
  it('records a skip occurrence MISSED instead of sending it once it waited past the misfire grace, and still sends a fire_once one', async () => {
    const answers: (() => void)[] = [];
    world.receiver.setHandler((_req, res) => void answers.push(() => res.writeHead(200).end()));
    const oneTime = (at: number) => ({ schedule: null, runAt: world.at(at), nextRunAt: world.at(at), timeoutMs: 10_000 });
    const holderId = await world.createJob(oneTime(500));
    const skipId = await world.createJob({ ...oneTime(1000), misfirePolicy: 'skip' });
    const fireOnceId = await world.createJob({ ...oneTime(1000), misfirePolicy: 'fire_once' });
    // One connection slot to the receiver: the holder's request takes it and is not answered.
    const { logger, lines } = capturingLogger();
    const metrics = createMetrics({ defaultMetrics: false });
    await world.startScheduler({ logger, metrics, settings: { maxConcurrentPerHost: 1 } });
    await world.clock.set(world.at(500));
    await world.receiver.waitForRequests(1);
    await world.clock.set(world.at(2500));

    const settled: string[] = [];
    const allSettled = new Promise<void>((resolve) => {
      world.scheduler!.signals.on('settled', ({ jobId, status }) => settled.push(`${jobId}:${status}`) === 3 && resolve());
    });
    answers.shift()!();
    await world.receiver.waitForRequests(2);
    answers.shift()!();
    await allSettled;
    await world.scheduler!.flush();

    expect(settled).toEqual([`${holderId}:SUCCEEDED`, `${skipId}:MISSED`, `${fireOnceId}:SUCCEEDED`]);
    expect(world.receiver.requests.map((request) => request.headers['x-job-id'])).toEqual([holderId, fireOnceId]);
    const [skipped] = await world.history(skipId);
    expect([skipped!.status, skipped!.startedAt, skipped!.finishedAt]).toEqual(['MISSED', null, world.at(2500)]);
    expect(skipped!.error).toBe('not sent: waited 1500 ms in the node after falling due, longer than the misfire grace of 1000 ms');
    expect((await world.history(fireOnceId)).map((row) => [row.status, row.startedAt])).toEqual([['SUCCEEDED', world.at(2500)]]);
    const warnings = lines().filter((line) => String(line.msg).startsWith('occurrences recorded MISSED instead of sent'));
    expect(warnings.map(({ missed, waitedMs, graceMs }) => ({ missed, waitedMs, graceMs }))).toEqual([{ missed: 1, waitedMs: 1500, graceMs: 1000 }]);
    expect(await metrics.registry.metrics()).toContain('jobscheduler_firings_total{type="AT_LEAST_ONCE",outcome="MISSED"} 1');
  });
});

describe('overlap policy', () => {
  it('skips an occurrence of a forbid job while its previous occurrence is still running', async () => {
    const answers: (() => void)[] = [];
    world.receiver.setHandler((_req, res) => void answers.push(() => res.writeHead(200).end()));
    const jobId = await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000), overlapPolicy: 'forbid' });
    const metrics = createMetrics({ defaultMetrics: false });
    await world.startScheduler({ metrics });
    await world.clock.set(world.at(1000));
    await world.receiver.waitForRequests(1);
    await world.settleAt(2000);
    const firstDone = world.scheduler!.signals.next('settled');
    answers.shift()!();
    await firstDone;
    await world.clock.set(world.at(3000));
    await world.receiver.waitForRequests(2);
    const thirdDone = world.scheduler!.signals.next('settled');
    answers.shift()!();
    await thirdDone;
    await world.scheduler!.flush();
    const rows = (await world.history(jobId)).slice(0, 3);
    expect(rows.map((row) => [row.scheduledAt.getTime() - T0, row.status])).toEqual([
      [1000, 'SUCCEEDED'],
      [2000, 'SKIPPED'],
      [3000, 'SUCCEEDED'],
    ]);
    expect(await metrics.registry.metrics()).toContain('jobscheduler_firings_total{type="AT_LEAST_ONCE",outcome="SKIPPED"} 1');
  });

  it('lets occurrences of an allow job run side by side', async () => {
    const answers: (() => void)[] = [];
    world.receiver.setHandler((_req, res) => void answers.push(() => res.writeHead(200).end()));
    const jobId = await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000) });
    await world.startScheduler();
    await world.clock.set(world.at(2000));
    await world.receiver.waitForRequests(2);
    const settled = new Promise<void>((resolve) => {
      let n = 0;
      world.scheduler!.signals.on('settled', () => ++n === 2 && resolve());
    });
    answers.splice(0).forEach((answer) => answer());
    await settled;
    await world.scheduler!.flush();
    expect((await world.history(jobId)).slice(0, 2).map((row) => row.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });
});
