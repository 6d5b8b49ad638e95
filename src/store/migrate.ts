import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { JobSchedulerError } from '../errors.js';
import type { Db } from './db.js';
import { quoteIdent } from './sql/identifiers.js';

/**
 * Numbered migrations (0001_init.sql, 0002_...), read at run time from the package's
 * src/store/migrations. This module sits two levels below the package root both as
 * src/store/migrate.ts and as dist/store/migrate.js, so one relative URL serves both.
 */
export const MIGRATIONS_DIR = new URL('../../src/store/migrations/', import.meta.url);

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new JobSchedulerError('INTERNAL', `Migration file "${file}" is not named NNNN_name.sql`);
    const id = Number(match[1]);
    if (id !== migrations.length + 1) throw new JobSchedulerError('INTERNAL', `Migration ${file} is out of sequence: expected number ${migrations.length + 1}`);
    const sql = await readFile(new URL(file, dir), 'utf8');
    migrations.push({ id, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

export interface MigrateOptions {
  /** The schema to create and migrate; null for the connection's current schema. */
  readonly schema: string | null;
  readonly logger?: Logger;
  readonly dir?: URL;
}

/**
 * Applies pending migrations in one transaction under an advisory lock keyed by the schema.
 * Concurrent callers (several nodes starting together) queue on the lock; each loser then
 * finds every migration recorded and has nothing to do. Returns the ids applied by this call.
 */
export async function migrate(db: Db, options: MigrateOptions): Promise<number[]> {
  const migrations = await readMigrations(options.dir);
  // Unbounded, here and on the server: building an index on a large table, or waiting for
  // another node's migration, may take longer than any statement of a running node.
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL statement_timeout = 0');
    const target = options.schema ?? (await tx.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jobscheduler:migrate:${target}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target)}`);
    await tx.query(`SET LOCAL search_path TO ${quoteIdent(target)}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS jobscheduler_migrations (
      id          integer PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await tx.query<{ id: number; name: string; checksum: string }>(
      'SELECT id, name, checksum FROM jobscheduler_migrations ORDER BY id',
    );
    const known = new Map(migrations.map((migration) => [migration.id, migration]));
    for (const row of applied.rows) {
      const migration = known.get(row.id);
      if (!migration) {
        throw new JobSchedulerError(
          'STORE_UNAVAILABLE',
          `The database schema has migration ${row.id} (${row.name}), newer than this version of jobscheduler knows: upgrade jobscheduler`,
          { migration: row.id },
        );
      }
      if (migration.checksum !== row.checksum) {
        options.logger?.warn({ migration: row.id }, 'migration file differs from the one applied to the database');
      }
    }
    const done = new Set(applied.rows.map((row) => row.id));
    const pending = migrations.filter((migration) => !done.has(migration.id));
    for (const migration of pending) {
      await tx.script(migration.sql);
      await tx.query('INSERT INTO jobscheduler_migrations (id, name, checksum) VALUES ($1, $2, $3)', [migration.id, migration.name, migration.checksum]);
      options.logger?.info({ migration: migration.id, name: migration.name, schema: target }, 'migration applied');
    }
    return pending.map((migration) => migration.id);
  }, { unbounded: true });
}
