/**
 * Firing benchmark: N jobs firing every second (`* * * * * *`), each an HTTP POST to a local
 * receiver, fired by one or more scheduler nodes (`serve --role scheduler`, child processes)
 * on PostgreSQL. After a warm-up it measures T seconds of scheduled time and reports
 * firings per second delivered and recorded in history, lateness (receipt - X-Scheduled-At),
 * missed and duplicated occurrences, and CPU seconds per 1,000 firings of the nodes, of
 * PostgreSQL and of the receiver.
 *
 * Run: npm run bench -- [--jobs 10000] [--seconds 60] [--warmup 10] [--nodes 1]
 *        [--type AT_MOST_ONCE|AT_LEAST_ONCE] [--delay 0] [--max-per-host n] [--runs 1]
 *        [--name fire-...] [--profile] [--gc] [--pg-activity] [--pg-statements] [--engine scheduler|bare] [--node-arg=--flag ...]
 *        [--pause-at s [--pause-fraction 0.5]] [--capacity [--step 500] [--max-jobs n]]
 *        [--against <rev> [--against-jobs n]]
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): a PostgreSQL whose user may
 *   create databases; each run gets its own database, dropped at the end.
 *   JOBSCHEDULER_* variables reach the nodes unchanged (e.g. JOBSCHEDULER_LOOKAHEAD_MS).
 *   --profile writes each node's (or the floor's) V8 CPU profile to bench/results/profiles/<name>/;
 *   --gc logs each node's (or the floor's) garbage collections to bench/results/gc/<name>/ and
 *   reports the window's: young and full collections, pauses, the old generation's growth; a
 *   node's standard output lines that are not log lines (V8's traces, e.g. with
 *   --node-arg=--trace-gc-nvp) are kept there too;
 *   --node-arg adds a Node.js flag to those `npm start` gives a node (a flag given again
 *   overrides: V8 keeps the last value);
 *   --pg-activity samples pg_stat_activity every 100 ms and prints what the backends were doing;
 *   --pg-statements prints the window's statements by execution time (pg_stat_statements, which
 *   the server must load through shared_preload_libraries);
 *   --engine bare replaces the nodes by undici alone firing the same requests (the floor), over
 *   256 connections unless --max-per-host gives another number;
 *   --pause-at pauses a fraction of the jobs s seconds into the window (all in two statements)
 *   and reports how many seconds after that the remaining jobs still had MISSED occurrences:
 *   how fast a node past its capacity recovers once the load drops under it;
 *   --capacity searches for the capacity: a window at --jobs, then one at every --step more jobs
 *   (each with its own database and nodes), until a window has a missed occurrence or --max-jobs
 *   (default 4x --jobs) is passed, and reports the largest N whose window missed none;
 *   --against measures another revision (a commit, branch or tag; built once into
 *   bench/.builds/, see harness/other-build.ts) beside this tree, alternating: each run, or each
 *   window of a capacity search, first for that revision's nodes (on a database its own bench
 *   harness makes) and then for this tree's, with the same receiver; it reports both and this
 *   tree's figures as ratios of the other's. With --capacity the two searches are interleaved,
 *   each stopping at its own first miss; --against-jobs gives the other revision its own N
 *   (default --jobs), and --max-jobs defaults to 4x each search's first N.
 *
 * Writes bench/results/<name>.json and prints a markdown table (the median row when --runs > 1;
 * one row per N with --capacity).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { DeliveryGuarantee } from '../src/store/types.js';
import { spawnBareFirer, spawnNode, spawnReceiver, type NodeProcess, type ReceiverProcess } from './harness/children.js';
import { gcFigures, type GcFigures } from './harness/gc.js';
import { adminUrl, createBenchDatabase, createJobs, pauseJobs, startJobsAt } from './harness/database.js';
import { prepareOtherBuild, type BenchDatabaseModule } from './harness/other-build.js';
import { PgMonitor, type PgFigures } from './harness/pg-monitor.js';
import { CpuMeter, loadAverage, machineCpu, rssMiB } from './harness/proc.js';
import { describeMachine, fmt, markdownTable, median, sleep, sleepUntil, writeResult } from './harness/report.js';
import type { ReceiverReport } from './harness/receiver.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    nodes: { type: 'string', default: '1' },
    type: { type: 'string', default: 'AT_MOST_ONCE' },
    delay: { type: 'string', default: '0' },
    'max-per-host': { type: 'string' },
    runs: { type: 'string', default: '1' },
    name: { type: 'string' },
    profile: { type: 'boolean', default: false },
    gc: { type: 'boolean', default: false },
    'pg-activity': { type: 'boolean', default: false },
    'pg-statements': { type: 'boolean', default: false },
    engine: { type: 'string', default: 'scheduler' },
    'node-arg': { type: 'string', multiple: true },
    'pause-at': { type: 'string' },
    'pause-fraction': { type: 'string', default: '0.5' },
    capacity: { type: 'boolean', default: false },
    step: { type: 'string', default: '500' },
    'max-jobs': { type: 'string' },
    against: { type: 'string' },
    'against-jobs': { type: 'string' },
  },
});

const options = {
  jobs: Number(args.jobs),
  seconds: Number(args.seconds),
  warmup: Number(args.warmup),
  nodes: Number(args.nodes),
  type: args.type as DeliveryGuarantee,
  delayMs: Number(args.delay),
  runs: Number(args.runs),
  profile: args.profile,
  gc: args.gc,
  pgActivity: args['pg-activity'],
  pgStatements: args['pg-statements'],
  /** 'bare': no scheduler, undici alone fires at every whole second (the floor). */
  engine: args.engine === 'bare' ? ('bare' as const) : ('scheduler' as const),
  /** Flags for the node processes after npm start's, e.g. --node-arg=--max-semi-space-size=16 (V8's default). */
  nodeArgs: args['node-arg'],
  pauseAtSeconds: args['pause-at'] === undefined ? null : Number(args['pause-at']),
  pauseFraction: Number(args['pause-fraction']),
  capacity: args.capacity,
  step: Number(args.step),
  /** Null: each capacity search stops at 4x the N it started from. */
  maxJobs: args['max-jobs'] === undefined ? null : Number(args['max-jobs']),
  /** Another revision measured beside this tree, alternating (see other-build.ts). */
  against: args.against ?? null,
  againstJobs: args['against-jobs'] === undefined ? Number(args.jobs) : Number(args['against-jobs']),
};
if (options.type !== 'AT_MOST_ONCE' && options.type !== 'AT_LEAST_ONCE') throw new Error('--type is AT_MOST_ONCE or AT_LEAST_ONCE');
if (options.capacity) {
  // Each window of the search is one N: a median over runs or a pause within it would measure something else.
  if (options.runs !== 1) throw new Error('--capacity runs one window per N: leave out --runs');
  if (options.pauseAtSeconds !== null) throw new Error('--capacity and --pause-at measure different things: use one');
  if (!(Number.isInteger(options.step) && options.step > 0)) throw new Error(`--step must be a whole number of jobs above 0, got ${args.step}`);
  if (options.maxJobs !== null && !(options.maxJobs >= options.jobs)) throw new Error(`--max-jobs (${options.maxJobs}) must be at least --jobs (${options.jobs})`);
}
if (options.against !== null) {
  if (options.engine === 'bare') throw new Error('--against compares two builds of the engine; the floor (--engine bare) has one');
  if (!(Number.isInteger(options.againstJobs) && options.againstJobs > 0)) throw new Error(`--against-jobs must be a whole number of jobs above 0, got ${args['against-jobs']}`);
} else if (args['against-jobs'] !== undefined) {
  throw new Error('--against-jobs needs --against');
}
/** Requests in flight to the one receiver at once: the engine's own default unless told. */
const maxPerHost = args['max-per-host'] ? Number(args['max-per-host']) : null;
/**
 * Connections of the floor unless --max-per-host is given: 256, as the cost targets define the
 * floor. Fewer connections cost less per request on this kind of machine (round 8: the floor over
 * 256 used a quarter to a third less CPU than over the engine's 4096), so this is the stricter floor.
 */
