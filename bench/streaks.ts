/**
 * What counting consecutive failures (pauseAfterFailures) costs the history write, on
 * PostgreSQL: batches of completions written with the plain statement (jobs without the
 * field), and with the counting statement for successes (count already 0) and for failures
 * (count moves every time), among 23,000 jobs.
 * Run: BENCH_DATABASE_URL=postgresql://... npx tsx bench/streaks.ts   (JOBS 1000, ROUNDS 15)
 *
 * Everything happens in a schema created for the run and dropped at the end.
 */
import { uuidv7 } from '../src/ids.js';
import { silentLogger } from '../src/logging.js';
import { PgDb } from '../src/store/postgres/pg-db.js';
import { quoteIdent } from '../src/store/sql/identifiers.js';
import { SqlStore } from '../src/store/sql-store.js';
import type { ExecutionCompletion, ExecutionInsert, JobCreateParams } from '../src/store/types.js';
import { systemClock } from '../src/time/system-clock.js';
import { fixtureJob } from '../test/store/fixtures.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const JOBS = Number(process.env.JOBS ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 15);

type Variant = 'plain' | 'success counted' | 'failure counted';

function job(pauseAfterFailures: number | null): JobCreateParams {
  return fixtureJob({
    id: uuidv7(), name: null, schedule: '* * * * * *', api: 'http://127.0.0.1:9/hook', headers: {}, payload: null, timeoutMs: 10_000,
    type: 'AT_MOST_ONCE', retry: { maxAttempts: 1, minBackoffMs: 0, maxBackoffMs: 0 }, pauseAfterFailures, nextRunAt: null,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!DATABASE_URL) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL to measure');
  const schema = `bench_streaks_${Date.now()}`;
  const db = new PgDb({ connectionString: DATABASE_URL, poolSize: 2, schema, logger: silentLogger() });
  const store = new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
  try {
    await store.migrate();
    // 1000 is never reached: the count of the failing jobs moves on every failure without pausing them.
    const succeeding = await store.jobCreateMany(Array.from({ length: JOBS }, () => job(1000)));
    const failing = await store.jobCreateMany(Array.from({ length: JOBS }, () => job(1000)));
    const plain = await store.jobCreateMany(Array.from({ length: JOBS }, () => job(null)));
    // A table of realistic size around them, so no plan gets away with scanning it.
    for (let i = 0; i < 20; i++) await store.jobCreateMany(Array.from({ length: 1000 }, () => job(null)));
    const timings = new Map<Variant, number[]>([['plain', []], ['success counted', []], ['failure counted', []]]);
    let second = Date.UTC(2026, 0, 1);
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of timings.keys()) {
        second += 1000;
        const jobs = variant === 'plain' ? plain : variant === 'success counted' ? succeeding : failing;
        const inserts: ExecutionInsert[] = jobs.map((j) => ({
          id: uuidv7(), jobId: j.id, scheduledAt: new Date(second), trigger: 'schedule', attempt: 1, dueAt: new Date(second), status: 'SCHEDULED', ownerNode: 'bench',
        }));
        await store.executionWrite({ inserts });
        const failed = variant === 'failure counted';
        const completions: ExecutionCompletion[] = inserts.map((row) => ({
          id: row.id, scheduledAt: row.scheduledAt, status: failed ? 'FAILED' : 'SUCCEEDED', startedAt: new Date(second), finishedAt: new Date(second + 5), durationMs: 5,
          httpStatus: failed ? 503 : 204, error: failed ? 'HTTP 503' : null, ...(variant === 'plain' ? {} : { streak: failed ? 'FAILED' : 'SUCCEEDED' }),
        }));
        const started = performance.now();
        await store.executionWrite({ completions });
        timings.get(variant)!.push(performance.now() - started);
      }
    }
    for (const [variant, values] of timings) {
      const ms = median(values);
      console.log(`${variant.padEnd(16)} ${ms.toFixed(1).padStart(6)} ms per ${JOBS} completions (${((ms * 1000) / JOBS).toFixed(1)} us each), median of ${ROUNDS}`);
    }
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await store.close();
  }
}

await main();
