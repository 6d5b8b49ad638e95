import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../ids.js';
import { silentLogger } from '../logging.js';
import { PgliteDb } from '../store/pglite/pglite-db.js';
import { SqlStore } from '../store/sql-store.js';
import type { ExecutionInsert } from '../store/types.js';
import { FakeClock } from '../time/fake-clock.js';
import { PARTITIONS_AHEAD, Retention, retentionMs } from './retention.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const START = Date.UTC(2026, 0, 1);

describe('history retention', () => {
  let db: PgliteDb;
  let store: SqlStore;
  let jobId: string;
  let clock: FakeClock;

  beforeAll(async () => {
    db = await PgliteDb.open({ dataDir: null, schema: null });
    store = new SqlStore({ db, schema: null, logger: silentLogger(), clock: new FakeClock() });
    await store.migrate();
  });
  afterAll(() => store.close());

  beforeEach(async () => {
    clock = new FakeClock(START);
    for (const partition of await store.executionPartitionList()) {
      if (!partition.isDefault) await db.query(`DROP TABLE ${partition.name}`);
    }
    await db.query('TRUNCATE jobs, job_next_runs, executions');
    jobId = uuidv7();
    await db.query(`INSERT INTO jobs (id, schedule, api, type) VALUES ($1, '* * * * * *', 'https://example.com', 'AT_LEAST_ONCE')`, [jobId]);
  });

  /** `count` attempts scheduled one second apart from `from`. */
  async function history(count: number, from: number, status: ExecutionInsert['status'] = 'SUCCEEDED'): Promise<void> {
    const inserts = Array.from({ length: count }, (_, i): ExecutionInsert => {
      const at = new Date(from + i * 1000);
      return { id: uuidv7(), jobId, scheduledAt: at, trigger: 'schedule', attempt: 1, dueAt: at, status, ownerNode: null };
    });
    await store.executionWrite({ inserts });
  }

  async function rowsIn(table: string): Promise<number> {
    return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  }

  async function rangePartitions(): Promise<string[]> {
    return (await store.executionPartitionList()).filter((p) => !p.isDefault).map((p) => p.name);
  }

  it('creates the partition of the present and three ahead, and one more each time the present moves into a new one', async () => {
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionMs: null, partitionMs: MINUTE });
    expect(await retention.prepare()).toEqual(['executions_p20260101_0000', 'executions_p20260101_0001', 'executions_p20260101_0002', 'executions_p20260101_0003']);
    expect(PARTITIONS_AHEAD).toBe(3);
    expect(await retention.prepare()).toEqual([]);
    await clock.advance(MINUTE);
    expect(await retention.prepare()).toEqual(['executions_p20260101_0004']);
  });

  it('drops whole partitions once their range is older than the retention period, and keeps the rest', async () => {
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionMs: 3 * MINUTE, partitionMs: MINUTE });
    await retention.prepare();
    await history(60, START);
    await history(60, START + MINUTE);
    await clock.advance(4 * MINUTE);
    const sweep = await retention.sweep();
    expect(sweep).toMatchObject({ dropped: ['executions_p20260101_0000'], deleted: 0, before: new Date(START + MINUTE), busy: false });
    expect(sweep.created).toEqual(['executions_p20260101_0004', 'executions_p20260101_0005', 'executions_p20260101_0006', 'executions_p20260101_0007']);
    expect(await rowsIn('executions')).toBe(60);
    expect(await rangePartitions()).not.toContain('executions_p20260101_0000');
  });

  it('keeps an expired partition while it holds an attempt still open, and drops it once that attempt finishes', async () => {
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionMs: MINUTE, partitionMs: MINUTE });
    await retention.prepare();
    await history(3, START);
    await history(1, START + 30_000, 'SCHEDULED');
    await clock.advance(3 * MINUTE);
    expect((await retention.sweep()).dropped).toEqual(['executions_p20260101_0001']);
    expect(await rowsIn('executions_p20260101_0000')).toBe(4);
    await db.query(`UPDATE executions SET status = 'SUCCEEDED' WHERE status = 'SCHEDULED'`);
    expect((await retention.sweep()).dropped).toEqual(['executions_p20260101_0000']);
    expect(await rowsIn('executions')).toBe(0);
  });

  it('deletes expired rows of the default partition a batch at a time, and keeps its unfinished ones', async () => {
    await history(23, START - 31 * DAY);
    await history(2, START - 40 * DAY, 'SCHEDULED');
    await history(4, START - 29 * DAY);
    expect(await rowsIn('executions_default')).toBe(29);
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionMs: 30 * DAY, partitionMs: DAY, batchSize: 5 });
    expect((await retention.sweep()).deleted).toBe(23);
    expect(await rowsIn('executions_default')).toBe(6);
  });

  it('keeps history forever with a retention of 0 days, while still creating partitions ahead', async () => {
    expect(retentionMs({ historyRetentionDays: 0, historyRetentionMinutes: null })).toBeNull();
    expect(retentionMs({ historyRetentionDays: 0, historyRetentionMinutes: 5 })).toBe(5 * MINUTE);
    expect(retentionMs({ historyRetentionDays: 30, historyRetentionMinutes: null })).toBe(30 * DAY);
    await history(10, START - 400 * DAY);
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionMs: null, partitionMs: DAY });
    const sweep = await retention.sweep();
    expect(sweep).toMatchObject({ dropped: [], deleted: 0, before: null });
    expect(sweep.created).toHaveLength(PARTITIONS_AHEAD + 1);
    expect(await rowsIn('executions')).toBe(10);
  });

  it('sweeps every interval and, once stopped (twice without harm), sweeps no more', async () => {
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionMs: DAY, partitionMs: DAY, intervalMs: DAY });
    const first = retention.signals.next('swept');
    retention.start();
    retention.start();
    await first;
    const second = retention.signals.next('swept');
    await clock.advance(DAY);
    expect((await second).created).toEqual(['executions_p20260105_0000']);
    await retention.stop();
    await retention.stop();
    let sweeps = 0;
    retention.signals.on('swept', () => sweeps++);
    await clock.advance(3 * DAY);
    expect(sweeps).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
