import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '../../src/store/migrate.js';
import { jobParams } from './fixtures.js';
import { backends, testSchema, type StoreContext } from './harness.js';

for (const backend of backends()) {
  describe(`upgrading a database holding dates no store can hold [${backend.name}]`, () => {
    let context: StoreContext;
    let before: string;
    beforeAll(async () => {
      context = await backend.open(testSchema('set aside migration'));
      // The schema as the release before migration 3 left it.
      before = mkdtempSync(join(tmpdir(), 'jobscheduler-before-set-aside-'));
      for (const file of ['0001_init.sql', '0002_executions_job_open.sql']) cpSync(join(fileURLToPath(MIGRATIONS_DIR), file), join(before, file));
      await migrate(context.db, { schema: context.schema, dir: pathToFileURL(`${before}/`) });
    });
    afterAll(async () => {
      rmSync(before, { recursive: true, force: true });
      await backend.dispose(context);
    });

    it('sets aside the jobs holding them, with the reason, and leaves the others alone', async () => {
      const bad = jobParams({ schedule: null, runAt: new Date('2026-01-01T00:00:00Z'), nextRunAt: new Date('2026-01-01T00:00:00Z') });
      const good = jobParams({ nextRunAt: new Date('2026-01-01T00:00:00Z') });
      for (const job of [bad, good]) {
        await context.db.query(
          `INSERT INTO jobs (id, schedule, run_at, api, type, next_run_at) VALUES ($1, $2, $3, 'http://localhost/', 'AT_LEAST_ONCE', $4)`,
          [job.id, job.schedule, job.runAt?.toISOString() ?? null, job.nextRunAt!.toISOString()],
        );
      }
      await context.db.query(`UPDATE jobs SET run_at = '0001-01-01 00:00:00+00 BC', next_run_at = '0001-01-01 00:00:00+00 BC' WHERE id = $1`, [bad.id]);

      await context.store.migrate();

      const setAside = await context.store.jobGet(bad.id);
      expect(setAside.nextRunAt).toBeNull();
      expect(setAside.setAsideReason).toMatch(/^runAt 0001-01-01 .*BC.* lay outside 1970-01-01T00:00:00Z/);
      expect(setAside.runAt).toEqual(new Date('1970-01-01T00:00:00.000Z'));
      expect(await context.store.jobGet(good.id)).toMatchObject({ setAsideReason: null, nextRunAt: new Date('2026-01-01T00:00:00Z') });
    });
  });
}