const FLOOR_CONNECTIONS = 256;
const floorConnections = maxPerHost ?? FLOOR_CONNECTIONS;
const name =
  args.name ??
  (options.capacity
    ? `fire-capacity-${options.engine === 'bare' ? 'bare' : `k${options.nodes}`}-from${options.jobs}-step${options.step}-d${options.delayMs}`
    : options.engine === 'bare'
    ? `fire-bare-n${options.jobs}-d${options.delayMs}`
    : `fire-n${options.jobs}-k${options.nodes}-d${options.delayMs}-${options.type === 'AT_MOST_ONCE' ? 'amo' : 'alo'}`);
const engineEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('JOBSCHEDULER_'))) as Record<string, string>;
if (maxPerHost !== null) engineEnv.JOBSCHEDULER_MAX_CONCURRENT_PER_HOST = String(maxPerHost);

interface RunResult {
  readonly delivered: { readonly occurrences: number; readonly perSecond: number; readonly minSecond: number; readonly maxSecond: number };
  readonly recorded: { readonly rows: number; readonly perSecond: number; readonly byStatus: Record<string, number>; readonly byNode: Record<string, number> };
  readonly lateness: ReceiverReport['lateness'];
  readonly missed: number;
  readonly duplicated: number;
  readonly warmup: { readonly missed: number; readonly duplicated: number };
  readonly unexpectedRequests: number;
  readonly cpu: {
    readonly nodeSeconds: Record<string, number>;
    readonly nodesPer1000: number;
    readonly postgresPer1000: number;
    readonly postgresBackgroundPer1000: number;
    readonly receiverPer1000: number;
    /** Cores the whole machine kept busy during the window (other work included). */
    readonly machineBusyCores: number;
  };
  readonly nodeRssMiB: Record<string, { readonly start: number; readonly max: number; readonly end: number }>;
  readonly historyRowsWritten: number;
  readonly walBytesPerFiring: number;
  readonly postgres: PgFigures;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly nodeProblems: Record<string, { readonly count: number; readonly first: string[] }>;
  /** With --pause-at: the remaining jobs' MISSED occurrences per second from the pause on, and the recovery. */
  readonly pause: PauseFigures | null;
  /** With --gc: each node's garbage collections in the window (null where its log is missing). */
  readonly gc: Record<string, GcFigures | null> | null;
}

