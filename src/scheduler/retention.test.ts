import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../ids.js';
import { silentLogger } from '../logging.js';
import { PgliteDb } from '../store/pglite/pglite-db.js';
import { SqlStore } from '../store/sql-store.js';
import type { ExecutionInsert } from '../store/types.js';
import { FakeClock } from '../time/fake-clock.js';
import { Retention } from './retention.js';

const DAY = 24 * 60 * 60 * 1000;
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
    await db.query('TRUNCATE jobs, job_next_runs, executions');
    jobId = uuidv7();
    await db.query(`INSERT INTO jobs (id, schedule, api, type) VALUES ($1, '* * * * * *', 'https://example.com', 'AT_LEAST_ONCE')`, [jobId]);
  });

  /** `count` finished attempts created `ageDays` before the fake clock's start. */
  async function history(count: number, ageDays: number, status: ExecutionInsert['status'] = 'SUCCEEDED'): Promise<void> {
    const base = START - ageDays * DAY;
    const inserts = Array.from({ length: count }, (_, i): ExecutionInsert => {
      const at = new Date(base + i * 1000);
      return { id: uuidv7(), jobId, scheduledAt: at, trigger: 'schedule', attempt: 1, dueAt: at, status, ownerNode: null };
    });
    await store.executionWrite({ inserts });
    await db.query('UPDATE executions SET created_at = scheduled_at WHERE created_at > scheduled_at');
  }

  async function remaining(): Promise<number> {
    return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM executions')).rows[0]!.n;
  }

  it('deletes everything older than the retention age in one sweep of several small batches', async () => {
    await history(23, 31);
    await history(4, 29);
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionDays: 30, batchSize: 5 });
    const swept = retention.signals.next('swept');
    retention.start();
    expect(await swept).toEqual({ deleted: 23, before: new Date(START - 30 * DAY) });
    expect(await remaining()).toBe(4);
    await retention.stop();
  });

  it('sweeps again every interval as history ages past the limit, and keeps unfinished attempts', async () => {
    await history(3, 29);
    await history(2, 40, 'SCHEDULED');
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionDays: 30, intervalMs: DAY, batchSize: 100 });
    const first = retention.signals.next('swept');
    retention.start();
    expect((await first).deleted).toBe(0);

    const second = retention.signals.next('swept');
    await clock.advance(DAY);
    expect((await second).deleted).toBe(0);

    const third = retention.signals.next('swept');
    await clock.advance(DAY);
    expect((await third).deleted).toBe(3);
    expect(await remaining()).toBe(2);
    await retention.stop();
  });

  it('stops twice without harm and sweeps no more once stopped', async () => {
    const retention = new Retention({ store, clock, logger: silentLogger(), retentionDays: 30, intervalMs: DAY });
    const first = retention.signals.next('swept');
    retention.start();
    retention.start();
    await first;
    await retention.stop();
    await retention.stop();
    let sweeps = 0;
    retention.signals.on('swept', () => sweeps++);
    await clock.advance(3 * DAY);
    expect(sweeps).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
