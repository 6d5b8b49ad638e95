/**
 * Store throughput and history latency, on PostgreSQL and on embedded PGlite.
 * Run: npm run bench:store
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): the PostgreSQL to use;
 *   without one only PGlite runs. ROWS (default 100000), BATCH (1000), ROUNDS (3),
 *   HISTORY_ROWS (5000000), SKIP_HISTORY=1 to leave out the latency part.
 *
 * Everything happens in schemas created for the run and dropped at the end (and in a
 * temporary PGlite directory). Rounds of the store and of the plain-statement ceiling
 * alternate so both see the same machine load; the medians are reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { uuidv7 } from '../src/ids.js';
import { silentLogger } from '../src/logging.js';
import type { Db } from '../src/store/db.js';
import { PgliteDb } from '../src/store/pglite/pglite-db.js';
import { PgDb } from '../src/store/postgres/pg-db.js';
import { quoteIdent } from '../src/store/sql/identifiers.js';
import { SqlStore } from '../src/store/sql-store.js';
import type { ExecutionCompletion, ExecutionInsert, JobCreateParams } from '../src/store/types.js';
import { systemClock } from '../src/time/system-clock.js';
import { fixtureJob } from '../test/store/fixtures.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const ROWS = Number(process.env.ROWS ?? 100_000);
const BATCH = Number(process.env.BATCH ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const HISTORY_ROWS = Number(process.env.HISTORY_ROWS ?? 5_000_000);
const HISTORY_JOBS = 1000;
const JOBS = 100;

interface Subject {
  readonly name: string;
  readonly db: Db;
  readonly store: SqlStore;
  cleanup(): Promise<void>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function job(i: number): JobCreateParams {
  return fixtureJob({
    id: uuidv7(), name: `bench ${i}`, schedule: '* * * * * *', api: 'http://127.0.0.1:9/hook', headers: {}, payload: null,
    timeoutMs: 1000, retry: { maxAttempts: 1, minBackoffMs: 0, maxBackoffMs: 0 }, isActive: false, nextRunAt: null,
  });
}

/** ROWS attempts spread over the jobs, one second apart per job, like a busy recorder's. */
function attempts(jobIds: readonly string[], round: number): ExecutionInsert[] {
  const base = Date.UTC(2026, 0, 1) + round * 86_400_000;
  return Array.from({ length: ROWS }, (_, i) => {
    const at = new Date(base + Math.floor(i / jobIds.length) * 1000);
    return { id: uuidv7(), jobId: jobIds[i % jobIds.length]!, scheduledAt: at, trigger: 'schedule', attempt: 1, dueAt: at, status: 'RUNNING', ownerNode: 'bench' };
  });
}

function completions(rows: readonly ExecutionInsert[]): ExecutionCompletion[] {
  return rows.map((row) => ({ id: row.id, scheduledAt: row.scheduledAt, status: 'SUCCEEDED', startedAt: row.dueAt, finishedAt: new Date(row.dueAt.getTime() + 42), durationMs: 42, httpStatus: 200, error: null }));
}

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const began = performance.now();
  await fn();
  return (performance.now() - began) / 1000;
}

/**
 * The ceiling: the same rows, same columns, as one plain INSERT ... SELECT FROM unnest per
 * batch, without the store around it (no transaction, no ON CONFLICT, no error truncation).
 */
async function plainInsert(db: Db, rows: readonly ExecutionInsert[]): Promise<void> {
  const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;
  await db.query(
    `INSERT INTO executions (id, job_id, scheduled_at, trigger, attempt, due_at, status, owner_node,
       started_at, finished_at, duration_ms, http_status, error)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::int[], $6::timestamptz[], $7::text[],
       $8::text[], $9::timestamptz[], $10::timestamptz[], $11::int[], $12::int[], $13::text[])`,
    [
      rows.map((r) => r.id), rows.map((r) => r.jobId), rows.map((r) => r.scheduledAt.toISOString()), rows.map((r) => r.trigger),
      rows.map((r) => r.attempt), rows.map((r) => r.dueAt.toISOString()), rows.map((r) => r.status), rows.map((r) => r.ownerNode),
      rows.map((r) => iso(r.startedAt)), rows.map((r) => iso(r.finishedAt)), rows.map((r) => r.durationMs ?? null),
      rows.map((r) => r.httpStatus ?? null), rows.map((r) => r.error ?? null),
    ],
  );
}

async function plainComplete(db: Db, rows: readonly ExecutionCompletion[]): Promise<void> {
  await db.query(
    `UPDATE executions e SET status = u.status, started_at = u.started_at, finished_at = u.finished_at,
       duration_ms = u.duration_ms, http_status = u.http_status, error = u.error
     FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[], $7::text[])
       AS u(id, status, started_at, finished_at, duration_ms, http_status, error)
     WHERE e.id = u.id`,
    [
      rows.map((r) => r.id), rows.map((r) => r.status), rows.map((r) => r.startedAt!.toISOString()),
      rows.map((r) => r.finishedAt!.toISOString()), rows.map((r) => r.durationMs), rows.map((r) => r.httpStatus), rows.map((r) => r.error),
    ],
  );
}