interface PauseFigures {
  readonly pausedJobs: number;
  readonly missedBefore: number;
  readonly missedAfter: number;
  /** Seconds from the pause to the end of the last second in which a remaining job missed an occurrence (0: none after it). */
  readonly recoverySeconds: number;
  readonly missedPerSecondAfter: number[];
}

/** Whose nodes a run starts: this tree's, or another revision's built tree (--against). */
interface Build {
  /** What the reports call it. */
  readonly label: string;
  /** Start of its nodes' ids, which name their logs and profiles apart from the other build's. */
  readonly nodePrefix: string;
  readonly programDir?: string;
  /** How a run's database, jobs and pauses are made for this build's schema. */
  readonly database: BenchDatabaseModule;
}

const THIS_TREE: Build = { label: 'this tree', nodePrefix: 'bench', database: { createBenchDatabase, createJobs, startJobsAt, pauseJobs } };

async function run(index: number, jobs: number, build: Build): Promise<RunResult> {
  const database = await build.database.createBenchDatabase('bench_fire');
  const nodes: NodeProcess[] = [];
  let receiver: ReceiverProcess | null = null;
  try {
    receiver = await spawnReceiver();
    const jobIds = await build.database.createJobs(database.store, jobs, { api: receiver.url, schedule: '* * * * * *', type: options.type });
    const profileDir = options.profile ? fileURLToPath(new URL(`./results/profiles/${name}/`, import.meta.url)) : undefined;
    const runSuffix = options.runs > 1 || options.capacity ? `-run${index}` : '';
    const gcLogs = new Map<string, string>();
    const gcDir = fileURLToPath(new URL(`./results/gc/${name}/`, import.meta.url));
    if (options.gc) mkdirSync(gcDir, { recursive: true });
    /** A file of this run's collection logs, emptied of an earlier run's (only with --gc). */
    const gcFile = (file: string): string => {
      const path = `${gcDir}${file}`;
      rmSync(path, { force: true });
      return path;
    };
    const gcLogOf = (id: string): string | undefined => {
      if (!options.gc) return undefined;
      const file = gcFile(`${id}.jsonl`);
      gcLogs.set(id, file);
      return file;
    };
    for (let i = 1; i <= options.nodes && options.engine === 'scheduler'; i++) {
      const id = `${build.nodePrefix}-node-${i}${runSuffix}`;
      const gcLog = gcLogOf(id);
      nodes.push(
        await spawnNode({
          id,
          databaseUrl: database.url,
          env: engineEnv,
          nodeArgs: options.nodeArgs,
          ...(build.programDir === undefined ? {} : { programDir: build.programDir }),
          ...(profileDir ? { cpuProfileDir: profileDir } : {}),
          ...(gcLog ? { gcLog, traceLog: gcFile(`${id}.trace.txt`) } : {}),
        }),
      );
    }

    const firstSecond = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    if (options.engine === 'bare') {
      nodes.push(await spawnBareFirer({ url: receiver.url, jobIds, firstSecond, connections: floorConnections }, profileDir, gcLogOf(`bare-undici${runSuffix}`)));
    }
    const windowStart = firstSecond + options.warmup * 1000;
    const windowEnd = windowStart + options.seconds * 1000;
    const drainMs = 3000 + 2 * options.delayMs;
    receiver.configure({
      jobs,
      firstSecond,
      seconds: options.warmup + options.seconds + Math.ceil(drainMs / 1000) + 2,
      windowStart,
      windowEnd,
      delayMs: options.delayMs,
    });
    if (options.engine === 'scheduler') await build.database.startJobsAt(database.client, new Date(firstSecond));
    console.error(`run ${index}: ${jobs} jobs from ${new Date(firstSecond).toISOString()}, warm-up ${options.warmup} s, window ${options.seconds} s`);

    // A live table has statistics (autovacuum analyses it as it grows); a database made a
    // few seconds ago has none, and the planner would take its growing tables for empty ones.
    await sleepUntil(firstSecond + Math.min(3, options.warmup / 2) * 1000);
    await database.client.query('ANALYZE jobs, executions');
    await sleepUntil(windowStart);
    const load = { start: loadAverage(), end: 0 };
    const monitor = new PgMonitor({ admin: database.admin, client: database.client, database: database.name, statements: options.pgStatements });
    const nodeCpu = new Map(nodes.map((node) => [node.id, new CpuMeter()]));
    const receiverCpu = new CpuMeter();
    for (const node of nodes) nodeCpu.get(node.id)!.begin([node.pid]);
    receiverCpu.begin([receiver.pid]);
    const machineStart = machineCpu();
    const rss = Object.fromEntries(nodes.map((node) => [node.id, { start: rssMiB(node.pid) ?? NaN, max: 0, end: NaN }]));
    await monitor.begin();

    const sampleEveryMs = options.pgActivity ? 100 : 250;
    const pauseAt = options.pauseAtSeconds === null ? null : windowStart + options.pauseAtSeconds * 1000;
    const paused = jobIds.slice(0, Math.round(jobIds.length * options.pauseFraction));
    let pauseDone = pauseAt === null;
    while (Date.now() < windowEnd - sampleEveryMs) {
      if (!pauseDone && Date.now() >= pauseAt!) {
        // Present: otherBuild refuses --pause-at for a revision that cannot pause.
        await build.database.pauseJobs!(database.client, paused);
        pauseDone = true;
        console.error(`paused ${paused.length} jobs at ${new Date().toISOString()}`);
      }
      await monitor.sample(options.pgActivity);
      for (const node of nodes) rss[node.id]!.max = Math.max(rss[node.id]!.max, rssMiB(node.pid) ?? 0);
      await sleep(Math.min(sampleEveryMs, windowEnd - Date.now()));
    }
    await sleepUntil(windowEnd);
    for (const node of nodes) {
      nodeCpu.get(node.id)!.sample([node.pid]);
      rss[node.id]!.end = rssMiB(node.pid) ?? NaN;
      rss[node.id]!.max = Math.max(rss[node.id]!.max, rss[node.id]!.end);
    }
    receiverCpu.sample([receiver.pid]);
    const machineEnd = machineCpu();
    load.end = loadAverage();
    // pg_stat_user_tables counters reach the view up to a second after the statements.
    const pgFigures = await sleep(1200).then(() => monitor.end());

    await sleep(drainMs);
    const nodeProblems: RunResult['nodeProblems'] = {};
    for (const node of nodes) {
      const code = await node.stop();
      if (code !== 0) console.error(`node ${node.id} exited with code ${code}`);
      nodeProblems[node.id] = { count: node.problemCount(), first: node.problems.slice(0, 5) };
    }
    // Stopped nodes send nothing more: the counts are final.
    const received = await receiver.report();
    await receiver.close();

    const history = await database.client.query<{ status: string; owner_node: string | null; count: string }>(
      `SELECT status, owner_node, count(*)::text AS count FROM executions
       WHERE scheduled_at >= $1 AND scheduled_at < $2 GROUP BY status, owner_node`,
      [new Date(windowStart).toISOString(), new Date(windowEnd).toISOString()],
    );
    const byStatus: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    for (const row of history.rows) {
      byStatus[row.status] = (byStatus[row.status] ?? 0) + Number(row.count);
      if (row.status === 'SUCCEEDED') byNode[row.owner_node ?? 'none'] = (byNode[row.owner_node ?? 'none'] ?? 0) + Number(row.count);
    }
    const pause = pauseAt === null ? null : await pauseFigures(database.client, { paused, pauseAt, windowStart, windowEnd });
    const gc = options.gc ? Object.fromEntries([...gcLogs].map(([id, file]) => [id, gcFigures(file, windowStart, windowEnd)])) : null;
    const delivered = received.windowOccurrences;
    const per1000 = (seconds: number): number => (seconds / Math.max(1, delivered)) * 1000;
    const windowSeconds = (windowEnd - windowStart) / 1000;
    const nodeSeconds = Object.fromEntries([...nodeCpu].map(([id, meter]) => [id, meter.seconds]));
    const nodesTotal = Object.values(nodeSeconds).reduce((sum, value) => sum + value, 0);
    return {
      delivered: {
        occurrences: delivered,
        perSecond: delivered / windowSeconds,
        minSecond: Math.min(...received.perSecond),
        maxSecond: Math.max(...received.perSecond),
      },
      recorded: { rows: byStatus.SUCCEEDED ?? 0, perSecond: (byStatus.SUCCEEDED ?? 0) / windowSeconds, byStatus, byNode },
      lateness: received.lateness,
      missed: received.windowMissed,
      duplicated: received.windowDuplicates,
      warmup: { missed: received.warmupMissed, duplicated: received.warmupDuplicates },
      unexpectedRequests: received.unexpected,
      cpu: {
        nodeSeconds,
        nodesPer1000: per1000(nodesTotal),
        postgresPer1000: per1000(pgFigures.backendCpuSeconds),
        postgresBackgroundPer1000: per1000(pgFigures.backgroundCpuSeconds),
        receiverPer1000: per1000(receiverCpu.seconds),
        machineBusyCores: (machineEnd.busy - machineStart.busy) / windowSeconds,
      },
      nodeRssMiB: rss,
      historyRowsWritten: pgFigures.tables.executions?.inserted ?? 0,
      walBytesPerFiring: pgFigures.walBytes / Math.max(1, delivered),
      postgres: pgFigures,
      loadAverage: load,
      nodeProblems,
      pause,
      gc,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop().catch(() => null)));
    await receiver?.close();
    await database.drop();
  }
}

