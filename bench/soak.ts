/**
 * Soak benchmark: N jobs firing every second for M minutes against one scheduler node on
 * PostgreSQL, with history retention of a few minutes, so that history reaches its steady
 * size early and retention runs all along. Every minute it records what must stay flat:
 * PostgreSQL CPU per firing, the statements' mean times (pg_stat_statements), the size of the
 * executions table(s) and their indexes, live and dead tuples, and the lateness of the
 * minute's firings.
 *
 * Run: npm run bench:soak -- [--jobs 10000] [--minutes 10] [--retention-minutes 3]
 *        [--partition-minutes 1] [--retention partitions|rows] [--name soak-...]
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): a PostgreSQL whose user may
 *   create databases and whose server loads pg_stat_statements; the run gets its own database.
 *   --retention partitions: the node keeps partitions of --partition-minutes and drops them
 *     once older than --retention-minutes (JOBSCHEDULER_HISTORY_* settings).
 *   --retention rows: the harness deletes expired rows every 15 s in batches of 5,000, with
 *     the statement retention used before partitioning (for a comparison run against a
 *     version whose schema has one executions table and whose retention is counted in days).
 *
 * Writes bench/results/<name>.json and prints one markdown row per minute.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { spawnNode, spawnReceiver, type NodeProcess, type ReceiverProcess } from './harness/children.js';
import { createBenchDatabase, createJobs, startJobsAt } from './harness/database.js';
import { CpuMeter, loadAverage, machineCpu } from './harness/proc.js';
import { describeMachine, fmt, markdownTable, sleep, sleepUntil, writeResult } from './harness/report.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '30' },
    'retention-minutes': { type: 'string', default: '3' },
    'partition-minutes': { type: 'string', default: '1' },
    retention: { type: 'string', default: 'partitions' },
    name: { type: 'string' },
  },
});

const options = {
  jobs: Number(args.jobs),
  minutes: Number(args.minutes),
  warmupSeconds: Number(args.warmup),
  retentionMinutes: Number(args['retention-minutes']),
  partitionMinutes: Number(args['partition-minutes']),
  retention: args.retention === 'rows' ? ('rows' as const) : ('partitions' as const),
};
if (args.retention !== 'rows' && args.retention !== 'partitions') throw new Error('--retention is partitions or rows');
const name = args.name ?? `soak-${options.retention}-n${options.jobs}-m${options.minutes}`;
const MINUTE = 60_000;
/** Rows-mode sweep: the interval and batch of the engine's sweep, at minute scale. */
const ROW_SWEEP_MS = 15_000;
const ROW_BATCH = 5000;
/** How long after its end a minute's history is read: every attempt of it is written by then. */
const HISTORY_LAG_MS = 10_000;

interface Storage {
  /** Tables of executions: 1 unpartitioned, else its partitions. */
  readonly tables: number;
  readonly tableMiB: number;
  readonly indexMiB: number;
  readonly liveTuples: number;
  readonly deadTuples: number;
  readonly autovacuums: number;
}

interface Statement {
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
}

interface MinuteFigures {
  readonly minute: number;
  /** Attempts of the minute (by scheduled time, the minute ending 10 s before the sample) that succeeded, per second. */
  readonly recordedPerSecond: number;
  readonly missed: number;
  /** started_at - scheduled_at of the minute's attempts, as the node recorded it. */
  readonly latenessP50Ms: number | null;
  readonly latenessP99Ms: number | null;
  readonly postgresCpuSeconds: number;
  readonly postgresCpuUsPerFiring: number;
  readonly machineBusyCores: number;
  readonly storage: Storage;
  readonly statements: readonly Statement[];
  readonly rowsDeleted: number;
}

async function storage(client: pg.Client): Promise<Storage> {
  const { rows } = await client.query<{ tables: number; table_bytes: string; index_bytes: string; live: string; dead: string; autovacuums: string }>(
    `SELECT count(*)::int AS tables, coalesce(sum(pg_table_size(relid)), 0)::text AS table_bytes, coalesce(sum(pg_indexes_size(relid)), 0)::text AS index_bytes,
            coalesce(sum(n_live_tup), 0)::text AS live, coalesce(sum(n_dead_tup), 0)::text AS dead, coalesce(sum(autovacuum_count), 0)::text AS autovacuums
     FROM pg_stat_user_tables WHERE relname = 'executions' OR relname LIKE 'executions\\_%'`,
  );
  const row = rows[0]!;
  return {
    tables: row.tables,
    tableMiB: Number(row.table_bytes) / 2 ** 20,
    indexMiB: Number(row.index_bytes) / 2 ** 20,
    liveTuples: Number(row.live),
    deadTuples: Number(row.dead),
    autovacuums: Number(row.autovacuums),
  };
}

