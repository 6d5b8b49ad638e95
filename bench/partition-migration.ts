/**
 * How long migration 0005 (executions becomes a partitioned table) takes on a history of
 * a given size: a database at migration 4 gets N finished attempts spread over 30 days, then
 * the rest of the migrations run, timed. The old table is attached as one partition, not
 * copied; what costs time is reading it once to check the bound and building the new
 * (id, scheduled_at) primary key.
 *
 * Run: npm run bench:partition-migration [-- --rows 1000000]
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): a PostgreSQL whose user may
 *   create databases; the run gets its own database, dropped at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { silentLogger } from '../src/logging.js';
import { migrate, readMigrations } from '../src/store/migrate.js';
import { PgDb } from '../src/store/postgres/pg-db.js';
import { quoteIdent } from '../src/store/sql/identifiers.js';
import { adminUrl } from './harness/database.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(args.rows);

async function main(): Promise<void> {
  const name = `bench_partition_migration_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl(), application_name: 'jobscheduler-bench' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const db = new PgDb({ connectionString: url.toString(), poolSize: 2, schema: null, logger: silentLogger() });
  const old = mkdtempSync(join(tmpdir(), 'jobscheduler-migrations-0004-'));
  try {
    for (const migration of (await readMigrations()).filter((m) => m.id <= 4)) {
      writeFileSync(join(old, `${String(migration.id).padStart(4, '0')}_${migration.name}.sql`), migration.sql);
    }
    await migrate(db, { schema: null, dir: pathToFileURL(`${old}/`) });
    // The node's connections bound every statement; filling the table is not one of its calls.
    const setup = new pg.Client({ connectionString: url.toString(), application_name: 'jobscheduler-bench' });
    await setup.connect();
    await setup.query(`
      INSERT INTO jobs (id, schedule, api, type)
        SELECT gen_random_uuid(), '* * * * * *', 'http://127.0.0.1:9/hook', 'AT_LEAST_ONCE' FROM generate_series(1, 1000);
      INSERT INTO executions (id, job_id, scheduled_at, due_at, status, owner_node, started_at, finished_at, duration_ms, http_status)
        SELECT gen_random_uuid(), j.ids[1 + i % 1000], t, t, 'SUCCEEDED', 'node-a', t, t + interval '3 milliseconds', 3, 200
        FROM (SELECT array_agg(id) AS ids FROM jobs) j,
             generate_series(1, ${ROWS}) AS i,
             LATERAL (SELECT now() - interval '30 days' + (i * (30 * 86400.0 / ${ROWS})) * interval '1 second' AS t) s;
      `);
    await setup.query('VACUUM ANALYZE executions');
    await setup.end();
    const bytes = (await db.query<{ size: string }>(`SELECT pg_total_relation_size('executions')::text AS size`)).rows[0]!.size;
    const started = performance.now();
    const applied = await migrate(db, { schema: null });
    const seconds = (performance.now() - started) / 1000;
    const count = (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM executions')).rows[0]!.n;
    console.log(
      `migrations ${applied.join(', ')} on ${ROWS.toLocaleString('en-US')} rows (${(Number(bytes) / 2 ** 20).toFixed(0)} MiB with indexes): ` +
        `${seconds.toFixed(1)} s, ${(seconds / (ROWS / 1e6)).toFixed(1)} s per million rows; ${Number(count).toLocaleString('en-US')} rows after`,
    );
  } finally {
    rmSync(old, { recursive: true, force: true });
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
