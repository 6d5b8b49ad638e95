import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createMetrics } from '../../src/metrics.js';
import { Scheduler, type SchedulerOptions, type SchedulerSettings } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/logging.js';
import type { Db } from '../../src/store/db.js';
import type { Store } from '../../src/store/types.js';
import type { Clock } from '../../src/time/clock.js';
import { pgliteBackend, testSchema, type StoreContext } from '../store/harness.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

/** Settings for engine tests: a node timeout long enough that a fake clock never loses the lease by accident. */
export function testSettings(overrides: Partial<SchedulerSettings> = {}): SchedulerSettings {
  return {
    lookaheadMs: 2000,
    claimIntervalMs: 250,
    claimBatchSize: 500,
    heartbeatIntervalMs: 2000,
    nodeTimeoutMs: 3_600_000,
    maxConcurrentPerHost: 64,
    shutdownGraceMs: 5000,
    signingSecret: null,
    ...overrides,
  };
}

export async function openPglite(label: string): Promise<StoreContext> {
  const context = await pgliteBackend.open(testSchema(label));
  await context.store.migrate();
  return context;
}

export async function emptyTables(db: Db): Promise<void> {
  await db.query('TRUNCATE jobs, job_next_runs, executions, claim_leases, scheduler_nodes');
}

export function makeScheduler(
  store: Store,
  clock: Clock,
  options: Partial<Omit<SchedulerOptions, 'settings'>> & { settings?: Partial<SchedulerSettings> } = {},
): Scheduler {
  return new Scheduler({
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    nodeId: 'node-a',
    random: () => 1,
    ...options,
    store,
    clock,
    settings: testSettings(options.settings),
  });
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger(level: pino.Level = 'info'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines: () => lines };
}
