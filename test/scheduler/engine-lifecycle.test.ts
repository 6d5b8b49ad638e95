import { describe, expect, it } from 'vitest';
import { JobSchedulerError } from '../../src/errors.js';
import type { Store } from '../../src/store/types.js';
import { attempt } from '../store/fixtures.js';
import { createMetrics } from '../../src/metrics.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { capturingLogger, makeScheduler, T0 } from './engine-harness.js';
import { useEngineWorld } from './engine-world.js';
import { leaseRows } from '../store/fixtures.js';

const world = useEngineWorld('engine_lifecycle');

describe('graceful shutdown', () => {
  it('says in its health that it is starting until it claims, running then, and stopping from the moment it is asked to stop', async () => {
    await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000) });
    const s = makeScheduler(world.context.store, world.clock);
    expect(s.health.phase).toBe('starting');
    const claimed = s.signals.next('claimed');
    const started = s.start();
    expect(s.health.phase).toBe('starting');
    await started;
    expect(s.health.phase).toBe('running');
    await claimed;
    const stopped = s.stop();
    expect(s.health.phase).toBe('stopping');
    await stopped;
    expect(s.health.phase).toBe('stopping');
  });

  it('hands back claimed attempts that have not started, so any node can take them at once', async () => {
    const jobId = await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000) });
    const s = await world.startScheduler();
    const released = s.signals.next('released');
    await s.stop();
    expect((await released).attempts).toBe(2);
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.status, row.ownerNode])).toEqual([
      ['SCHEDULED', null],
      ['SCHEDULED', null],
    ]);
    const [node] = await world.context.store.nodeList();
    expect(node!.stoppedAt).not.toBeNull();
    expect(world.receiver.requests).toHaveLength(0);
  });

  it('lets a request in flight finish within the grace period and records its outcome', async () => {
    let answer: (() => void) | undefined;
    world.receiver.setHandler((_req, res) => void (answer = () => res.writeHead(201).end()));
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000) });
    const s = await world.startScheduler();
    await world.clock.set(world.at(1000));
    await world.receiver.waitForRequests(1);
    const stopped = s.stop();
    await world.clock.advance(3000);
    answer!();
    await stopped;
    expect((await world.history(jobId)).map((row) => [row.status, row.httpStatus])).toEqual([['SUCCEEDED', 201]]);
  });

  it('interrupts requests still in flight after the grace period and leaves their retry to any node', async () => {
    world.receiver.setHandler(() => undefined);
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), timeoutMs: 60_000 });
    const s = await world.startScheduler({ settings: { shutdownGraceMs: 2000 } });
    await world.clock.set(world.at(1000));
    await world.receiver.waitForRequests(1);
    await world.advanceUntil(s.stop());
    const rows = await world.history(jobId);
    expect(rows.map((row) => [row.attempt, row.status, row.ownerNode, row.error])).toEqual([
      [1, 'FAILED', 'node-a', 'interrupted: node shutting down'],
      [2, 'SCHEDULED', null, null],
    ]);
  });
});

describe('membership', () => {
  it('measures its clock against the database, stores the skew and warns above 500 ms', async () => {
    const { logger, lines } = capturingLogger();
    const databaseNow = (await world.context.store.databaseNow()).getTime();
    const clock = new FakeClock(databaseNow + 2000);
    const metrics = createMetrics({ defaultMetrics: false });
    world.scheduler = makeScheduler(world.context.store, clock, { logger, metrics });
    const heartbeat = world.scheduler.signals.next('heartbeat');
    await world.scheduler.start();
    expect((await heartbeat).skewMs).toBeGreaterThan(1500);
    await world.scheduler.heartbeatNow();
    const [node] = await world.context.store.nodeList();
    expect(node!.clockSkewMs).toBeGreaterThan(1500);
    expect(lines().filter((line) => line.skewMs !== undefined && line.level === 40)).toHaveLength(1);
    const gauge = await metrics.clockSkew.get();
    expect(gauge.values[0]!.value).toBeGreaterThan(1.5);
    await world.advanceUntil(world.scheduler.stop());
    world.scheduler = undefined;
  });

  it('starts and stops once however often it is asked', async () => {
    const s = makeScheduler(world.context.store, world.clock);
    await Promise.all([s.start(), s.start()]);
    expect(s.state).toBe('running');
    expect(await world.context.store.nodeList()).toHaveLength(1);
    await Promise.all([s.stop(), s.stop()]);
    await s.stop();
    expect(s.state).toBe('stopped');
    expect((await world.context.store.nodeList())[0]!.stoppedAt).not.toBeNull();
  });
});

