/**
 * Query plans of every statement that reads or updates execution history, on a partitioned
 * history of realistic shape: 33 partitions of one hour (30 in the past, the present, 2 ahead),
 * 1,000 jobs, 20,000 attempts an hour (620,000 rows), 2,000 open attempts in the present hour. Each
 * store call is made once with its statements recorded, then each statement is run again
 * under EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back.
 *
 * Run: npm run bench:plans [-- --hours 30 --per-hour 20000]
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL, else DATABASE_URL): a PostgreSQL whose user may
 *   create databases; the run gets its own database, dropped at the end.
 * Prints markdown: per store call, the partitions the plan reads and the plan itself.
 */
import { parseArgs } from 'node:util';
import { uuidv7 } from '../src/ids.js';
import { silentLogger } from '../src/logging.js';
import { PgDb } from '../src/store/postgres/pg-db.js';
import { SqlStore } from '../src/store/sql-store.js';
import type { ExecutionInsert } from '../src/store/types.js';
import { systemClock } from '../src/time/system-clock.js';
import { spyOnStatements } from '../test/store/statement-spy.js';
import { createBenchDatabase, createJobs } from './harness/database.js';

const { values: args } = parseArgs({ options: { hours: { type: 'string', default: '30' }, 'per-hour': { type: 'string', default: '20000' } } });
const HOURS = Number(args.hours);
const PER_HOUR = Number(args['per-hour']);
const HOUR = 60 * 60 * 1000;
const JOBS = 1000;

interface Recorded {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Planner settings the store sent before it in its transaction (set_config calls). */
  readonly settings: readonly string[];
}

class Rollback extends Error {}

