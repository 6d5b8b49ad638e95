import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { readMigrations } from '../../src/store/migrate.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { named } from '../../src/store/statement.js';
import type { ClaimedAttempt, OccurrencePlan, ScheduledJob } from '../../src/store/types.js';
import { systemClock } from '../../src/time/system-clock.js';
import { attempt, at, jobParams } from './fixtures.js';
import { TEST_DATABASE_URL, dropSchema, testSchema } from './harness.js';
import { runChild } from './spawn.js';

const NOW = at('2026-01-01T00:00:00Z');

function openStore(schema: string, applicationName: string, poolSize = 10): SqlStore {
  const db = new PgDb({ connectionString: TEST_DATABASE_URL!, poolSize, schema, logger: silentLogger(), applicationName });
  return new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
}

async function admin<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!TEST_DATABASE_URL)('the PostgreSQL store under concurrency and failures', () => {
  const schema = testSchema('postgres');
  const appName = `jobscheduler-test-${schema}`;
  let store: SqlStore;

  beforeAll(async () => {
    store = openStore(schema, appName);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('never hands the same occurrence to two of many concurrent claimers', async () => {
    const jobs = await store.jobCreateMany(Array.from({ length: 100 }, (_, i) => jobParams({ nextRunAt: new Date(NOW.getTime() + i * 1000) })));
    // Every claim round fires one occurrence per job and moves it a minute on, to the window's end.
    const plan = (job: ScheduledJob): OccurrencePlan => {
      const next = job.nextRunAt!;
      return { fire: [{ scheduledAt: next, dueAt: next }], missed: [], nextRunAt: new Date(next.getTime() + 60_000), deactivate: false };
    };
    const until = new Date(NOW.getTime() + 10 * 60_000 + 30_000);
    const expected = jobs.reduce((sum, job) => sum + Math.floor((until.getTime() - job.nextRunAt!.getTime()) / 60_000) + 1, 0);
    const claimers = Array.from({ length: 8 }, (_, i) => ({ store: openStore(schema, `${appName}-claimer`, 2), nodeId: `node-${i}` }));
    const claimed: ClaimedAttempt[] = [];
    await Promise.all(
      claimers.map(async ({ store: claimer, nodeId }) => {
        for (;;) {
          const batch = await claimer.jobClaimDue({ nodeId, now: NOW, until, limit: 7, plan });
          if (batch.length === 0) return;
          claimed.push(...batch);
        }
      }),
    );
    await Promise.all(claimers.map(({ store: claimer }) => claimer.close()));

    const occurrences = new Set(claimed.map((c) => `${c.job.id}@${c.execution.scheduledAt.toISOString()}`));
    expect(claimed).toHaveLength(expected);
    expect(occurrences.size).toBe(claimed.length);
    // Every attempt handed out is listed in exactly one lease, of the node it went to.
    const leased = await admin<{ node: string; id: string }>(`SELECT c.owner_node AS node, u.id FROM ${schema}.claim_leases c, unnest(c.execution_ids) AS u(id)`);
    expect(leased.map((row) => `${row.node}/${row.id}`).sort()).toEqual(claimed.map((c) => `${c.execution.ownerNode}/${c.execution.id}`).sort());
  });

  it('never hands the same unowned attempt to two concurrent claimers', async () => {
    const job = await store.jobCreate(jobParams());
    const inserts = Array.from({ length: 300 }, (_, i) => attempt(job.id, new Date(NOW.getTime() - i * 1000)));
    await store.executionWrite({ inserts });
    const seen: string[] = [];
    const claimers = Array.from({ length: 6 }, (_, i) => ({ store: openStore(schema, `${appName}-retry`, 2), nodeId: `retry-${i}` }));
    await Promise.all(
      claimers.map(async ({ store: claimer, nodeId }) => {
        for (;;) {
          const batch = await claimer.executionClaimDue({ nodeId, until: NOW, limit: 13 });
          if (batch.length === 0) return;
          seen.push(...batch.map((c) => c.execution.id));
        }
      }),
    );
    await Promise.all(claimers.map(({ store: claimer }) => claimer.close()));
    expect(seen).toHaveLength(inserts.length);
    expect(new Set(seen).size).toBe(inserts.length);
  });

  it('gets its work done after the server kills every one of its connections', async () => {
    await store.ping();
    await Promise.all(Array.from({ length: 5 }, () => store.jobList({ limit: 1 })));
    const killed = await admin<{ pid: number }>(
      'SELECT pg_terminate_backend(pid) AS killed, pid FROM pg_stat_activity WHERE application_name = $1',
      [appName],
    );
    expect(killed.length).toBeGreaterThan(0);
    await store.ping();
    const job = await store.jobCreate(jobParams());
    expect((await store.jobGet(job.id)).id).toBe(job.id);
  });

  it('sends the engine\'s statements by name, prepared once per connection, and every statement unnamed when told not to', async () => {
    const statement = named('postgres_test_prepared', 'SELECT $1::int AS n');
    const preparedOn = async (preparedStatements: boolean): Promise<string[]> => {
      const name = `${appName}-prepared-${preparedStatements}`;
      // One connection: every call below goes through the same server session.
      const db = new PgDb({ connectionString: TEST_DATABASE_URL!, poolSize: 1, schema, logger: silentLogger(), applicationName: name, preparedStatements });
      const claimer = new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
      try {
        expect((await db.query<{ n: number }>(statement, [1])).rows).toEqual([{ n: 1 }]);
        // A new session (the server ended the last one) gets the statement prepared again.
        await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
        await claimer.ping();
        expect((await db.query<{ n: number }>(statement, [2])).rows).toEqual([{ n: 2 }]);
        const due = at('2020-01-01T00:00:00Z');
        const job = await claimer.jobCreate(jobParams({ nextRunAt: due }));
        const claimed = await claimer.jobClaimDue({
          nodeId: 'node-prepared',
          now: due,
          until: new Date(due.getTime() + 1000),
          limit: 10,
          plan: () => ({ fire: [{ scheduledAt: due, dueAt: due }], missed: [], nextRunAt: null, deactivate: true }),
        });
        expect(claimed.map((c) => c.execution.jobId)).toEqual([job.id]);
        return (await db.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((row) => row.name);
      } finally {
        await claimer.close();
      }
    };
    expect(await preparedOn(true)).toEqual(
      expect.arrayContaining(['claim_advance_next_runs', 'claim_due_jobs', 'lease_insert', 'postgres_test_prepared']),
    );
    expect(await preparedOn(false)).toEqual([]);
  });

  it('answers STORE_UNAVAILABLE, after its retries, when nothing listens at the database address', async () => {
    const url = new URL(TEST_DATABASE_URL!);
    url.port = '1';
    const db = new PgDb({ connectionString: url.toString(), poolSize: 1, schema: null, logger: silentLogger() });
    const unreachable = new SqlStore({ db, schema: null, logger: silentLogger(), clock: systemClock, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(unreachable.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await unreachable.close();
  });
});

describe.skipIf(!TEST_DATABASE_URL)('migrations started by several processes at once', () => {
  const schema = testSchema('migrate_race');
  afterAll(() => dropSchema(schema));

  it('all succeed and leave exactly one schema', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => runChild('migrate', TEST_DATABASE_URL!, schema)));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const migrations = await admin<{ id: number }>(`SELECT id FROM ${schema}.jobscheduler_migrations ORDER BY id`);
    expect(migrations.map((row) => row.id)).toEqual((await readMigrations()).map((migration) => migration.id));
    const tables = await admin<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(tables.map((row) => row.name)).toEqual(['claim_leases', 'executions', 'executions_default', 'job_next_runs', 'jobs', 'jobscheduler_migrations', 'scheduler_nodes', 'target_policies', 'target_usage']);
  });
});