async function statementCounters(client: pg.Client): Promise<Map<string, Omit<Statement, 'meanMs'>>> {
  const { rows } = await client.query<{ id: string; query: string; calls: string; total: number }>(
    `SELECT queryid::text AS id, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query, calls::text AS calls, total_exec_time AS total
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return new Map(rows.map((row) => [row.id, { query: row.query, calls: Number(row.calls), totalMs: row.total }]));
}

function statementDeltas(before: Map<string, Omit<Statement, 'meanMs'>>, now: Map<string, Omit<Statement, 'meanMs'>>): Statement[] {
  const out: Statement[] = [];
  for (const [id, counters] of now) {
    const calls = counters.calls - (before.get(id)?.calls ?? 0);
    if (calls <= 0) continue;
    const totalMs = counters.totalMs - (before.get(id)?.totalMs ?? 0);
    out.push({ query: counters.query, calls, totalMs, meanMs: totalMs / calls });
  }
  return out.sort((a, b) => b.totalMs - a.totalMs).slice(0, 10);
}

/** The minute's attempts by scheduled time: successes, misses and lateness as recorded. */
async function minuteHistory(client: pg.Client, from: number): Promise<{ succeeded: number; missed: number; p50: number | null; p99: number | null }> {
  const { rows } = await client.query<{ succeeded: number; missed: number; p50: number | null; p99: number | null }>(
    `SELECT count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS succeeded, count(*) FILTER (WHERE status = 'MISSED')::int AS missed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at) * 1000) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at) * 1000) AS p99
     FROM executions WHERE scheduled_at >= $1 AND scheduled_at < $2`,
    [new Date(from).toISOString(), new Date(from + MINUTE).toISOString()],
  );
  return rows[0]!;
}

/** Retention as it was before partitioning: expired finished rows, 5,000 a statement, until a batch comes back short. */
async function deleteExpiredRows(client: pg.Client): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await client.query(
      `DELETE FROM executions
       WHERE id IN (
         SELECT id FROM executions
         WHERE created_at < now() - $1::int * interval '1 minute' AND status NOT IN ('SCHEDULED', 'RUNNING')
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )`,
      [options.retentionMinutes, ROW_BATCH],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < ROW_BATCH) return deleted;
  }
}

async function pidsOf(admin: pg.Client, database: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = $1 AND application_name <> 'jobscheduler-bench'`,
    [database],
  );
  return rows.map((row) => row.pid);
}