async function main(): Promise<void> {
  const database = await createBenchDatabase('bench_plans');
  const db = new PgDb({ connectionString: database.url, poolSize: 2, schema: null, logger: silentLogger() });
  const store = new SqlStore({ db, schema: null, logger: silentLogger(), clock: systemClock });
  try {
    const now = Date.now();
    const thisHour = Math.floor(now / HOUR) * HOUR;
    await store.executionPartitionsPrepare({ now: new Date(thisHour - HOURS * HOUR), partitionMs: HOUR, ahead: HOURS + 2, lockTimeoutMs: 5000 });
    const jobIds = await createJobs(store, JOBS, { api: 'http://127.0.0.1:9/hook', schedule: '* * * * * *', type: 'AT_LEAST_ONCE' });
    for (let hour = HOURS; hour >= 0; hour--) {
      const start = thisHour - hour * HOUR;
      const count = PER_HOUR;
      const rows: ExecutionInsert[] = [];
      for (let i = 0; i < count; i++) {
        const scheduledAt = new Date(start + Math.floor(i / JOBS) * Math.floor(HOUR / (PER_HOUR / JOBS)));
        const open = hour === 0 && i >= count / 2 && i < count / 2 + 2 * JOBS;
        const status = open ? 'SCHEDULED' : i % 50 === 0 ? 'FAILED' : 'SUCCEEDED';
        const ownerNode = open ? (i % 2 === 0 ? 'node-a' : null) : 'node-a';
        rows.push({ id: uuidv7(scheduledAt.getTime()), jobId: jobIds[i % JOBS]!, scheduledAt, trigger: 'schedule', attempt: 1, dueAt: scheduledAt, status, ownerNode, ...(open ? {} : { startedAt: scheduledAt, finishedAt: scheduledAt, durationMs: 3, httpStatus: 200 }) });
      }
      for (let i = 0; i < rows.length; i += 5000) await store.executionWrite({ inserts: rows.slice(i, i + 5000) });
    }
    await database.client.query('ANALYZE');
    const rows = (await database.client.query<{ n: string; parts: string }>(`SELECT count(*)::text AS n, count(DISTINCT tableoid)::text AS parts FROM executions`)).rows[0]!;
    const size = (
      await database.client.query<{ heap: string; indexes: string }>(
        `SELECT sum(pg_table_size(inhrelid))::text AS heap, sum(pg_indexes_size(inhrelid))::text AS indexes FROM pg_inherits WHERE inhparent = 'executions'::regclass`,
      )
    ).rows[0]!;
    const perRow = (bytes: string): string => (Number(bytes) / Number(rows.n)).toFixed(0);
    console.log(`${rows.n} rows in ${rows.parts} partitions holding rows; ${(await store.executionPartitionList()).length} partitions in all`);
    console.log(`bytes per row, each written once: ${perRow(size.heap)} in the tables, ${perRow(size.indexes)} in the indexes\n`);

    const open = (await store.executionListOwned({ nodeId: 'node-a', dueBefore: new Date(now + HOUR), limit: 1000 })).map((c) => c.execution);
    const jobId = jobIds[7]!;
    const firstPage = await store.executionList({ jobId, limit: 50 });
    const calls: [string, () => Promise<unknown>][] = [
      ['history page (first)', () => store.executionList({ jobId, limit: 50 })],
      ["a job's last run (jobGet)", () => store.jobGet(jobId)],
      ['job list page with last runs', () => store.jobList({ limit: 50 })],
      ['outcomes by job (24 h)', () => store.executionOutcomesByJob({ jobIds: jobIds.slice(0, 50), since: new Date(now - 24 * HOUR) })],
      ['firing rate (last 60 s)', () => store.executionCountRecent({ windowMs: 60_000 })],
      ['dashboard timeline (15 min)', () => store.executionTimeline({ windowMs: 15 * 60_000, bucketMs: 60_000 })],
      ['open attempts of a node', () => store.executionListOwned({ nodeId: 'node-a', dueBefore: new Date(now + HOUR), limit: 1000 })],
      ['claim of unowned attempts', () => store.executionClaimDue({ nodeId: 'node-b', until: new Date(now + HOUR), limit: 1000 })],
      ['overlap check', () => store.executionFindOverlaps({ candidates: open.slice(0, 100).map((e) => ({ id: e.id, jobId: e.jobId, scheduledAt: e.scheduledAt, trigger: e.trigger })), now: new Date(now) })],
      ['mark running (1,000 by id)', () => store.executionMarkRunning({ ids: open.map((e) => e.id), scheduledAt: open.map((e) => e.scheduledAt), startedAt: new Date(now) })],
      [
        'completions (1,000 by id)',
        () => store.executionWrite({ completions: open.map((e) => ({ id: e.id, scheduledAt: e.scheduledAt, status: 'SUCCEEDED' as const, startedAt: new Date(now), finishedAt: new Date(now), durationMs: 1, httpStatus: 200, error: null })) }),
      ],
      ['reaper: owners of open attempts', () => store.nodeReapDead({ timeoutMs: 3_600_000 })],
    ];
    // A history of a few hundred attempts an hour holds no second page of the job to plan.
    const nextCursor = firstPage.nextCursor;
    if (nextCursor !== null) calls.splice(1, 0, ['history page (next)', () => store.executionList({ jobId, limit: 50, cursor: nextCursor })]);
    const partitions = new Set((await store.executionPartitionList()).map((p) => p.name));
    for (const [label, call] of calls) {
      for (const { text, values, settings } of await recordStatements(db, call)) {
        const plan = await explain(db, text, values, settings);
        const read = [...new Set([...plan.matchAll(/\b(executions_\w+)/g)].map((m) => m[1]!).filter((name) => partitions.has(name)))];
        console.log(`### ${label}\n\nPartitions read: ${read.length} of ${partitions.size}\n\n\`\`\`\n${plan}\n\`\`\`\n`);
      }
    }
  } finally {
    await store.close();
    await database.drop();
  }
}

/**
 * Statements on executions that `call` sends, in and out of transactions. Those that change
 * executions are not run (they answer no rows), so that each plan below is of a statement that
 * finds the rows it is meant to change.
 */
async function recordStatements(db: PgDb, call: () => Promise<unknown>): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  // One store call a recording: its settings apply to the statements that follow them.
  const settings: string[] = [];
  await spyOnStatements(
    db,
    (text, values) => {
      if (/^\s*SELECT set_config\(/.test(text)) settings.push(text);
      if (!/\bexecutions\b/.test(text) || /^\s*(SET|SELECT pg_)/.test(text)) return undefined;
      recorded.push({ text, values, settings: [...settings] });
      return /^\s*(UPDATE|WITH picked)/.test(text) ? { rows: [], rowCount: 0 } : undefined;
    },
    call,
  );
  return recorded;
}

/**
 * EXPLAIN ANALYZE in a transaction rolled back afterwards, under the planner settings the store
 * sent before the statement; long literal arrays shortened.
 */
async function explain(db: PgDb, text: string, values: readonly unknown[], settings: readonly string[]): Promise<string> {
  let plan = '';
  try {
    await db.transaction(async (tx) => {
      for (const setting of settings) await tx.query(setting);
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values);
      plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return plan.replace(/'\{[^}]{80,}\}'/g, "'{…}'");
}

await main();
