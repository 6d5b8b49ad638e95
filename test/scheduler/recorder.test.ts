import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobSchedulerError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import { Recorder } from '../../src/scheduler/recorder.js';
import type { ClaimedAttempt, ExecutionCompletion, ExecutionInsert, Store } from '../../src/store/types.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { attempt, jobParams, leaseRows } from '../store/fixtures.js';
import type { StoreContext } from '../store/harness.js';
import { emptyTables, openPglite, T0 } from './engine-harness.js';

let context: StoreContext;
let clock: FakeClock;
let jobId: string;

beforeAll(async () => {
  context = await openPglite('recorder');
});
afterAll(async () => {
  await context.store.close();
});
beforeEach(async () => {
  await emptyTables(context.db);
  clock = new FakeClock(T0);
  jobId = (await context.store.jobCreate(jobParams())).id;
});

/** The real store, counting the writes that reach it and failing them on demand. */
function countingStore(): { store: Store; writes: () => number; fail: (times: number) => void } {
  let writes = 0;
  let failures = 0;
  const counted =
    <P, R>(write: (params: P) => Promise<R>) =>
    (params: P): Promise<R> => {
      if (failures > 0) {
        failures--;
        return Promise.reject(new JobSchedulerError('STORE_UNAVAILABLE', 'database unreachable (test)'));
      }
      writes++;
      return write(params);
    };
  const { store: real } = context;
  const store = overriding(real, {
    executionWrite: counted((params) => real.executionWrite(params)),
    executionMarkRunning: counted((params) => real.executionMarkRunning(params)),
  });
  return { store, writes: () => writes, fail: (times) => (failures = times) };
}

/** The store with some of its methods replaced; every other one is the store's own. */
function overriding(store: Store, methods: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(methods, property)) return methods[property as keyof Store];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function rows(count: number, offset = 0): ExecutionInsert[] {
  return Array.from({ length: count }, (_, i) => attempt(jobId, new Date(T0 + (offset + i) * 1000)));
}

function succeeded(row: ExecutionInsert): ExecutionCompletion {
  return { id: row.id, scheduledAt: row.scheduledAt, status: 'SUCCEEDED', startedAt: new Date(T0), finishedAt: new Date(T0 + 5), durationMs: 5, httpStatus: 200, error: null };
}

async function statuses(): Promise<string[]> {
  const page = await context.store.executionList({ jobId, limit: 1000 });
  return page.items.map((row) => row.status);
}

