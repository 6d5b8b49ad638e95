import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { backends, testSchema, type StoreContext } from '../store/harness.js';
import { emptyTables, makeScheduler, T0 } from './engine-harness.js';
import { startReceiver, type Receiver } from './receiver.js';
import { leaseRows } from '../store/fixtures.js';

/**
 * Jitter end to end: a job created through the API, a node on a fake clock claiming and firing
 * it, the receiver and the history. On both stores.
 */
for (const backend of backends()) {
  describe(`jitter, from the API to the target [${backend.name}]`, () => {
    let context: StoreContext;
    let receiver: Receiver;
    let app: FastifyInstance;
    let clock: FakeClock;
    let scheduler: Scheduler | undefined;

    beforeAll(async () => {
      context = await backend.open(testSchema(`jitter ${backend.name}`));
      await context.store.migrate();
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
      if (context) await backend.dispose(context);
    });
    beforeEach(async () => {
      await emptyTables(context.db);
      receiver.requests.length = 0;
      clock = new FakeClock(T0);
      app = await buildServer({ store: context.store, clock, config: { apiKeys: [], allowedTargets: [] } });
      await app.ready();
    });
    afterEach(async () => {
      if (scheduler) await stopOnFakeClock(scheduler, clock);
      scheduler = undefined;
      await app.close();
    });

    /** The job's attempts claims leased, as [scheduled, due, owner] times in ms. */
    async function leased(jobId: string): Promise<[number, number, string][]> {
      return (await leaseRows(context.db)).flatMap((lease) =>
        lease.attempts.filter(([, job]) => job === jobId).map(([, , scheduledAt, dueAt]): [number, number, string] => [scheduledAt.getTime(), dueAt.getTime(), lease.owner_node]),
      );
    }

    /** Moves the clock by one claim interval and waits for the round it starts. */
    /** A claim round a claim interval on (the loop's own rounds, idle, come further apart). */
    async function claimRound(node: Scheduler): Promise<void> {
      await clock.advance(250);
      await node.claimNow();
    }

    it('sends each occurrence at its scheduled time plus the predicted delay, with the scheduled time in X-Scheduled-At and both in history', async () => {
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        payload: { schedule: '*/10 * * * * *', jitterMs: 8000, api: `${receiver.url}/hook`, type: 'AT_LEAST_ONCE' },
      });
      expect(created.statusCode).toBe(201);
      const jobId = created.json().id as string;
      const scheduledAt = T0 + 10_000;
      const predicted = (await app.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/schedule?count=1` })).json();
      expect(predicted.nextRuns).toEqual(['2026-03-01T12:00:10Z']);
      const firesAt = Date.parse(predicted.firesAt[0]);
      expect(firesAt).toBeGreaterThanOrEqual(scheduledAt);
      expect(firesAt).toBeLessThan(scheduledAt + 8000);

      scheduler = makeScheduler(context.store, clock);
      const first = scheduler.signals.next('claimed');
      await scheduler.start();
      await first;
      // Claimed half a look-ahead (1 s) before it is due with its delay, never before.
      for (;;) {
        const claimed = await leased(jobId);
        if (claimed.length > 0) {
          expect(clock.now()).toBeGreaterThanOrEqual(firesAt - 1000);
          expect(claimed).toEqual([[scheduledAt, firesAt, 'node-a']]);
          break;
        }
        expect(clock.now()).toBeLessThan(firesAt);
        await claimRound(scheduler);
      }

      await clock.set(firesAt - 1);
      expect(receiver.requests).toHaveLength(0);
      const settled = scheduler.signals.next('settled');
      await clock.set(firesAt);
      expect(await settled).toMatchObject({ status: 'SUCCEEDED' });
      expect(receiver.requests[0]!.headers['x-scheduled-at']).toBe('2026-03-01T12:00:10.000Z');

      await scheduler.flush();
      const history = (await app.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}/history` })).json();
      expect(history.items[0]).toMatchObject({
        scheduledAt: '2026-03-01T12:00:10.000Z',
        dueAt: new Date(firesAt).toISOString(),
        startedAt: new Date(firesAt).toISOString(),
        status: 'SUCCEEDED',
      });
      const job = (await app.inject({ method: 'GET', url: `/api/v1/jobs/${jobId}` })).json();
      expect(job).toMatchObject({ jitterMs: 8000, nextRunAt: '2026-03-01T12:00:20.000Z', lastStatus: 'SUCCEEDED' });
    });

    it('fires a job created without jitter at its scheduled instant, as before', async () => {
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        payload: { schedule: '*/10 * * * * *', api: `${receiver.url}/hook`, type: 'AT_LEAST_ONCE' },
      });
      const jobId = created.json().id as string;
      expect(created.json().jitterMs).toBe(0);
      scheduler = makeScheduler(context.store, clock);
      const first = scheduler.signals.next('claimed');
      await scheduler.start();
      await first;
      while ((await leased(jobId)).length === 0) {
        expect(clock.now()).toBeGreaterThanOrEqual(T0);
        expect(clock.now()).toBeLessThan(T0 + 10_000);
        await claimRound(scheduler);
      }
      expect(clock.now()).toBeGreaterThanOrEqual(T0 + 9000);
      const settled = scheduler.signals.next('settled');
      await clock.set(T0 + 10_000);
      await settled;
      await scheduler.flush();
      const [row] = (await context.store.executionList({ jobId, limit: 10 })).items;
      expect(row).toMatchObject({ scheduledAt: new Date(T0 + 10_000), dueAt: new Date(T0 + 10_000), startedAt: new Date(T0 + 10_000), status: 'SUCCEEDED' });
    });
  });
}

async function stopOnFakeClock(scheduler: Scheduler, clock: FakeClock): Promise<void> {
  let done = false;
  const stopped = scheduler.stop().finally(() => (done = true));
  while (!done) await clock.advance(1000);
  await stopped;
}
