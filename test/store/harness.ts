import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { isJobSchedulerError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging.js';
import type { Db } from '../../src/store/db.js';
import { PgliteDb } from '../../src/store/pglite/pglite-db.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { quoteIdent } from '../../src/store/sql/identifiers.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/types.js';
import { systemClock } from '../../src/time/system-clock.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export interface StoreContext {
  readonly store: Store;
  /** The raw database under the store, for arranging what the Store API cannot (old heartbeats). */
  readonly db: Db;
  readonly schema: string;
}

export interface Backend {
  readonly name: 'pglite' | 'postgres';
  open(schema: string): Promise<StoreContext>;
  /** Drops what open() created. */
  dispose(context: StoreContext): Promise<void>;
}

/** A schema name unique to this test file and run, legible in psql when a run is left over. */
export function testSchema(label: string): string {
  return `test_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
}

export const pgliteBackend: Backend = {
  name: 'pglite',
  async open(schema) {
    const db = await PgliteDb.open({ dataDir: null, schema });
    return { db, schema, store: new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock }) };
  },
  async dispose(context) {
    await context.store.close();
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async open(schema) {
    const db = new PgDb({ connectionString: TEST_DATABASE_URL!, poolSize: 10, schema, logger: silentLogger() });
    return { db, schema, store: new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock }) };
  },
  async dispose(context) {
    await context.store.close();
    await dropSchema(context.schema);
  },
};

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export function backends(): Backend[] {
  return TEST_DATABASE_URL ? [pgliteBackend, postgresBackend] : [pgliteBackend];
}

/**
 * The conformance suite's frame: `body` runs once per backend against a migrated store in a
 * schema of its own, emptied before every test.
 */
export function describeStore(title: string, body: (context: () => StoreContext, backend: Backend['name']) => void): void {
  for (const backend of backends()) {
    describe(`${title} [${backend.name}]`, () => {
      let context: StoreContext | undefined;
      beforeAll(async () => {
        context = await backend.open(testSchema(title));
        await context.store.migrate();
      });
      beforeEach(async () => {
        await context!.db.query('TRUNCATE jobs, job_next_runs, executions, claim_leases, scheduler_nodes, target_policies, target_usage');
      });
      afterAll(async () => {
        if (context) await backend.dispose(context);
      });
      body(() => context!, backend.name);
    });
  }
}

/** The catalogue code a store call failed with, or 'resolved' when it did not fail. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isJobSchedulerError(error)) return error.code;
    throw error;
  }
  return 'resolved';
}
