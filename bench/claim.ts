/**
 * What PostgreSQL spends on the claim and on the outcome write of one occurrence, without
 * HTTP or timers: JOBS every-second jobs are claimed one second at a time through the store,
 * each claimed attempt is then written SUCCEEDED in batches of 1,000, and the CPU of the one
 * backend doing it (from /proc, so PostgreSQL on this machine) is divided by the occurrences.
 *
 * Run: npm run bench:claim   (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else DATABASE_URL)
 *   JOBS (default 4000), ROUNDS (10; the first two warm up and are not counted).
 * Prints one JSON line: microseconds of backend CPU per occurrence for the claim and for the
 * outcome write. Compare two builds by running it in each, alternately.
 */
import { readFileSync } from 'node:fs';
import { uuidv7 } from '../src/ids.js';
import { silentLogger } from '../src/logging.js';
import { PgDb } from '../src/store/postgres/pg-db.js';
import { SqlStore } from '../src/store/sql-store.js';
import type { JobCreateParams } from '../src/store/types.js';
import { systemClock } from '../src/time/system-clock.js';
import { fixtureJob } from '../test/store/fixtures.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const JOBS = Number(process.env.JOBS ?? 4000);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const WARM_UP_ROUNDS = 2;
const T0 = Date.UTC(2030, 0, 1);

/** CPU time (ms) a local PostgreSQL backend has used, from /proc/<pid>/stat (10 ms ticks). */
function backendCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function everySecondJob(i: number): JobCreateParams {
  return fixtureJob({
    id: uuidv7(),
    name: `claim-bench-${i}`,
    schedule: '* * * * * *',
    api: 'http://127.0.0.1:9/hook',
    headers: {},
    payload: { n: i },
    timeoutMs: 10_000,
    type: 'AT_MOST_ONCE',
    retry: { maxAttempts: 1, minBackoffMs: 1000, maxBackoffMs: 60_000 },
    nextRunAt: new Date(T0),
  });
}

async function main(): Promise<void> {
  if (!DATABASE_URL) throw new Error('Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL on this machine.');
  const schema = `bench_claim_${process.pid}`;
  // One connection: every statement runs on the backend whose CPU is measured.
  const db = new PgDb({ connectionString: DATABASE_URL, poolSize: 1, schema, logger: silentLogger() });
  const store = new SqlStore({ db, schema, logger: silentLogger(), clock: systemClock });
  try {
    await store.migrate();
    const jobs = Array.from({ length: JOBS }, (_, i) => everySecondJob(i));
    for (let i = 0; i < jobs.length; i += 1000) await store.jobCreateMany(jobs.slice(i, i + 1000));
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]!.pid;
    let claimMs = 0;
    let writeMs = 0;
    let occurrences = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const now = T0 + round * 1000;
      const before = backendCpuMs(pid);
      const claimed = await store.jobClaimDue({
        nodeId: 'bench-node',
        now: new Date(now),
        until: new Date(now + 500),
        limit: JOBS,
        plan: (job) => ({
          fire: [{ scheduledAt: job.nextRunAt!, dueAt: job.nextRunAt! }],
          missed: [],
          nextRunAt: new Date(job.nextRunAt!.getTime() + 1000),
          deactivate: false,
        }),
      });
      const claimedAt = backendCpuMs(pid);
      for (let i = 0; i < claimed.length; i += 1000) {
        await store.executionWrite({
          completions: claimed.slice(i, i + 1000).map(({ execution }) => ({
            id: execution.id,
            scheduledAt: execution.scheduledAt,
            status: 'SUCCEEDED' as const,
            startedAt: new Date(now),
            finishedAt: new Date(now + 3),
            durationMs: 3,
            httpStatus: 200,
            error: null,
          })),
        });
      }
      if (round < WARM_UP_ROUNDS) continue;
      claimMs += claimedAt - before;
      writeMs += backendCpuMs(pid) - claimedAt;
      occurrences += claimed.length;
    }
    const perOccurrence = (ms: number): number => Math.round((ms * 10_000) / occurrences) / 10;
    console.log(JSON.stringify({ jobs: JOBS, occurrences, claimUsPerOccurrence: perOccurrence(claimMs), outcomeWriteUsPerOccurrence: perOccurrence(writeMs) }));
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await store.close();
  }
}

await main();
