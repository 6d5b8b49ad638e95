/**
 * What one backfill request costs the store, on PostgreSQL and on embedded PGlite.
 * Run: npx tsx bench/backfill.ts
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): the PostgreSQL to use;
 *   without one only PGlite runs. ROUNDS (default 3).
 *
 * Per round: the largest backfill a request may ask for (10,000 every-second occurrences,
 * none with history), the same request again (it queues nothing), and 10 occurrences of a
 * job with 50,000 attempts in history (the read must stay within the range). Everything
 * happens in a schema created for the run and dropped at the end.
 */
import { performance } from 'node:perf_hooks';
import { BACKFILL_LIMITS, backfillRange } from '../src/jobs/backfill.js';
import { silentLogger } from '../src/logging.js';
import type { Db } from '../src/store/db.js';
import { PgliteDb } from '../src/store/pglite/pglite-db.js';
import { PgDb } from '../src/store/postgres/pg-db.js';
import { quoteIdent } from '../src/store/sql/identifiers.js';
import { SqlStore } from '../src/store/sql-store.js';
import type { JobCreateParams } from '../src/store/types.js';
import { systemClock } from '../src/time/system-clock.js';
import { fixtureJob } from '../test/store/fixtures.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const HISTORY = 50_000;
const now = new Date('2026-03-04T12:00:00Z');

function everySecondJob(id: number): JobCreateParams {
  return fixtureJob({
    id: `0196f3a0-0000-7000-8000-${String(id).padStart(12, '0')}`,
    name: `backfill bench ${id}`,
    schedule: '* * * * * *',
    api: 'http://127.0.0.1:4444/hook',
    headers: {},
    payload: null,
    timeoutMs: 10_000,
    nextRunAt: null,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function bench(name: string, db: Db, schema: string): Promise<void> {
  const store = new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
  await store.migrate();
  const full: number[] = [];
  const repeat: number[] = [];
  const narrow: number[] = [];
  const limit = BACKFILL_LIMITS.maxOccurrences.max;
  const history = await store.jobCreate(everySecondJob(0));
  const start = now.getTime() - 100_000_000;
  for (let i = 0; i < HISTORY; i += 5000) {
    const occurrences = Array.from({ length: 5000 }, (_, k) => new Date(start + (i + k) * 1000));
    await store.executionBackfill({ jobId: history.id, occurrences, now, intervalMs: 10 });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const job = await store.jobCreate(everySecondJob(round));
    const range = backfillRange({ from: new Date(now.getTime() - limit * 1000).toISOString(), to: now.toISOString(), maxOccurrences: limit }, job, now);
    const params = { jobId: job.id, occurrences: range.occurrences, now, intervalMs: 10 };
    const [first, firstMs] = await timed(() => store.executionBackfill(params));
    const [again, againMs] = await timed(() => store.executionBackfill(params));
    if (first.queued !== limit || again.queued !== 0) throw new Error(`expected ${limit} then 0 queued, got ${first.queued} and ${again.queued}`);
    const ten = Array.from({ length: 10 }, (_, k) => new Date(start + (HISTORY / 2 + k) * 1000));
    const [, narrowMs] = await timed(() => store.executionBackfill({ jobId: history.id, occurrences: ten, now, intervalMs: 10 }));
    full.push(firstMs);
    repeat.push(againMs);
    narrow.push(narrowMs);
  }
  process.stdout.write(
    `${name}: ${limit} occurrences queued ${median(full).toFixed(0)} ms, the same again ${median(repeat).toFixed(0)} ms, ` +
      `10 occurrences of a job with ${HISTORY} attempts ${median(narrow).toFixed(1)} ms (medians of ${ROUNDS})\n`,
  );
  await store.close();
}

const schema = `bench_backfill_${Date.now()}`;
if (DATABASE_URL) {
  await bench('postgres', new PgDb({ connectionString: DATABASE_URL, poolSize: 2, schema, logger: silentLogger() }), schema);
  const cleanup = new PgDb({ connectionString: DATABASE_URL, poolSize: 1, schema: null, logger: silentLogger() });
  await cleanup.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
  await cleanup.close();
}
await bench('pglite', await PgliteDb.open({ dataDir: null, schema }), schema);