/** MISSED occurrences of the jobs not paused, per second of scheduled time, before and after the pause. */
async function pauseFigures(
  client: pg.Client,
  params: { paused: readonly string[]; pauseAt: number; windowStart: number; windowEnd: number },
): Promise<PauseFigures> {
  const { rows } = await client.query<{ second: string; missed: string }>(
    `SELECT (extract(epoch FROM date_trunc('second', scheduled_at)) * 1000)::bigint::text AS second, count(*)::text AS missed
     FROM executions
     WHERE status = 'MISSED' AND scheduled_at >= $1 AND scheduled_at < $2 AND NOT job_id = ANY($3::uuid[])
     GROUP BY 1`,
    [new Date(params.windowStart).toISOString(), new Date(params.windowEnd).toISOString(), params.paused],
  );
  const pauseSecond = Math.floor(params.pauseAt / 1000) * 1000;
  const after = new Array<number>(Math.max(0, Math.ceil((params.windowEnd - pauseSecond) / 1000))).fill(0);
  let missedBefore = 0;
  for (const row of rows) {
    const second = Number(row.second);
    if (second < pauseSecond) missedBefore += Number(row.missed);
    else after[(second - pauseSecond) / 1000] = Number(row.missed);
  }
  const last = after.findLastIndex((missed) => missed > 0);
  return {
    pausedJobs: params.paused.length,
    missedBefore,
    missedAfter: after.reduce((sum, missed) => sum + missed, 0),
    recoverySeconds: last + 1,
    missedPerSecondAfter: after,
  };
}