async function main(): Promise<void> {
  const database = await createBenchDatabase('bench_soak');
  let node: NodeProcess | null = null;
  let receiver: ReceiverProcess | null = null;
  let rowRetention: pg.Client | null = null;
  try {
    await database.client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    receiver = await spawnReceiver();
    await createJobs(database.store, options.jobs, { api: receiver.url, schedule: '* * * * * *', type: 'AT_MOST_ONCE' });
    const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('JOBSCHEDULER_'))) as Record<string, string>;
    if (options.retention === 'partitions') {
      env.JOBSCHEDULER_HISTORY_PARTITION_MINUTES = String(options.partitionMinutes);
      env.JOBSCHEDULER_HISTORY_RETENTION_MINUTES = String(options.retentionMinutes);
    }
    node = await spawnNode({ id: 'soak-node', databaseUrl: database.url, env });
    // A connection of its own, named unlike the harness's, so its CPU counts as PostgreSQL's.
    if (options.retention === 'rows') {
      rowRetention = new pg.Client({ connectionString: database.url, application_name: 'jobscheduler-row-retention' });
      await rowRetention.connect();
    }
    const firstSecond = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const windowStart = firstSecond + options.warmupSeconds * 1000;
    const windowEnd = windowStart + options.minutes * MINUTE;
    receiver.configure({ jobs: options.jobs, firstSecond, seconds: options.warmupSeconds + options.minutes * 60 + 10, windowStart, windowEnd, delayMs: 0 });
    await startJobsAt(database.client, new Date(firstSecond));
    console.error(`${name}: ${options.jobs} jobs from ${new Date(firstSecond).toISOString()}, ${options.minutes} minutes after ${options.warmupSeconds} s of warm-up`);
    await sleepUntil(firstSecond + 5000);
    await database.client.query('ANALYZE jobs, executions');
    await sleepUntil(windowStart);

    const cpu = new CpuMeter();
    cpu.begin(await pidsOf(database.admin, database.name));
    let statementsBefore = await statementCounters(database.client);
    let cpuBefore = 0;
    let machineBefore = machineCpu();
    const start = await storage(database.client);
    const minutes: MinuteFigures[] = [];
    let deletedThisMinute = 0;
    let nextRowSweep = Date.now() + ROW_SWEEP_MS;
    const load = { start: loadAverage(), end: 0 };
    for (let minute = 1; minute <= options.minutes; minute++) {
      const minuteEnd = windowStart + minute * MINUTE;
      while (Date.now() < minuteEnd) {
        cpu.sample(await pidsOf(database.admin, database.name));
        if (options.retention === 'rows' && Date.now() >= nextRowSweep) {
          deletedThisMinute += await deleteExpiredRows(rowRetention!);
          nextRowSweep += ROW_SWEEP_MS;
        }
        await sleep(Math.max(0, Math.min(250, minuteEnd - Date.now())));
      }
      cpu.sample(await pidsOf(database.admin, database.name));
      const cpuNow = cpu.seconds;
      const machineNow = machineCpu();
      const statementsNow = await statementCounters(database.client);
      // The minute that ended HISTORY_LAG_MS ago: its attempts have finished and been written.
      const history = await minuteHistory(database.client, minuteEnd - MINUTE - HISTORY_LAG_MS);
      const figures: MinuteFigures = {
        minute,
        recordedPerSecond: history.succeeded / 60,
        missed: history.missed,
        latenessP50Ms: history.p50,
        latenessP99Ms: history.p99,
        postgresCpuSeconds: cpuNow - cpuBefore,
        postgresCpuUsPerFiring: ((cpuNow - cpuBefore) / Math.max(1, history.succeeded)) * 1e6,
        machineBusyCores: (machineNow.busy - machineBefore.busy) / 60,
        storage: await storage(database.client),
        statements: statementDeltas(statementsBefore, statementsNow),
        rowsDeleted: deletedThisMinute,
      };
      minutes.push(figures);
      console.error(markdownTable(HEADER, [row(figures)]).split('\n').slice(minute === 1 ? 0 : 2).join('\n'));
      cpuBefore = cpuNow;
      machineBefore = machineNow;
      statementsBefore = statementsNow;
      deletedThisMinute = 0;
    }
    load.end = loadAverage();
    await sleep(3000);
    const code = await node.stop();
    if (code !== 0) console.error(`node exited with code ${code}`);
    const problems = { count: node.problemCount(), first: node.problems.slice(0, 5) };
    const received = await receiver.report();
    const version = (await database.client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    const path = writeResult(name, {
      name,
      date: new Date().toISOString(),
      machine: describeMachine(version),
      options,
      delivered: { occurrences: received.windowOccurrences, perSecond: received.windowOccurrences / (options.minutes * 60), missed: received.windowMissed, duplicated: received.windowDuplicates },
      lateness: received.lateness,
      loadAverage: load,
      storageAtStart: start,
      minutes,
      nodeProblems: problems,
    });
    console.log(markdownTable(HEADER, minutes.map(row)));
    console.log(
      `\n${fmt(received.windowOccurrences / (options.minutes * 60))} firings/s delivered, ${fmt(received.windowMissed)} missed, ${fmt(received.windowDuplicates)} duplicated; ` +
        `lateness p50 ${fmt(received.lateness.p50, 1)} ms, p99 ${fmt(received.lateness.p99, 1)} ms; written to ${path}`,
    );
  } finally {
    await node?.stop().catch(() => null);
    await rowRetention?.end().catch(() => null);
    await receiver?.close();
    await database.drop();
  }
}

const HEADER = [
  'minute', 'recorded/s', 'missed', 'p50 ms', 'p99 ms', 'PG CPU us/firing', 'machine busy cores',
  'tables', 'table MiB', 'index MiB', 'live rows', 'dead rows', 'autovacuums', 'rows deleted', 'top statement (mean ms)',
];

function row(figures: MinuteFigures): string[] {
  const top = figures.statements[0];
  return [
    String(figures.minute),
    fmt(figures.recordedPerSecond),
    fmt(figures.missed),
    figures.latenessP50Ms === null ? '-' : fmt(figures.latenessP50Ms, 1),
    figures.latenessP99Ms === null ? '-' : fmt(figures.latenessP99Ms, 1),
    fmt(figures.postgresCpuUsPerFiring, 1),
    fmt(figures.machineBusyCores, 2),
    fmt(figures.storage.tables),
    fmt(figures.storage.tableMiB, 1),
    fmt(figures.storage.indexMiB, 1),
    fmt(figures.storage.liveTuples),
    fmt(figures.storage.deadTuples),
    fmt(figures.storage.autovacuums),
    fmt(figures.rowsDeleted),
    top ? `${top.query.slice(0, 40)}… (${fmt(top.meanMs, 2)})` : '-',
  ];
}

await main();
