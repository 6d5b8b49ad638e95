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

    it('refuses to run against a database migrated by a newer version', async () => {
      await context.db.query(`INSERT INTO jobscheduler_migrations (id, name, checksum) VALUES (99, 'from_the_future', '')`);
      await expect(context.store.migrate()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/upgrade jobscheduler/) });
    });
  });
}