function row(label: string, result: RunResult): string[] {
  const rssMax = Math.max(...Object.values(result.nodeRssMiB).map((rss) => rss.max));
  return [
    label,
    fmt(result.delivered.perSecond),
    fmt(result.recorded.perSecond),
    fmt(result.lateness.p50, 1),
    fmt(result.lateness.p95, 1),
    fmt(result.lateness.p99, 1),
    fmt(result.lateness.max, 0),
    fmt(result.missed),
    fmt(result.duplicated),
    fmt(result.cpu.nodesPer1000, 3),
    fmt(result.cpu.postgresPer1000, 3),
    fmt(result.cpu.postgresBackgroundPer1000, 3),
    fmt(result.cpu.receiverPer1000, 3),
    fmt(result.cpu.machineBusyCores, 2),
    fmt(rssMax),
  ];
}

const HEADER = [
  'run', 'delivered/s', 'recorded/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'missed', 'dup',
  'node CPU s/1k', 'PG CPU s/1k', 'PG bg s/1k', 'receiver s/1k', 'machine busy cores', 'node RSS MiB',
];

/** The median of every numeric figure of the table over the runs. */
function medianResult(results: readonly RunResult[]): RunResult {
  const pick = (get: (result: RunResult) => number): number => median(results.map(get));
  const first = results[0]!;
  return {
    ...first,
    delivered: { occurrences: pick((r) => r.delivered.occurrences), perSecond: pick((r) => r.delivered.perSecond), minSecond: pick((r) => r.delivered.minSecond), maxSecond: pick((r) => r.delivered.maxSecond) },
    recorded: { ...first.recorded, rows: pick((r) => r.recorded.rows), perSecond: pick((r) => r.recorded.perSecond) },
    lateness: { p50: pick((r) => r.lateness.p50), p95: pick((r) => r.lateness.p95), p99: pick((r) => r.lateness.p99), max: pick((r) => r.lateness.max), mean: pick((r) => r.lateness.mean) },
    missed: pick((r) => r.missed),
    duplicated: pick((r) => r.duplicated),
    cpu: {
      ...first.cpu,
      nodesPer1000: pick((r) => r.cpu.nodesPer1000),
      postgresPer1000: pick((r) => r.cpu.postgresPer1000),
      postgresBackgroundPer1000: pick((r) => r.cpu.postgresBackgroundPer1000),
      receiverPer1000: pick((r) => r.cpu.receiverPer1000),
      machineBusyCores: pick((r) => r.cpu.machineBusyCores),
    },
    nodeRssMiB: { median: { start: NaN, max: pick((r) => Math.max(...Object.values(r.nodeRssMiB).map((rss) => rss.max))), end: NaN } },
  };
}

