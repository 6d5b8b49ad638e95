/**
 * Scale benchmark: does a node's cost follow the jobs that are due, or the jobs that are
 * stored? One node (`serve --role scheduler`) fires DUE every-second jobs, measured twice:
 *   A. with only those jobs stored;
 *   B. after STORED - DUE more jobs are added, each firing once a day at a time of day spread
 *      over the 86,400 seconds (so about (STORED - DUE) / 86,400 of them fall due each second).
 * Per phase: firings per second, node and PostgreSQL CPU per second and per 1,000 firings,
 * lateness, and the node's resident memory, sampled through the whole run (the 1,000,000-row
 * insert included).
 *
 * Run: npm run bench:scale -- [--stored 1000000] [--due 1000] [--seconds 30] [--warmup 5]
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL), as for npm run bench.
 * Writes bench/results/<name>.json (default name "scale") and prints a markdown table.
 */
import { parseArgs } from 'node:util';
import { spawnNode, spawnReceiver, type NodeProcess, type ReceiverProcess } from './harness/children.js';
import { createBenchDatabase, createJobs, startJobsAt, type BenchDatabase } from './harness/database.js';
import { PgMonitor } from './harness/pg-monitor.js';
import { CpuMeter, loadAverage, rssMiB } from './harness/proc.js';
import { describeMachine, fmt, markdownTable, sleep, sleepUntil, writeResult } from './harness/report.js';
import { SHARD_OF } from '../src/store/sql/jobs.js';

const { values: args } = parseArgs({
  options: {
    stored: { type: 'string', default: '1000000' },
    due: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    name: { type: 'string', default: 'scale' },
  },
});
const STORED = Number(args.stored);
const DUE = Number(args.due);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const INSERT_CHUNK = 100_000;

interface Phase {
  readonly phase: string;
  readonly storedJobs: number;
  readonly firingsPerSecond: number;
  /** Firings of the every-second jobs that never arrived, and extra copies. */
  readonly missed: number;
  readonly duplicated: number;
  readonly nodeCpuMsPerSecond: number;
  readonly postgresCpuMsPerSecond: number;
  readonly nodeCpuPer1000: number;
  readonly postgresCpuPer1000: number;
  readonly latenessP99Ms: number;
  readonly rssMiB: { readonly start: number; readonly max: number; readonly end: number };
  readonly loadAverage: number;
}

