import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import type { ExecutionRecord, JobCreateParams } from '../../src/store/types.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { jobParams } from '../store/fixtures.js';
import type { StoreContext } from '../store/harness.js';
import { emptyTables, makeScheduler, openPglite, T0 } from './engine-harness.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * One engine test file's world: an in-memory PGlite store, a receiver standing in for the
 * targets, a fake clock at T0 and the node under test, stopped after every test.
 */
export interface EngineWorld {
  readonly context: StoreContext;
  readonly receiver: Receiver;
  readonly clock: FakeClock;
  scheduler: Scheduler | undefined;
  at(offsetMs: number): Date;
  createJob(overrides: Partial<JobCreateParams>): Promise<string>;
  history(jobId: string): Promise<ExecutionRecord[]>;
  startScheduler(options?: Parameters<typeof makeScheduler>[2]): Promise<Scheduler>;
  /** Moves the fake clock to T0 + `offsetMs` and waits for `count` attempts to settle. */
  settleAt(offsetMs: number, count?: number): Promise<void>;
  /** Moves the fake clock on, a second at a time, until `work` settles. */
  advanceUntil(work: Promise<void>): Promise<void>;
}

export function useEngineWorld(label: string): EngineWorld {
  let context: StoreContext | undefined;
  let receiver: Receiver | undefined;
  let clock = new FakeClock(T0);

  const world: EngineWorld = {
    get context() {
      return context!;
    },
    get receiver() {
      return receiver!;
    },
    get clock() {
      return clock;
    },
    scheduler: undefined,
    at: (offsetMs) => new Date(T0 + offsetMs),
    async createJob(overrides) {
      const job = await context!.store.jobCreate(jobParams({ api: `${receiver!.url}/hook`, headers: {}, payload: { n: 1 }, ...overrides }));
      return job.id;
    },
    async history(jobId) {
      const page = await context!.store.executionList({ jobId, limit: 1000 });
      return [...page.items].sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.attempt - b.attempt);
    },
    async startScheduler(options = {}) {
      const scheduler = makeScheduler(context!.store, clock, options);
      world.scheduler = scheduler;
      const claimed = scheduler.signals.next('claimed');
      await scheduler.start();
      await claimed;
      return scheduler;
    },
    async settleAt(offsetMs, count = 1) {
      if (count === 0) {
        await clock.set(T0 + offsetMs);
        return;
      }
      let settled = 0;
      const done = new Promise<void>((resolve) => {
        const off = world.scheduler!.signals.on('settled', () => {
          if (++settled >= count) {
            off();
            resolve();
          }
        });
      });
      await clock.set(T0 + offsetMs);
      await done;
    },
    async advanceUntil(work) {
      let done = false;
      const settled = work.finally(() => (done = true));
      while (!done) await clock.advance(1000);
      await settled;
    },
  };

  beforeAll(async () => {
    context = await openPglite(label);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await context?.store.close();
  });
  beforeEach(async () => {
    await emptyTables(context!.db);
    receiver!.requests.length = 0;
    receiver!.setHandler((_req, res) => void res.writeHead(204).end());
    clock = new FakeClock(T0);
  });
  afterEach(async () => {
    if (!world.scheduler) return;
    // A stop waits for requests in flight up to the grace period, measured on the fake clock.
    await world.advanceUntil(world.scheduler.stop());
    world.scheduler = undefined;
  });
  return world;
}