/** Prints one run's row and what else it measured (the pause, PostgreSQL's activity and statements). */
function printRun(label: string, result: RunResult): void {
  console.error(markdownTable(HEADER, [row(label, result)]));
  if (result.pause) {
    const { pausedJobs, missedBefore, missedAfter, recoverySeconds, missedPerSecondAfter } = result.pause;
    console.error(
      `pause: ${pausedJobs} jobs paused; the others missed ${missedBefore} occurrences before and ${missedAfter} after, ` +
        `none from ${recoverySeconds} s after the pause on; per second after it: ${missedPerSecondAfter.join(' ')}`,
    );
  }
  for (const [id, gc] of Object.entries(result.gc ?? {})) {
    if (!gc) {
      console.error(`gc ${id}: no log`);
      continue;
    }
    console.error(
      `gc ${id}: ${gc.youngCollections} young collections (+${gc.youngCollectionsAsked} asked for), ${gc.fullCollections} full; ` +
        `pauses ${fmt(gc.pauseMsPerSecond, 1)} ms/s; old generation growing ${fmt(gc.oldGrowthMiBPerSecond, 2)} MiB/s` +
        (gc.oldAfterFullMiB === null ? '' : `, ${fmt(gc.oldAfterFullMiB, 1)} MiB after the last full collection`),
    );
  }
  if (result.postgres.activity.length > 0) {
    console.error(`pg_stat_activity, ${result.postgres.activitySamples} samples of the run's active backends:`);
    for (const { what, samples } of result.postgres.activity) console.error(`  ${String(samples).padStart(6)}  ${what}`);
  }
  if (result.postgres.statements.length > 0) {
    const window = options.seconds;
    console.error(
      `pg_stat_statements over the ${window} s window (execution time, ms per second of window; planning time, the same, with pg_stat_statements.track_planning; calls; mean ms; rows):`,
    );
    for (const { query, calls, totalMs, meanMs, planMs, rows } of result.postgres.statements) {
      console.error(
        `  ${fmt(totalMs / window, 1).padStart(8)}  ${fmt(planMs / window, 1).padStart(6)}  ${fmt(calls).padStart(8)}  ${fmt(meanMs, 3).padStart(8)}  ${fmt(rows).padStart(10)}  ${query}`,
      );
    }
  }
}