describe('the history recorder', () => {
  it('writes what arrives within 50 ms as one batch', async () => {
    const { store, writes } = countingStore();
    const recorder = new Recorder({ store, clock, logger: silentLogger() });
    for (const row of rows(20)) recorder.write({ inserts: [row] });
    await clock.advance(49);
    expect(writes()).toBe(0);
    const flushed = recorder.signals.next('flushed');
    await clock.advance(1);
    expect(await flushed).toMatchObject({ inserts: 20, completions: 0 });
    expect(writes()).toBe(1);
    expect(await statuses()).toHaveLength(20);
  });

  it('writes at once when 1,000 rows are waiting, without waiting for the interval', async () => {
    const { store, writes } = countingStore();
    const recorder = new Recorder({ store, clock, logger: silentLogger() });
    const flushed = recorder.signals.next('flushed');
    recorder.write({ inserts: rows(600) });
    recorder.write({ inserts: rows(400, 600) });
    expect(await flushed).toMatchObject({ inserts: 1000 });
    expect(writes()).toBe(1);
  });

  it('waits while requests of due attempts are still leaving, at most 500 ms after a row arrived; flush never waits', async () => {
    const { store, writes } = countingStore();
    let sending = true;
    const recorder = new Recorder({ store, clock, logger: silentLogger(), yieldTo: () => sending });
    recorder.write({ inserts: rows(2000) });
    recorder.write({ inserts: rows(20, 2000) });
    await clock.advance(495);
    expect(writes()).toBe(0);
    const bounded = recorder.signals.next('flushed');
    await clock.advance(10);
    expect(await bounded).toMatchObject({ inserts: 2000 });

    // What stayed behind arrived as long ago: it goes at the next interval, however busy the node.
    const next = recorder.signals.next('flushed');
    await clock.advance(50);
    expect(await next).toMatchObject({ inserts: 20 });

    const released = recorder.signals.next('flushed');
    recorder.write({ inserts: rows(5, 2020) });
    await clock.advance(100);
    expect(writes()).toBe(2);
    sending = false;
    await clock.advance(5);
    expect(await released).toMatchObject({ inserts: 5 });
    sending = true;
    recorder.write({ inserts: rows(3, 3000) });
    await recorder.flush();
    expect(writes()).toBe(4);
    expect(recorder.pending).toBe(0);
  });

  it('marks attempts RUNNING and then completes them, never the other way round', async () => {
    const recorder = new Recorder({ store: context.store, clock, logger: silentLogger() });
    const [a, b] = rows(2);
    await context.store.executionWrite({ inserts: [a!, b!] });
    recorder.markRunning(a!.id, a!.scheduledAt, T0);
    recorder.markRunning(b!.id, b!.scheduledAt, T0);
    recorder.write({ completions: [succeeded(b!)] });
    await recorder.flush();
    const page = await context.store.executionList({ jobId, limit: 10 });
    expect(Object.fromEntries(page.items.map((row) => [row.id, row.status]))).toEqual({ [a!.id]: 'RUNNING', [b!.id]: 'SUCCEEDED' });
  });

  it('marks an attempt RUNNING once its request has run for a second, and a quicker one never', async () => {
    const { store, writes } = countingStore();
    const recorder = new Recorder({ store, clock, logger: silentLogger() });
    const [slow, quick] = rows(2);
    await context.store.executionWrite({ inserts: [slow!, quick!] });
    recorder.markRunning(slow!.id, slow!.scheduledAt, clock.now());
    recorder.markRunning(quick!.id, quick!.scheduledAt, clock.now());
    await clock.advance(500);
    expect(writes()).toBe(0);
    const completed = recorder.signals.next('flushed');
    recorder.write({ completions: [succeeded(quick!)] });
    await clock.advance(50);
    expect(await completed).toMatchObject({ completions: 1, running: 0 });
    const marked = recorder.signals.next('flushed');
    await clock.advance(450);
    expect(await marked).toMatchObject({ completions: 0, running: 1 });
    const byId = new Map((await context.store.executionList({ jobId, limit: 10 })).items.map((row) => [row.id, row]));
    expect(byId.get(slow!.id)).toMatchObject({ status: 'RUNNING', startedAt: new Date(T0) });
    expect(byId.get(quick!.id)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('keeps rows whose write failed and writes them when the database answers again', async () => {
    const { store, fail } = countingStore();
    const recorder = new Recorder({ store, clock, logger: silentLogger() });
    fail(2);
    const failed = recorder.signals.next('failed');
    recorder.write({ inserts: rows(3) });
    await clock.advance(50);
    expect((await failed).rows).toBe(3);
    expect(recorder.pending).toBe(3);
    const flushed = recorder.signals.next('flushed');
    await clock.advance(10_000);
    await flushed;
    expect(recorder.pending).toBe(0);
    expect(await statuses()).toHaveLength(3);
  });

  it('writes a failed attempt and its retry together or not at all', async () => {
    const { store, fail } = countingStore();
    const recorder = new Recorder({ store, clock, logger: silentLogger(), maxBatchRows: 1 });
    const [first] = rows(1);
    await context.store.executionWrite({ inserts: [first!] });
    const retry = attempt(jobId, first!.scheduledAt, { attempt: 2 });
    fail(1);
    const failed = recorder.signals.next('failed');
    recorder.write({ completions: [{ ...succeeded(first!), status: 'FAILED', httpStatus: 500 }], inserts: [retry] });
    await failed;
    expect(await statuses()).toEqual(['SCHEDULED']);
    const flushed = recorder.signals.next('flushed');
    await clock.advance(1000);
    expect(await flushed).toMatchObject({ inserts: 1, completions: 1 });
    const page = await context.store.executionList({ jobId, limit: 10 });
    expect(page.items.map((row) => [row.attempt, row.status])).toEqual([
      [2, 'SCHEDULED'],
      [1, 'FAILED'],
    ]);
  });

  it('writes everything still buffered when draining at shutdown', async () => {
    const recorder = new Recorder({ store: context.store, clock, logger: silentLogger() });
    recorder.write({ inserts: rows(5) });
    recorder.stop();
    expect(await recorder.drain(clock.now() + 1000)).toBe(0);
    expect(await statuses()).toHaveLength(5);
  });

  it('removes a lease in the write of the last outcome it lists, counting only writes that went in', async () => {
    const { store, fail } = countingStore();
    const leasesDone: string[][] = [];
    const spying = afterWrites(store, (params) => leasesDone.push([...(params.leasesDone ?? [])]));
    const recorder = new Recorder({ store: spying, clock, logger: silentLogger() });
    const claimed = await claimThreeLeased();
    expect(claimed.map((c) => c.leased?.lease.size)).toEqual([3, 3, 3]);
    const outcome = (i: number): ExecutionCompletion => leasedOutcome(claimed[i]!);
    recorder.write({ completions: [outcome(0)] });
    await recorder.flush();
    // A write that fails counts nothing; tried again, it counts once.
    fail(1);
    recorder.write({ completions: [outcome(1)] });
    await expect(recorder.flush()).rejects.toThrow();
    await recorder.flush();
    expect(leasesDone).toEqual([[], []]);
    expect(await leaseRows(context.db)).toHaveLength(1);
    recorder.write({ completions: [outcome(2)] });
    await recorder.flush();
    expect(leasesDone).toEqual([[], [], [claimed[0]!.leased!.lease.id]]);
    expect(await leaseRows(context.db)).toEqual([]);
    expect(await statuses()).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('tells the store which leased outcomes may find their row: those whose RUNNING mark went into a write', async () => {
    const hints: (boolean | undefined)[][] = [];
    const store = afterWrites(context.store, (params) => hints.push((params.completions ?? []).map((c) => c.mayHaveRow)));
    const recorder = new Recorder({ store, clock, logger: silentLogger(), runningMarkAfterMs: 1000 });
    const claimed = await claimThreeLeased();
    const [slow, unmarked, fast] = claimed;
    for (const c of [slow!, fast!]) recorder.markRunning(c.execution.id, c.execution.scheduledAt, clock.now(), c.leased);
    // The fast attempt ends before its mark is due: the mark is dropped, its row is new.
    recorder.write({ completions: [leasedOutcome(fast!)] });
    await clock.advance(1000);
    await recorder.flush();
    expect(hints).toEqual([[undefined]]);
    recorder.write({ completions: [leasedOutcome(slow!), leasedOutcome(unmarked!)] });
    await recorder.flush();
    expect(hints).toEqual([[undefined], [true, undefined]]);
    expect(await statuses()).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(await leaseRows(context.db)).toEqual([]);
  });
});

/** The store, calling `after` with the params of each executionWrite that went in. */
function afterWrites(store: Store, after: (params: Parameters<Store['executionWrite']>[0]) => void): Store {
  return overriding(store, {
    executionWrite(params) {
      const written = store.executionWrite(params);
      void written.then(() => after(params), () => undefined);
      return written;
    },
  });
}

/** The test's job claimed by node-a for its next three occurrences, one lease listing them. */
function claimThreeLeased(): Promise<ClaimedAttempt[]> {
  return context.store.jobClaimDue({
    nodeId: 'node-a',
    now: new Date(T0),
    until: new Date(T0 + 60 * 60_000),
    limit: 10,
    plan: (job) => ({
      fire: [0, 1, 2].map((i) => ({ scheduledAt: new Date(job.nextRunAt!.getTime() + i * 1000), dueAt: new Date(job.nextRunAt!.getTime() + i * 1000) })),
      missed: [],
      nextRunAt: null,
      deactivate: true,
    }),
  });
}

function leasedOutcome(claimed: ClaimedAttempt): ExecutionCompletion {
  return { ...succeeded({ ...claimed.execution }), leased: claimed.leased };
}
