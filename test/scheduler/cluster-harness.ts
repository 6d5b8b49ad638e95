import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { createMetrics } from '../../src/metrics.js';
import { idempotencyKey } from '../../src/scheduler/attempt.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Db } from '../../src/store/db.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { ExecutionRecord, JobCreateParams, Store } from '../../src/store/types.js';
import { systemClock } from '../../src/time/system-clock.js';
import { uuidv7 } from '../../src/ids.js';
import { jobParams } from '../store/fixtures.js';
import { TEST_DATABASE_URL, type StoreContext } from '../store/harness.js';
import { testSettings } from './engine-harness.js';
import { startReceiver, type ReceivedRequest, type Receiver } from './receiver.js';

/**
 * A target that counts deliveries per Idempotency-Key (one key per occurrence) and notes
 * how late each arrived after its scheduled instant.
 */
export interface CountingReceiver {
  readonly receiver: Receiver;
  readonly deliveries: Map<string, number>;
  /** Arrival minus X-Scheduled-At, per first delivery, in ms. */
  readonly lateness: number[];
  close(): Promise<void>;
}

export async function startCountingReceiver(answer?: (request: ReceivedRequest, response: ServerResponse) => void, host?: string): Promise<CountingReceiver> {
  const deliveries = new Map<string, number>();
  const lateness: number[] = [];
  const receiver = await startReceiver((request, response) => {
    const key = String(request.headers['idempotency-key']);
    const count = (deliveries.get(key) ?? 0) + 1;
    deliveries.set(key, count);
    if (count === 1) lateness.push(request.receivedAt - Date.parse(String(request.headers['x-scheduled-at'])));
    if (answer) answer(request, response);
    else response.writeHead(204).end();
  }, host);
  // Counted above; the receiver's own list would only grow.
  const close = () => receiver.close();
  return { receiver, deliveries, lateness, close };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The next whole second at least `leadMs` from now. */
export function nextSecond(leadMs: number): number {
  return Math.ceil((Date.now() + leadMs) / 1000) * 1000;
}

export function everySecondJobs(count: number, firstAt: number, url: string, overrides: Partial<JobCreateParams> = {}): JobCreateParams[] {
  return Array.from({ length: count }, (_, i) =>
    jobParams({
      id: uuidv7(),
      name: `every second ${i}`,
      schedule: '* * * * * *',
      nextRunAt: new Date(firstAt),
      api: `${url}/tick/${i}`,
      headers: {},
      payload: { i },
      retry: { maxAttempts: 3, minBackoffMs: 200, maxBackoffMs: 1000 },
      ...overrides,
    }),
  );
}

/** Every stored attempt of these jobs, oldest occurrence first. */
export async function historyOf(store: Store, jobIds: readonly string[]): Promise<Map<string, ExecutionRecord[]>> {
  const result = new Map<string, ExecutionRecord[]>();
  for (const jobId of jobIds) {
    const rows: ExecutionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.executionList({ jobId, limit: 1000, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    rows.sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.attempt - b.attempt);
    result.set(jobId, rows);
  }
  return result;
}

/** The scheduled instants of a job's occurrences, once each (attempts folded). */
export function occurrenceTimes(rows: readonly ExecutionRecord[]): number[] {
  return [...new Set(rows.map((row) => row.scheduledAt.getTime()))].sort((a, b) => a - b);
}

/** True when the instants are whole consecutive seconds. */
export function consecutiveSeconds(times: readonly number[]): boolean {
  return times.every((time, i) => i === 0 || time - times[i - 1]! === 1000);
}

export async function sleepUntil(instant: number): Promise<void> {
  const wait = instant - Date.now();
  if (wait > 0) await sleep(wait);
}

/**
 * Three schedulers, node-1 to node-3, on the context's PostgreSQL schema, each with a store
 * and pool of its own as separate processes would have. Their stores are added to `stores`
 * for the caller to close.
 */
export function threeNodes(context: StoreContext, stores: SqlStore[], misfireGraceMs: number): Scheduler[] {
  return ['node-1', 'node-2', 'node-3'].map((nodeId) => {
    const db = new PgDb({ connectionString: TEST_DATABASE_URL!, poolSize: 4, schema: context.schema, logger: silentLogger() });
    const store = new SqlStore({ db, schema: context.schema, logger: silentLogger(), clock: systemClock });
    stores.push(store);
    return new Scheduler({
      store,
      nodeId,
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      settings: testSettings({ nodeTimeoutMs: 10_000, heartbeatIntervalMs: 1000 }),
      misfireGraceMs,
    });
  });
}

/** Stops every node planning new occurrences at once; what is already claimed still fires. */
export async function stopPlanning(db: Db): Promise<void> {
  await db.query('UPDATE jobs SET paused = true');
  await db.query('UPDATE job_next_runs SET runnable = false');
}

/**
 * The AT_LEAST_ONCE promise over a run: each job has an occurrence every second from `firstAt`
 * on without a gap, and each ended in one SUCCEEDED attempt delivered at least once. Returns
 * how many occurrences there were and how many deliveries came more than once.
 */
export function expectEveryOccurrenceDelivered(
  history: Map<string, ExecutionRecord[]>,
  jobIds: readonly string[],
  firstAt: number,
  deliveries: ReadonlyMap<string, number>,
): { delivered: number; redelivered: number } {
  let delivered = 0;
  let redelivered = 0;
  for (const jobId of jobIds) {
    const rows = history.get(jobId)!;
    const times = occurrenceTimes(rows);
    expect(times[0]).toBe(firstAt);
    expect(consecutiveSeconds(times)).toBe(true);
    for (const time of times) {
      const attempts = rows.filter((row) => row.scheduledAt.getTime() === time);
      expect(attempts.map((row) => row.status), `${jobId} at ${new Date(time).toISOString()}`).toEqual(['SUCCEEDED']);
      const count = deliveries.get(idempotencyKey(attempts[0]!)) ?? 0;
      expect(count).toBeGreaterThanOrEqual(1);
      delivered++;
      redelivered += count - 1;
    }
  }
  return { delivered, redelivered };
}

/**
 * The AT_MOST_ONCE promise: no occurrence delivered twice, each SUCCEEDED one delivered once,
 * every other one LOST (its node died or was cut off holding it), none missing in between.
 * Returns every row checked.
 */
export function expectNoneDeliveredTwice(history: Map<string, ExecutionRecord[]>, jobIds: readonly string[], deliveries: ReadonlyMap<string, number>): ExecutionRecord[] {
  const checked: ExecutionRecord[] = [];
  for (const jobId of jobIds) {
    const rows = history.get(jobId)!;
    expect(consecutiveSeconds(occurrenceTimes(rows))).toBe(true);
    for (const row of rows) {
      const count = deliveries.get(idempotencyKey(row)) ?? 0;
      expect(count, `AT_MOST_ONCE ${row.id} delivered ${count} times`).toBeLessThanOrEqual(1);
      expect(['SUCCEEDED', 'LOST']).toContain(row.status);
      if (row.status === 'SUCCEEDED') expect(count).toBe(1);
      checked.push(row);
    }
  }
  return checked;
}