async function writeRuns(extra: Record<string, unknown>): Promise<string> {
  const postgresVersion = await serverVersion();
  return writeResult(name, {
    name,
    date: new Date().toISOString(),
    machine: describeMachine(postgresVersion),
    options: { ...options, maxPerHost, ...(options.engine === 'bare' ? { floorConnections } : {}), engineEnv },
    ...extra,
  });
}

/** The other revision of --against, built, and the Build its runs start; null without --against. */
async function otherBuild(): Promise<{ readonly build: Build; readonly commit: string } | null> {
  if (options.against === null) return null;
  const other = await prepareOtherBuild(options.against);
  if (options.pauseAtSeconds !== null && other.database.pauseJobs === undefined) {
    throw new Error(`--pause-at: ${options.against}'s bench harness cannot pause jobs (it has no pauseJobs)`);
  }
  const label = `${options.against} (${other.commit.slice(0, 12)})`;
  return { build: { label, nodePrefix: 'against', programDir: other.directory, database: other.database }, commit: other.commit };
}

/** This tree's figures as multiples of the other revision's, in one line. */
function ratios(mine: RunResult, theirs: RunResult, against: string): string {
  const ratio = (a: number, b: number): string => (b > 0 ? `${fmt(a / b, 2)}x` : '-');
  return (
    `this tree as a multiple of ${against}: delivered/s ${ratio(mine.delivered.perSecond, theirs.delivered.perSecond)}, ` +
    `p99 ${ratio(mine.lateness.p99, theirs.lateness.p99)}, node CPU per firing ${ratio(mine.cpu.nodesPer1000, theirs.cpu.nodesPer1000)}, ` +
    `PostgreSQL CPU per firing ${ratio(mine.cpu.postgresPer1000, theirs.cpu.postgresPer1000)}`
  );
}

async function measureRuns(): Promise<void> {
  const other = await otherBuild();
  const results: RunResult[] = [];
  const otherResults: RunResult[] = [];
  for (let index = 1; index <= options.runs; index++) {
    // The other revision first, then this tree: alternating, so a drift of the machine's speed
    // during the series falls on both alike.
    if (other) {
      const result = await run(index, options.againstJobs, other.build);
      otherResults.push(result);
      printRun(`${other.build.label} #${index}`, result);
    }
    const result = await run(index, options.jobs, THIS_TREE);
    results.push(result);
    printRun(`${name} #${index}`, result);
  }
  const summarize = (runs: readonly RunResult[]): RunResult => (runs.length > 1 ? medianResult(runs) : runs[0]!);
  const summary = summarize(results);
  const otherSummary = other ? summarize(otherResults) : null;
  const path = await writeRuns({
    summary,
    runs: results,
    ...(other ? { against: { revision: options.against, commit: other.commit, jobs: options.againstJobs, summary: otherSummary, runs: otherResults } } : {}),
  });
  const medianOf = options.runs > 1 ? ` (median of ${options.runs})` : '';
  const rows = [row(`${name}${medianOf}`, summary)];
  if (other) rows.push(row(`${other.build.label}${medianOf}`, otherSummary!));
  console.log(markdownTable(HEADER, rows));
  if (other) console.log(`\n${ratios(summary, otherSummary!, options.against!)}`);
  console.log(`\n${fmt(summary.delivered.perSecond)} firings/s delivered; written to ${path}`);
}