describe('nodes dying and coming back', () => {
  async function ownedBy(nodeId: string, jobId: string, offsetMs: number, status: 'SCHEDULED' | 'RUNNING' = 'SCHEDULED') {
    const row = attempt(jobId, world.at(offsetMs), { ownerNode: nodeId, status });
    await world.context.store.executionWrite({ inserts: [row] });
    return row.id;
  }

  /** Claims, as node `nodeId` would, the next occurrence of each job (one-time, at its runAt): leased, with no row. */
  async function leasedBy(nodeId: string, jobIds: readonly string[]): Promise<void> {
    for (const jobId of jobIds) {
      const job = await world.context.store.jobGet(jobId);
      await world.context.store.jobUpdate({ id: jobId, patch: { nextRunAt: job.runAt } });
    }
    const claimed = await world.context.store.jobClaimDue({
      nodeId,
      now: world.at(-5000),
      until: world.at(5000),
      limit: 10,
      plan: (job) => ({ fire: [{ scheduledAt: job.nextRunAt!, dueAt: job.nextRunAt! }], missed: [], nextRunAt: null, deactivate: true }),
    });
    expect(claimed.map((c) => [c.job.id, c.leased?.lease.size])).toEqual(jobIds.map((id) => [id, jobIds.length]));
  }

  /** Work a node holds in the database: rows it owns (RUNNING where given), or one lease of a claim. */
  type Hold = (nodeId: string, work: readonly { jobId: string; offsetMs: number; running?: boolean }[]) => Promise<void>;
  const holds: [string, Hold][] = [
    ['as rows', async (nodeId, work) => {
      for (const { jobId, offsetMs, running } of work) await ownedBy(nodeId, jobId, offsetMs, running ? 'RUNNING' : 'SCHEDULED');
    }],
    ['leased', (nodeId, work) => leasedBy(nodeId, work.map(({ jobId }) => jobId))],
  ];

  it.each(holds)('fires again the AT_LEAST_ONCE work of a dead node (%s) and marks its AT_MOST_ONCE work LOST, never resending it', async (_, hold) => {
    await world.context.store.nodeRegister({ id: 'node-dead', hostname: 'elsewhere', pid: 1, role: 'scheduler', version: 'test' });
    const atLeastOnce = await world.createJob({ schedule: null, runAt: world.at(-1000), nextRunAt: null });
    const atMostOnce = await world.createJob({ schedule: null, runAt: world.at(-1000), nextRunAt: null, type: 'AT_MOST_ONCE' });
    await hold('node-dead', [
      { jobId: atLeastOnce, offsetMs: -1000, running: true },
      { jobId: atMostOnce, offsetMs: -1000, running: true },
    ]);
    await world.context.db.query(`UPDATE scheduler_nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'node-dead'`);

    world.scheduler = makeScheduler(world.context.store, world.clock);
    const s = world.scheduler;
    const reaped = s.signals.next('reaped');
    await s.start();
    expect(await reaped).toEqual({ deadNodes: ['node-dead'], requeued: 1, lost: 1 });
    await s.claimNow();
    await world.settleAt(0);
    await s.flush();
    expect((await world.history(atLeastOnce)).map((row) => [row.status, row.ownerNode])).toEqual([['SUCCEEDED', 'node-a']]);
    expect((await world.history(atMostOnce)).map((row) => [row.status, row.ownerNode])).toEqual([['LOST', 'node-dead']]);
    expect(world.receiver.requests.map((r) => r.headers['x-job-id'])).toEqual([atLeastOnce]);
    expect(await leaseRows(world.context.db)).toEqual([]);
  });

  it.each(holds)('takes charge at start of what it owned in a previous life under the same id (%s)', async (_, hold) => {
    const atLeastOnce = await world.createJob({ schedule: null, runAt: world.at(-2000), nextRunAt: null });
    const sentMaybe = await world.createJob({ schedule: null, runAt: world.at(-2000), nextRunAt: null, type: 'AT_MOST_ONCE' });
    const notYetDue = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: null, type: 'AT_MOST_ONCE' });
    await hold('node-a', [
      { jobId: atLeastOnce, offsetMs: -2000, running: true },
      { jobId: sentMaybe, offsetMs: -2000, running: true },
      { jobId: notYetDue, offsetMs: 1000 },
    ]);

    await world.startScheduler();
    await world.settleAt(1000, 2);
    await world.scheduler!.flush();
    expect((await world.history(atLeastOnce)).map((row) => row.status)).toEqual(['SUCCEEDED']);
    expect((await world.history(sentMaybe)).map((row) => row.status)).toEqual(['LOST']);
    expect((await world.history(notYetDue)).map((row) => row.status)).toEqual(['SUCCEEDED']);
    expect(world.receiver.requests.map((r) => r.headers['x-job-id']).sort()).toEqual([atLeastOnce, notYetDue].sort());
    expect(await leaseRows(world.context.db)).toEqual([]);
  });

  it('fires an attempt it owns but never heard of (a claim whose answer was lost), and never one it is still sending', async () => {
    world.receiver.setHandler((request, response) => {
      if (request.path !== '/hang') response.writeHead(204).end();
    });
    const hanging = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), timeoutMs: 120_000, api: `${world.receiver.url}/hang` });
    await world.startScheduler();
    await world.clock.set(world.at(1000));
    await world.receiver.waitForRequests(1);
    const orphanJob = await world.createJob({ schedule: null, runAt: world.at(-60_000), nextRunAt: null });
    await ownedBy('node-a', orphanJob, -60_000);
    // The sweep runs between claim rounds, every 30 s; the hanging request is 60 s old by then.
    await world.settleAt(61_000);
    expect(world.receiver.requests.map((r) => r.headers['x-job-id'])).toEqual([hanging, orphanJob]);
    await world.scheduler!.flush();
    expect((await world.history(orphanJob)).map((row) => row.status)).toEqual(['SUCCEEDED']);
  });

  it('claims nothing while its history cannot be written beyond the backlog limit, and claims again once it is', async () => {
    const writes = failing(world.context.store, 'executionWrite');
    const jobId = await world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(1000) });
    const { logger, lines } = capturingLogger();
    world.scheduler = makeScheduler(writes.store, world.clock, { logger, recorder: { maxBacklogRows: 2 } });
    const claimed = world.scheduler.signals.next('claimed');
    await world.scheduler.start();
    await claimed;
    writes.fail(true);
    await world.clock.set(world.at(5000));
    // Claimed before the writes failed: 1 s and 2 s fired; nothing after was taken on.
    expect(world.receiver.requests.map((request) => request.headers['x-scheduled-at'])).toEqual([world.at(1000), world.at(2000)].map((d) => d.toISOString()));
    // Leased, and no outcome written yet.
    expect((await leaseRows(world.context.db)).flatMap((lease) => lease.attempts.map(([, , scheduledAt]) => scheduledAt.getTime() - T0))).toEqual([1000, 2000]);
    expect(await world.history(jobId)).toEqual([]);
    expect(lines().some((line) => line.msg === 'history rows are waiting to be written beyond the limit; claiming nothing until they are')).toBe(true);

    writes.fail(false);
    const flushed = world.scheduler.signals.next('flushed');
    await world.clock.set(world.at(10_000));
    await flushed;
    await world.clock.set(world.at(12_000));
    await world.scheduler.flush();
    const rows = await world.history(jobId);
    expect(rows.filter((row) => row.scheduledAt.getTime() <= T0 + 2000).map((row) => row.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // The seconds no node took on while the history was stuck are in history as MISSED.
    expect(rows.find((row) => row.scheduledAt.getTime() === T0 + 3000)?.status).toBe('MISSED');
    expect(rows.find((row) => row.scheduledAt.getTime() === T0 + 12_000)?.status).toBe('SUCCEEDED');
    expect(lines().some((line) => line.msg === 'history caught up; claiming again')).toBe(true);
  });

  it('holds back its work once its lease may have run out, and hands it back when the database answers again', async () => {
    const failing = failingHeartbeats(world.context.store);
    const jobId = await world.createJob({ schedule: null, runAt: world.at(5000), nextRunAt: world.at(5000) });
    world.scheduler = makeScheduler(failing.store, world.clock, { settings: { nodeTimeoutMs: 4000, heartbeatIntervalMs: 1000, lookaheadMs: 6000 } });
    const claimed = world.scheduler.signals.next('claimed');
    await world.scheduler.start();
    await claimed;
    failing.fail(true);
    const fenced = world.scheduler.signals.next('fenced');
    await world.clock.set(world.at(6000));
    expect((await fenced).attempts).toBe(1);
    expect(world.receiver.requests).toHaveLength(0);
    expect((await leaseRows(world.context.db)).map((lease) => [lease.owner_node, lease.attempts.map(([, job]) => job)])).toEqual([['node-a', [jobId]]]);

    failing.fail(false);
    const released = world.scheduler.signals.next('released');
    await world.clock.advance(1000);
    expect((await released).attempts).toBe(1);
    // Handed back, it is claimed like any unowned attempt and fires, late.
    const settled = world.scheduler.signals.next('settled');
    await world.clock.advance(500);
    expect(await settled).toMatchObject({ status: 'SUCCEEDED' });
    expect(world.receiver.requests).toHaveLength(1);
    // The hand-back gave the leased attempt its row; the lease is gone.
    await world.scheduler.flush();
    expect((await world.history(jobId)).map((row) => row.status)).toEqual(['SUCCEEDED']);
    expect(await leaseRows(world.context.db)).toEqual([]);
  });
});

/** The real store, with heartbeats that fail on demand (the database unreachable for this node only). */
function failingHeartbeats(store: Store): { store: Store; fail: (on: boolean) => void } {
  return failing(store, 'nodeHeartbeat');
}

/** The store, with one of its methods failing while `fail(true)` holds. */
function failing(store: Store, method: 'nodeHeartbeat' | 'executionWrite'): { store: Store; fail: (on: boolean) => void } {
  let failing = false;
  const original = store[method].bind(store) as (params: never) => Promise<unknown>;
  const replacement = (params: never): Promise<unknown> =>
    failing ? Promise.reject(new JobSchedulerError('STORE_UNAVAILABLE', 'database unreachable (test)')) : original(params);
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === method) return replacement;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, fail: (on) => (failing = on) };
}
