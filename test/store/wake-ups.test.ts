import { describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../src/ids.js';
import { silentLogger } from '../../src/logging.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { JobRecord, Store } from '../../src/store/types.js';
import { systemClock } from '../../src/time/system-clock.js';
import { attempt, at, jobParams } from './fixtures.js';
import { describeStore, TEST_DATABASE_URL } from './harness.js';

const NOW = at('2026-01-01T00:00:00Z');

/** Counts the wake-ups a store gives; `stop` ends them. */
async function countWakes(store: Store): Promise<{ count: () => number; stop: () => void }> {
  let wakes = 0;
  const stop = await store.watchWakeUps(() => wakes++);
  return { count: () => wakes, stop };
}

describeStore('wake-ups', (context, backend) => {
  describe('claimHorizon', () => {
    it('is empty with nothing to claim', async () => {
      const { store } = context();
      expect(await store.claimHorizon({ share: null, unownedUntil: NOW })).toEqual({ ownDueMs: null, anyDueMs: null, unownedDue: false });
    });

    it('gives the earliest due runnable job, its own share\'s apart from any node\'s', async () => {
      const { store, db } = context();
      const jobs: JobRecord[] = [];
      for (let i = 0; i < 12; i++) jobs.push(await store.jobCreate(jobParams({ nextRunAt: new Date(NOW.getTime() + (i + 1) * 1000) })));
      // Paused, it cannot fire: never the horizon, however early.
      const paused = await store.jobCreate(jobParams({ nextRunAt: at('2025-12-31T23:00:00Z') }));
      await store.jobUpdate({ id: paused.id, patch: { paused: true } });
      const { rows } = await db.query<{ job_id: string; shard: number }>('SELECT job_id, shard FROM job_next_runs');
      const shardOf = new Map(rows.map((row) => [row.job_id, row.shard]));
      const firstOf = (index: number): number => jobs.find((job) => shardOf.get(job.id)! % 2 === index)!.nextRunAt!.getTime();
      expect(await store.claimHorizon({ share: null, unownedUntil: NOW })).toEqual({ ownDueMs: NOW.getTime() + 1000, anyDueMs: NOW.getTime() + 1000, unownedDue: false });
      for (const index of [0, 1]) {
        expect(await store.claimHorizon({ share: { index, count: 2 }, unownedUntil: NOW })).toEqual({ ownDueMs: firstOf(index), anyDueMs: NOW.getTime() + 1000, unownedDue: false });
      }
    });

    it('says whether an unowned attempt is due by unownedUntil', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ nextRunAt: null }));
      await store.executionWrite({ inserts: [attempt(job.id, at('2026-01-01T00:00:03Z'), { trigger: 'manual' })] });
      expect((await store.claimHorizon({ share: null, unownedUntil: at('2026-01-01T00:00:02Z') })).unownedDue).toBe(false);
      expect((await store.claimHorizon({ share: null, unownedUntil: at('2026-01-01T00:00:03Z') })).unownedDue).toBe(true);
    });
  });

  describe('watchWakeUps, in this process', () => {
    it('wakes on what can make work due sooner, and not on what cannot', async () => {
      const { store } = context();
      const wakes = await countWakes(store);
      try {
        const job = await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') }));
        expect(wakes.count()).toBe(1);
        await store.jobUpdate({ id: job.id, patch: { nextRunAt: at('2026-01-01T00:00:02Z') } });
        expect(wakes.count()).toBe(2);
        // A run-now request: an attempt for any node.
        await store.executionWrite({ inserts: [attempt(job.id, NOW, { trigger: 'manual' })] });
        expect(wakes.count()).toBe(3);
        await store.targetPolicyCreate({ id: uuidv7(), name: 'p', pattern: 'example.com', maxConcurrent: 2, maxPerSecond: null });
        expect(wakes.count()).toBe(4);
        // An attempt this node owns, an outcome, a deletion: nothing due sooner for anyone.
        await store.executionWrite({ inserts: [attempt(job.id, at('2026-01-01T00:00:05Z'), { ownerNode: 'node-a' })] });
        await store.jobSoftDelete(job.id);
        expect(wakes.count()).toBe(4);
        wakes.stop();
        await store.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') }));
        expect(wakes.count()).toBe(4);
      } finally {
        wakes.stop();
      }
    });
  });

  if (backend !== 'postgres') return;

  describe('watchWakeUps, between nodes', () => {
    /** A second store on the same tables: another node. */
    function otherNode(schema: string): SqlStore {
      const db = new PgDb({ connectionString: TEST_DATABASE_URL!, poolSize: 2, schema, logger: silentLogger() });
      return new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
    }

    it('wakes a node when another writes, through the database, and ignores changes to other tables', async () => {
      const { store, db, schema } = context();
      const other = otherNode(schema);
      const wakes = await countWakes(store);
      try {
        // Sent by a node of another schema on the same database: not for us.
        await db.query("SELECT pg_notify('jobscheduler_wake', 'f00d another_schema')");
        await other.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') }));
        await vi.waitFor(() => expect(wakes.count()).toBe(1), { timeout: 5000 });
      } finally {
        wakes.stop();
        await other.close();
      }
    });

    it('listens again by itself after its connection is cut, and wakes then since changes may have gone unheard', async () => {
      const { store, db, schema } = context();
      const other = otherNode(schema);
      const wakes = await countWakes(store);
      try {
        const { rows } = await db.query<{ cut: boolean }>(
          "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE query = 'LISTEN \"jobscheduler_wake\"' AND pid <> pg_backend_pid()",
        );
        expect(rows.some((row) => row.cut)).toBe(true);
        await vi.waitFor(() => expect(wakes.count()).toBe(1), { timeout: 5000 });
        await other.jobCreate(jobParams({ nextRunAt: at('2026-01-01T00:00:01Z') }));
        await vi.waitFor(() => expect(wakes.count()).toBe(2), { timeout: 5000 });
      } finally {
        wakes.stop();
        await other.close();
      }
    });
  });
});