/** One build's capacity search: the windows measured so far and the N of its next. */
interface Search {
  readonly build: Build;
  readonly maxJobs: number;
  readonly windows: { jobs: number; result: RunResult }[];
  next: number;
  done: boolean;
}

/** The largest N of a search whose window missed none, and its first window that missed. */
function searchOutcome(search: Search): { largestClean: number | null; firstMissed: { jobs: number; missed: number } | null } {
  // A search stops at its first window that missed: every window before it missed none.
  const firstMissed = search.windows.find((window) => window.result.missed > 0) ?? null;
  return {
    largestClean: search.windows.findLast((window) => window.result.missed === 0)?.jobs ?? null,
    firstMissed: firstMissed && { jobs: firstMissed.jobs, missed: firstMissed.result.missed },
  };
}

function verdict(search: Search): string {
  const { largestClean, firstMissed } = searchOutcome(search);
  const start = search.windows[0]!.jobs;
  return largestClean === null
    ? `none: the first window, N=${fmt(start)}, already missed ${fmt(firstMissed!.missed)} occurrences; start lower`
    : `${fmt(largestClean)} jobs firing every second with none missed in ${options.seconds} s` +
        (firstMissed ? `; N=${fmt(firstMissed.jobs)} missed ${fmt(firstMissed.missed)}` : `; --max-jobs ${fmt(search.maxJobs)} reached without a miss`);
}

/**
 * The capacity as the targets define it: the largest N whose whole window missed no
 * occurrence. One window per N, from --jobs up by --step, stopping at the first that missed:
 * the next N up would be measured on the same edge. A single window decides each N, so on a
 * noisy machine run it twice; with --against the other revision's search is interleaved with
 * this tree's, window by window.
 */
async function searchCapacity(): Promise<void> {
  const other = await otherBuild();
  const searchFrom = (build: Build, jobs: number): Search => ({
    build,
    maxJobs: options.maxJobs ?? 4 * jobs,
    windows: [],
    next: jobs,
    done: false,
  });
  const mine = searchFrom(THIS_TREE, options.jobs);
  const theirs = other ? searchFrom(other.build, options.againstJobs) : null;
  // The other revision's window first at each turn, as in measureRuns.
  const searches = theirs ? [theirs, mine] : [mine];
  for (let index = 1; searches.some((search) => !search.done); ) {
    for (const search of searches.filter((candidate) => !candidate.done)) {
      const result = await run(index++, search.next, search.build);
      search.windows.push({ jobs: search.next, result });
      printRun(`${other ? `${search.build.label} ` : `${name} `}N=${search.next}`, result);
      search.next += options.step;
      search.done = result.missed > 0 || search.next > search.maxJobs;
    }
  }
  const windowsOf = (search: Search): Record<string, unknown>[] => search.windows.map(({ jobs, result }) => ({ jobs, ...result }));
  const path = await writeRuns({
    capacity: searchOutcome(mine),
    runs: windowsOf(mine),
    ...(theirs ? { against: { revision: options.against, commit: other!.commit, capacity: searchOutcome(theirs), runs: windowsOf(theirs) } } : {}),
  });
  for (const search of searches) {
    if (other) console.log(`\n${search.build.label}:`);
    console.log(markdownTable(['N', ...HEADER.slice(1)], search.windows.map(({ jobs, result }) => row(fmt(jobs), result))));
  }
  console.log(`\ncapacity${other ? ` of ${THIS_TREE.label}` : ''}: ${verdict(mine)}`);
  if (theirs) {
    console.log(`capacity of ${theirs.build.label}: ${verdict(theirs)}`);
    const [a, b] = [searchOutcome(mine), searchOutcome(theirs)];
    // A search that reached --max-jobs without a miss gives a lower bound, not a capacity.
    if (a.largestClean !== null && b.largestClean !== null && b.firstMissed !== null) {
      const bound = a.firstMissed === null ? 'at least ' : '';
      console.log(`this tree's capacity as a multiple of ${options.against}'s: ${bound}${fmt(a.largestClean / b.largestClean, 2)}x`);
    }
  }
  console.log(`written to ${path}`);
}

async function main(): Promise<void> {
  if (options.capacity) await searchCapacity();
  else await measureRuns();
}

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

await main();
