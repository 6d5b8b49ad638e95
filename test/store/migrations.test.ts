import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { backends, testSchema, type StoreContext } from './harness.js';

describe('migration files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobscheduler-migrations-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the initial schema as migration 1', async () => {
    const [first] = await readMigrations();
    expect(first).toMatchObject({ id: 1, name: 'init' });
    expect(first!.sql).toContain('CREATE TABLE executions');
  });

  it('refuses a gap in the numbering', async () => {
    writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '0003_c.sql'), 'SELECT 1;');
    await expect(readMigrations(pathToFileURL(`${dir}/`))).rejects.toThrow(/out of sequence: expected number 2/);
  });
});

for (const backend of backends()) {
  describe(`migrating a database [${backend.name}]`, () => {
    let context: StoreContext;
    beforeAll(async () => {
      context = await backend.open(testSchema('migrations'));
    });
    afterAll(() => backend.dispose(context));

    it('applies every migration once, in order, and does nothing on later runs', async () => {
      const ids = (await readMigrations()).map((migration) => migration.id);
      expect(await migrate(context.db, { schema: context.schema })).toEqual(ids);
      expect(await migrate(context.db, { schema: context.schema })).toEqual([]);
      await context.store.migrate();
      const { rows } = await context.db.query<{ id: number }>('SELECT id FROM jobscheduler_migrations ORDER BY id');
      expect(rows.map((row) => row.id)).toEqual(ids);
    });

    it('moves each job\'s next run to job_next_runs when upgrading a database made before migration 4', async () => {
      const old = mkdtempSync(join(tmpdir(), 'jobscheduler-migrations-old-'));
      try {
        for (const migration of (await readMigrations()).filter((m) => m.id < 4)) {
          writeFileSync(join(old, `000${migration.id}_${migration.name}.sql`), migration.sql);
        }
        const schema = `${context.schema}_upgrade`;
        await migrate(context.db, { schema, dir: pathToFileURL(`${old}/`) });
        const insert = `INSERT INTO ${schema}.jobs (id, schedule, api, type, is_active, paused, next_run_at)
                        VALUES ($1, '* * * * * *', 'https://example.com', 'AT_LEAST_ONCE', $2, $3, $4)`;
        await context.db.query(insert, ['00000000-0000-7000-8000-000000000001', true, false, '2026-01-01T00:00:01Z']);
        await context.db.query(insert, ['00000000-0000-7000-8000-000000000002', true, true, '2026-01-01T00:00:02Z']);
        await context.db.query(insert, ['00000000-0000-7000-8000-000000000003', false, false, null]);
        // Migration 4 and every one after it.
        const pending = (await readMigrations()).filter((m) => m.id >= 4).map((m) => m.id);
        expect(await migrate(context.db, { schema })).toEqual(pending);
        const { rows } = await context.db.query<{ job_id: string; next_run_at: Date | null; runnable: boolean }>(
          `SELECT job_id, next_run_at, runnable FROM ${schema}.job_next_runs ORDER BY job_id`,
        );
        expect(rows).toEqual([
          { job_id: '00000000-0000-7000-8000-000000000001', next_run_at: new Date('2026-01-01T00:00:01Z'), runnable: true },
          { job_id: '00000000-0000-7000-8000-000000000002', next_run_at: new Date('2026-01-01T00:00:02Z'), runnable: false },
          { job_id: '00000000-0000-7000-8000-000000000003', next_run_at: null, runnable: false },
        ]);
        await context.db.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        rmSync(old, { recursive: true, force: true });
      }
    });

    it('refuses to run against a database migrated by a newer version', async () => {
      await context.db.query(`INSERT INTO jobscheduler_migrations (id, name, checksum) VALUES (99, 'from_the_future', '')`);
      await expect(context.store.migrate()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/upgrade jobscheduler/) });
    });
  });
}
