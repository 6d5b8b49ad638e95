import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { at } from './fixtures.js';
import { backends, testSchema, type StoreContext } from './harness.js';

const JOB = '00000000-0000-7000-8000-000000000001';
const FINISHED = '00000000-0000-7000-8000-0000000000f1';
const OPEN = '00000000-0000-7000-8000-0000000000f2';

for (const backend of backends()) {
  describe(`partitioning the history of an existing database [${backend.name}]`, () => {
    let old: string;
    const opened: StoreContext[] = [];
    beforeAll(async () => {
      old = mkdtempSync(join(tmpdir(), 'jobscheduler-migrations-0004-'));
      for (const migration of (await readMigrations()).filter((m) => m.id <= 4)) {
        writeFileSync(join(old, `${String(migration.id).padStart(4, '0')}_${migration.name}.sql`), migration.sql);
      }
    });
    afterAll(async () => {
      rmSync(old, { recursive: true, force: true });
      for (const context of opened) await backend.dispose(context);
    });

    /** A schema of its own at migration 4 holding the given history. */
    async function schemaAt0004(rows: readonly { id: string; scheduledAt: string; status: string }[]): Promise<StoreContext> {
      const context = await backend.open(testSchema('partition_migration'));
      opened.push(context);
      await migrate(context.db, { schema: context.schema, dir: pathToFileURL(`${old}/`) });
      await context.db.query(`INSERT INTO jobs (id, schedule, api, type) VALUES ($1, '* * * * * *', 'https://example.com', 'AT_LEAST_ONCE')`, [JOB]);
      await context.db.query(`INSERT INTO job_next_runs (job_id, next_run_at, runnable, shard) VALUES ($1, NULL, true, 1)`, [JOB]);
      for (const row of rows) {
        await context.db.query(`INSERT INTO executions (id, job_id, scheduled_at, due_at, status, owner_node) VALUES ($1, $2, $3, $3, $4, 'node-a')`, [
          row.id,
          JOB,
          row.scheduledAt,
          row.status,
        ]);
      }
      return context;
    }

    it('keeps every row, in one partition reaching back without bound up to a minute past the newest row and the present', async () => {
      const context = await schemaAt0004([
        { id: FINISHED, scheduledAt: '2026-01-01T00:00:00Z', status: 'SUCCEEDED' },
        { id: OPEN, scheduledAt: '2099-01-01T00:00:30Z', status: 'SCHEDULED' },
      ]);
      expect(await migrate(context.db, { schema: context.schema })).toEqual((await readMigrations()).map((m) => m.id).filter((id) => id >= 5));
      const { store } = context;
      const partitions = await store.executionPartitionList();
      expect(partitions).toEqual([
        { name: 'executions_before', isDefault: false, from: null, to: at('2099-01-01T00:01:00Z') },
        { name: 'executions_default', isDefault: true, from: null, to: null },
      ]);
      const history = await store.executionList({ jobId: JOB, limit: 10 });
      expect(history.items.map((row) => [row.id, row.status])).toEqual([[OPEN, 'SCHEDULED'], [FINISHED, 'SUCCEEDED']]);

      // The old rows are still one of a kind, and still take their outcome by id and time.
      await store.executionWrite({
        inserts: [{ id: crypto.randomUUID(), jobId: JOB, scheduledAt: at('2026-01-01T00:00:00Z'), trigger: 'schedule', attempt: 1, dueAt: at('2026-01-01T00:00:00Z'), status: 'SCHEDULED', ownerNode: null }],
        completions: [{ id: OPEN, scheduledAt: at('2099-01-01T00:00:30Z'), status: 'SUCCEEDED', startedAt: null, finishedAt: null, durationMs: 1, httpStatus: 200, error: null }],
      });
      expect((await store.executionList({ jobId: JOB, limit: 10 })).items.map((row) => [row.id, row.status])).toEqual([[OPEN, 'SUCCEEDED'], [FINISHED, 'SUCCEEDED']]);

      const key = await context.db.query<{ definition: string }>(
        `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'executions_pkey' AND connamespace = $1::regnamespace`,
        [context.schema],
      );
      expect(key.rows[0]!.definition).toBe('PRIMARY KEY (id, scheduled_at)');
      // The old table's own foreign key went with the partitioned table's (migration 9).
      const keys = await context.db.query(`SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'executions_before'::regclass`);
      expect(keys.rows).toEqual([]);
    });

    it('goes on with range partitions from where the old table ends, and deletes its expired rows until it expires whole', async () => {
      const { store } = await schemaAt0004([
        { id: FINISHED, scheduledAt: '2026-01-01T00:00:00Z', status: 'SUCCEEDED' },
        { id: OPEN, scheduledAt: '2099-01-01T00:00:30Z', status: 'SUCCEEDED' },
      ]);
      await store.migrate();
      const { created } = await store.executionPartitionsPrepare({ now: at('2099-01-01T00:00:40Z'), partitionMs: 24 * 60 * 60 * 1000, ahead: 1, lockTimeoutMs: 1000 });
      expect(created).toEqual(['executions_p20990101_0001', 'executions_p20990102_0000']);
      expect(await store.executionDeleteOlderThan({ before: at('2030-01-01T00:00:00Z'), limit: 100 })).toBe(1);
      expect(await store.executionPartitionsDrop({ before: at('2099-01-01T00:00:59Z'), lockTimeoutMs: 1000 })).toEqual({ dropped: [], busy: false });
      expect(await store.executionPartitionsDrop({ before: at('2099-01-01T00:01:00Z'), lockTimeoutMs: 1000 })).toEqual({ dropped: ['executions_before'], busy: false });
      expect((await store.executionList({ jobId: JOB, limit: 10 })).items).toEqual([]);
    });

    it('drops an old table with no rows instead of keeping it as a partition', async () => {
      const { store } = await schemaAt0004([]);
      await store.migrate();
      expect((await store.executionPartitionList()).map((p) => p.name)).toEqual(['executions_default']);
    });
  });
}