async function throughput(subject: Subject): Promise<void> {
  const { store, db } = subject;
  const jobIds = (await store.jobCreateMany(Array.from({ length: JOBS }, (_, i) => job(i)))).map((j) => j.id);
  const results = { storeInsert: [] as number[], plainInsert: [] as number[], storeComplete: [] as number[], plainComplete: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const viaStore = attempts(jobIds, round * 2);
    const plain = attempts(jobIds, round * 2 + 1);
    results.storeInsert.push(ROWS / (await timed(async () => { for (const b of batches(viaStore)) await store.executionWrite({ inserts: b }); })));
    results.plainInsert.push(ROWS / (await timed(async () => { for (const b of batches(plain)) await plainInsert(db, b); })));
    // As autovacuum would on a live table: without statistics, the planner takes the freshly
    // filled table for a tiny one and joins the batch by scanning all of it.
    await db.query('ANALYZE executions');
    results.storeComplete.push(ROWS / (await timed(async () => { for (const b of batches(completions(viaStore))) await store.executionWrite({ completions: b }); })));
    results.plainComplete.push(ROWS / (await timed(async () => { for (const b of batches(completions(plain))) await plainComplete(db, b); })));
    await db.query('TRUNCATE executions');
  }
  const fmt = (values: number[]): string => `${Math.round(median(values)).toLocaleString('en-US')} rows/s`;
  console.log(`\n${subject.name}: ${ROWS.toLocaleString('en-US')} rows in batches of ${BATCH}, median of ${ROUNDS} rounds`);
  console.log(`  insert    store.executionWrite ${fmt(results.storeInsert).padStart(16)}   plain INSERT ... unnest ${fmt(results.plainInsert).padStart(16)}`);
  console.log(`  complete  store.executionWrite ${fmt(results.storeComplete).padStart(16)}   plain UPDATE ... unnest ${fmt(results.plainComplete).padStart(16)}`);
}

/** HISTORY_ROWS finished attempts over HISTORY_JOBS jobs, generated by the server itself. */
async function history(subject: Subject): Promise<void> {
  const { db, store } = subject;
  const perJob = Math.floor(HISTORY_ROWS / HISTORY_JOBS);
  const jobIds = (await store.jobCreateMany(Array.from({ length: HISTORY_JOBS }, (_, i) => job(i)))).map((j) => j.id);
  const fill = await timed(async () => {
    await db.query(
      `INSERT INTO executions (id, job_id, scheduled_at, trigger, attempt, due_at, status, owner_node, started_at, finished_at, duration_ms, http_status, created_at)
       SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(t * $3::int + j.n), 12, '0'))::uuid, j.id, ts, 'schedule', 1, ts,
              CASE WHEN (t + j.n) % 50 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END, 'bench', ts, ts + interval '40 ms', 40, 200, ts
       FROM generate_series(1, $2::int) AS t
       CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01' + t * interval '1 minute' AS ts) AS s
       CROSS JOIN unnest($1::uuid[]) WITH ORDINALITY AS j(id, n)`,
      [jobIds, perJob, HISTORY_JOBS],
    );
    await db.query('ANALYZE executions');
  });
  const total = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM executions')).rows[0]!.n;
  console.log(`\n${subject.name}: "latest 20 executions of a job" with ${total.toLocaleString('en-US')} history rows (${perJob} per job; generated in ${fill.toFixed(0)} s)`);
  for (const [label, op] of [
    ['executionList, first page', (id: string) => store.executionList({ jobId: id, limit: 20 })],
    ['jobGet (with last run)', (id: string) => store.jobGet(id)],
  ] as const) {
    for (let i = 0; i < 50; i++) await op(jobIds[i % jobIds.length]!);
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const id = jobIds[Math.floor(Math.random() * jobIds.length)]!;
      const began = performance.now();
      await op(id);
      samples.push(performance.now() - began);
    }
    samples.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(28)} p50 ${percentile(samples, 50).toFixed(2)} ms   p95 ${percentile(samples, 95).toFixed(2)} ms   p99 ${percentile(samples, 99).toFixed(2)} ms`);
  }
  const plan = await db.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT * FROM executions WHERE job_id = $1 ORDER BY scheduled_at DESC, trigger DESC, attempt DESC LIMIT 21`,
    [jobIds[0]],
  );
  console.log(`  plan: ${plan.rows.map((row) => row['QUERY PLAN'].trim()).slice(0, 2).join(' / ')}`);
}

async function postgres(url: string): Promise<Subject> {
  const schema = `bench_store_${process.pid}`;
  const db = new PgDb({ connectionString: url, poolSize: 4, schema, logger: silentLogger() });
  const store = new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
  await store.migrate();
  return {
    name: 'PostgreSQL',
    db,
    store,
    async cleanup() {
      await store.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await admin.end();
    },
  };
}

async function pglite(): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), 'jobscheduler-bench-'));
  const db = await PgliteDb.open({ dataDir: dir, schema: null });
  const store = new SqlStore({ db, schema: null, logger: silentLogger(), clock: systemClock });
  await store.migrate();
  return {
    name: 'PGlite (data directory)',
    db,
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  console.log(`Node ${process.version}; PostgreSQL: ${DATABASE_URL ? 'yes' : 'no (set BENCH_DATABASE_URL)'}`);
  const subjects: (() => Promise<Subject>)[] = [pglite];
  if (DATABASE_URL) subjects.unshift(() => postgres(DATABASE_URL));
  for (const open of subjects) {
    const subject = await open();
    try {
      await throughput(subject);
      if (subject.name === 'PostgreSQL' && process.env.SKIP_HISTORY !== '1') {
        await subject.db.query('TRUNCATE jobs, job_next_runs, executions');
        await history(subject);
      }
    } finally {
      await subject.cleanup();
    }
  }
}

await main();
