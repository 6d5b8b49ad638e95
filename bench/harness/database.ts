/**
 * A PostgreSQL database made for one benchmark run and dropped at its end, so a run never
 * sees another's rows and the shared server is left as it was.
 */
import pg from 'pg';
import { uuidv7 } from '../../src/ids.js';
import { silentLogger } from '../../src/logging.js';
import { quoteIdent } from '../../src/store/sql/identifiers.js';
import { createStore } from '../../src/store/index.js';
import type { DeliveryGuarantee, JobCreateParams, Store } from '../../src/store/types.js';
import { fixtureJob } from '../../test/store/fixtures.js';

export function adminUrl(): string {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL whose user may CREATE DATABASE.');
  return url;
}

export interface BenchDatabase {
  readonly name: string;
  /** Connection URL of the run's database. */
  readonly url: string;
  /** A connection to the server's original database, for pg_stat_activity and the final DROP. */
  readonly admin: pg.Client;
  /** A connection to the run's database, for the harness's own statistics queries. */
  readonly client: pg.Client;
  readonly store: Store;
  drop(): Promise<void>;
}

export async function createBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const base = adminUrl();
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: base, application_name: 'jobscheduler-bench' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const store = await createStore({ databaseUrl: url.toString(), poolSize: 4, logger: silentLogger() });
  await store.migrate();
  const client = new pg.Client({ connectionString: url.toString(), application_name: 'jobscheduler-bench' });
  await client.connect();
  let dropped = false;
  return {
    name,
    url: url.toString(),
    admin,
    client,
    store,
    async drop() {
      if (dropped) return;
      dropped = true;
      await store.close().catch(() => undefined);
      await client.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface BenchJobOptions {
  readonly api: string;
  readonly schedule: string;
  readonly type: DeliveryGuarantee;
  readonly payload?: JobCreateParams['payload'];
}

/**
 * Stores `count` jobs through the store's batch insert, 1,000 a statement. They are created
 * with no next run, so none fires before the harness sets one for all of them at once.
 */
export async function createJobs(store: Store, count: number, options: BenchJobOptions): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; offset < count; offset += 1000) {
    const batch: JobCreateParams[] = [];
    for (let i = offset; i < Math.min(count, offset + 1000); i++) {
      const id = uuidv7();
      ids.push(id);
      batch.push(
        fixtureJob({
          id,
          name: `bench ${i}`,
          schedule: options.schedule,
          api: `${options.api}/hook/${i}`,
          headers: {},
          payload: options.payload === undefined ? { job: i } : options.payload,
          timeoutMs: 10_000,
          type: options.type,
          retry: { maxAttempts: 3, minBackoffMs: 1000, maxBackoffMs: 10_000 },
          nextRunAt: null,
        }),
      );
    }
    await store.jobCreateMany(batch);
  }
  return ids;
}

/** Every job's next run becomes `at` (one statement, so they all start in the same second). */
export async function startJobsAt(client: pg.Client, at: Date): Promise<void> {
  // Jobs without jitter are due at their next run: both move together.
  await client.query('UPDATE job_next_runs SET next_run_at = $1, next_due_at = $1 WHERE runnable', [at.toISOString()]);
}

/**
 * Pauses these jobs at once, as pausing each through the API would leave them (one statement
 * per table, so the drop in load is sharp): occurrences already claimed still fire.
 */
export async function pauseJobs(client: pg.Client, ids: readonly string[]): Promise<void> {
  await client.query('UPDATE jobs SET paused = true, version = version + 1 WHERE id = ANY($1::uuid[])', [ids]);
  await client.query('UPDATE job_next_runs SET runnable = false WHERE job_id = ANY($1::uuid[])', [ids]);
}
