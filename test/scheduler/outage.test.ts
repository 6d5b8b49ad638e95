import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { idempotencyKey } from '../../src/scheduler/attempt.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createStore } from '../../src/store/index.js';
import type { MisfirePolicy, Store } from '../../src/store/types.js';
import { TEST_DATABASE_URL } from '../store/harness.js';
import { consecutiveSeconds, everySecondJobs, historyOf, nextSecond, occurrenceTimes, sleepUntil, startCountingReceiver, type CountingReceiver } from './cluster-harness.js';
import { testSettings } from './engine-harness.js';
import { canRunThrowawayPostgres, createThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

const OUTAGE_MS = 5000;

describe.skipIf(!TEST_DATABASE_URL || !canRunThrowawayPostgres())('the database going away under a running node', () => {
  let server: ThrowawayPostgres;
  let store: Store;
  let target: CountingReceiver;

  beforeAll(async () => {
    server = await createThrowawayPostgres();
    store = await createStore({ databaseUrl: server.url, poolSize: 4 });
    await store.migrate();
    target = await startCountingReceiver();
  }, 60_000);
  afterAll(async () => {
    await target?.close();
    await store?.close();
    await server?.destroy();
  });

  it('recovers by itself, duplicates nothing, and settles the gap by each misfire policy', { timeout: 60_000 }, async () => {
    const firstAt = nextSecond(2000);
    const jobFor = async (misfirePolicy: MisfirePolicy, type: 'AT_LEAST_ONCE' | 'AT_MOST_ONCE' = 'AT_LEAST_ONCE') =>
      (await store.jobCreateMany(everySecondJobs(1, firstAt, target.receiver.url, { misfirePolicy, type, name: `${misfirePolicy} ${type}` })))[0]!.id;
    const skip = await jobFor('skip');
    const fireOnce = await jobFor('fire_once');
    const fireAll = await jobFor('fire_all');
    const skipAtMostOnce = await jobFor('skip', 'AT_MOST_ONCE');
    const jobs = [skip, fireOnce, fireAll, skipAtMostOnce];

    const scheduler = new Scheduler({ store, nodeId: 'node-o', logger: silentLogger(), settings: testSettings({ heartbeatIntervalMs: 500, nodeTimeoutMs: 10_000 }) });
    await scheduler.start();
    await sleepUntil(firstAt + 4000);
    await server.stop();
    await sleepUntil(Date.now() + OUTAGE_MS);
    await server.start();
    const restartedAt = Date.now();
    await sleepUntil(restartedAt + 5000);
    for (const id of jobs) await store.jobUpdate({ id, patch: { paused: true } });
    await sleepUntil(Date.now() + 3000);
    await scheduler.stop();

    const history = await historyOf(store, jobs);
    for (const id of jobs) {
      const rows = history.get(id)!;
      const times = occurrenceTimes(rows);
      // Every second from the first to the last has its one row: nothing vanished, nothing doubled.
      expect(times[0]).toBe(firstAt);
      expect(consecutiveSeconds(times)).toBe(true);
      expect(rows).toHaveLength(times.length);
      for (const row of rows) expect(target.deliveries.get(idempotencyKey(row)) ?? 0).toBe(row.status === 'SUCCEEDED' ? 1 : 0);
      // The node went on firing on time after the restart.
      expect(rows.some((row) => row.status === 'SUCCEEDED' && row.scheduledAt.getTime() >= restartedAt + 2000)).toBe(true);
    }

    const missedBySkip = history.get(skip)!.filter((row) => row.status === 'MISSED').map((row) => row.scheduledAt.getTime());
    expect(missedBySkip.length).toBeGreaterThan(0);
    const statusAt = (id: string, time: number) => history.get(id)!.find((row) => row.scheduledAt.getTime() === time)!.status;
    expect(missedBySkip.map((time) => statusAt(skipAtMostOnce, time))).toEqual(missedBySkip.map(() => 'MISSED'));
    expect(missedBySkip.map((time) => statusAt(fireOnce, time))).toEqual([...missedBySkip.slice(1).map(() => 'MISSED'), 'SUCCEEDED']);
    expect(missedBySkip.map((time) => statusAt(fireAll, time))).toEqual(missedBySkip.map(() => 'SUCCEEDED'));
    for (const id of jobs) {
      expect(history.get(id)!.every((row) => row.status === 'SUCCEEDED' || row.status === 'MISSED')).toBe(true);
    }
    console.log(`database outage of ${OUTAGE_MS / 1000} s: ${missedBySkip.length} occurrences fell in the gap; no delivery duplicated`);
  });
});