/** RSS of the node over the whole run, sampled every 250 ms. */
class RssWatch {
  max = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(pid: number) {
    this.#timer = setInterval(() => (this.max = Math.max(this.max, rssMiB(pid) ?? 0)), 250);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

async function measure(phase: string, storedJobs: number, database: BenchDatabase, node: NodeProcess, receiver: ReceiverProcess): Promise<Phase> {
  const windowStart = Math.ceil(Date.now() / 1000) * 1000 + WARMUP * 1000;
  const windowEnd = windowStart + SECONDS * 1000;
  receiver.configure({ jobs: DUE, firstSecond: windowStart, seconds: SECONDS + 10, windowStart, windowEnd, delayMs: 0 });
  await sleepUntil(windowStart);
  const monitor = new PgMonitor({ admin: database.admin, client: database.client, database: database.name });
  const nodeCpu = new CpuMeter();
  nodeCpu.begin([node.pid]);
  const rss = { start: rssMiB(node.pid) ?? NaN, max: 0, end: NaN };
  await monitor.begin();
  while (Date.now() < windowEnd - 250) {
    await monitor.sample(false);
    rss.max = Math.max(rss.max, rssMiB(node.pid) ?? 0);
    await sleep(Math.min(250, windowEnd - Date.now()));
  }
  await sleepUntil(windowEnd);
  nodeCpu.sample([node.pid]);
  rss.end = rssMiB(node.pid) ?? NaN;
  rss.max = Math.max(rss.max, rss.end);
  const pg = await monitor.end();
  await sleep(3000);
  const received = await receiver.report();
  const firings = received.perSecond.reduce((sum, count) => sum + count, 0);
  return {
    phase,
    storedJobs,
    firingsPerSecond: firings / SECONDS,
    missed: received.windowMissed,
    duplicated: received.windowDuplicates,
    nodeCpuMsPerSecond: (nodeCpu.seconds * 1000) / SECONDS,
    postgresCpuMsPerSecond: (pg.backendCpuSeconds * 1000) / SECONDS,
    nodeCpuPer1000: (nodeCpu.seconds / Math.max(1, firings)) * 1000,
    postgresCpuPer1000: (pg.backendCpuSeconds / Math.max(1, firings)) * 1000,
    latenessP99Ms: received.lateness.p99,
    rssMiB: rss,
    loadAverage: loadAverage(),
  };
}

/**
 * Jobs that each fire once a day, at second g of the day for job g (mod 86,400), inserted by
 * the server in chunks. Their next run is the next such time after the insert, as the API
 * would store it.
 */
async function addDailyJobs(database: BenchDatabase, receiverUrl: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += INSERT_CHUNK) {
    await database.client.query(
      `WITH inserted AS (
         INSERT INTO jobs (id, name, schedule, timezone, api, method, headers, payload, timeout_ms, type)
         SELECT gen_random_uuid(), 'daily ' || g, format('%s %s %s * * *', g % 60, (g / 60) % 60, (g / 3600) % 24), 'UTC',
                $1 || '/other/' || g, 'POST', '{}'::jsonb, jsonb_build_object('job', g), 10000, 'AT_MOST_ONCE'
         FROM generate_series($2::int, $3::int) AS g
         RETURNING id, schedule
       )
       INSERT INTO job_next_runs (job_id, next_run_at, next_due_at, runnable, shard)
       SELECT i.id, t.next, t.next, true, ${SHARD_OF('i.id')}
       FROM inserted i,
            LATERAL (SELECT split_part(i.schedule, ' ', 1)::int + 60 * split_part(i.schedule, ' ', 2)::int
                            + 3600 * split_part(i.schedule, ' ', 3)::int AS second_of_day) AS s,
            LATERAL (SELECT date_trunc('day', now()) + make_interval(secs => s.second_of_day) AS at) AS d,
            LATERAL (SELECT d.at + CASE WHEN d.at <= now() + interval '5 seconds' THEN interval '1 day' ELSE interval '0' END AS next) AS t`,
      [receiverUrl, from, Math.min(count, from + INSERT_CHUNK) - 1],
    );
  }
  await database.client.query('ANALYZE jobs');
  await database.client.query('ANALYZE job_next_runs');
}

async function main(): Promise<void> {
  const database = await createBenchDatabase('bench_scale');
  let node: NodeProcess | null = null;
  let receiver: ReceiverProcess | null = null;
  try {
    receiver = await spawnReceiver();
    await createJobs(database.store, DUE, { api: receiver.url, schedule: '* * * * * *', type: 'AT_MOST_ONCE' });
    node = await spawnNode({ id: 'bench-scale-node', databaseUrl: database.url });
    const watch = new RssWatch(node.pid);
    await startJobsAt(database.client, new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000));

    const phases: Phase[] = [];
    phases.push(await measure(`A: ${fmt(DUE)} jobs stored`, DUE, database, node, receiver));
    console.error(`adding ${fmt(STORED - DUE)} daily jobs...`);
    const began = Date.now();
    await addDailyJobs(database, receiver.url, STORED - DUE);
    console.error(`added in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    phases.push(await measure(`B: ${fmt(STORED)} jobs stored`, STORED, database, node, receiver));
    watch.stop();
    await node.stop();
    const problems = { count: node.problemCount(), first: node.problems.slice(0, 5) };
    const version = (await database.admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;

    const path = writeResult(args.name, {
      name: args.name,
      date: new Date().toISOString(),
      machine: describeMachine(version),
      options: { stored: STORED, due: DUE, seconds: SECONDS, warmup: WARMUP },
      phases,
      nodeRssMaxMiBWholeRun: watch.max,
      nodeProblems: problems,
    });
    console.log(
      markdownTable(
        ['phase', 'firings/s', 'missed', 'dup', 'node CPU ms/s', 'PG CPU ms/s', 'node CPU s/1k', 'PG CPU s/1k', 'p99 ms', 'node RSS MiB start / max / end'],
        phases.map((p) => [
          p.phase,
          fmt(p.firingsPerSecond),
          fmt(p.missed),
          fmt(p.duplicated),
          fmt(p.nodeCpuMsPerSecond),
          fmt(p.postgresCpuMsPerSecond),
          fmt(p.nodeCpuPer1000, 3),
          fmt(p.postgresCpuPer1000, 3),
          fmt(p.latenessP99Ms, 1),
          `${fmt(p.rssMiB.start)} / ${fmt(p.rssMiB.max)} / ${fmt(p.rssMiB.end)}`,
        ]),
      ),
    );
    console.log(`\nnode RSS peak over the whole run (insert included): ${fmt(watch.max)} MiB; written to ${path}`);
  } finally {
    await node?.stop().catch(() => null);
    await receiver?.close();
    await database.drop();
  }
}

await main();
