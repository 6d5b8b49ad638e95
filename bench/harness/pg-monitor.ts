/**
 * What PostgreSQL spends on a run: CPU of the backends connected to the run's database
 * (client connections and autovacuum workers), CPU of the server's shared background
 * processes (WAL writer, checkpointer, ...: shared with every other database on the server),
 * WAL written, row counts from pg_stat_user_tables, and optionally a sampled profile of the
 * statements the run's backends are busy with (pg_stat_activity every `sampleEveryMs`) and the
 * statements' own timings over the window (pg_stat_statements, when the server loads it).
 */
import type pg from 'pg';
import { CpuMeter } from './proc.js';

export interface TableCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly hotUpdated: number;
  readonly deleted: number;
}

export interface PgFigures {
  readonly backendCpuSeconds: number;
  readonly backgroundCpuSeconds: number;
  readonly walBytes: number;
  readonly tables: Record<string, TableCounts>;
  /** Samples per (state, wait event, statement), most frequent first; empty unless sampling. */
  readonly activity: { readonly samples: number; readonly what: string }[];
  readonly activitySamples: number;
  /** The window's statements by total execution time, most first; empty unless asked for. */
  readonly statements: readonly StatementFigures[];
}

export interface StatementFigures {
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
  /** Planning time over the window: 0 unless the server sets pg_stat_statements.track_planning. */
  readonly planMs: number;
  readonly rows: number;
}

/** What pg_stat_statements holds for one statement of the run's database at one moment. */
type StatementCounters = Omit<StatementFigures, 'meanMs'>;

export class PgMonitor {
  readonly #admin: pg.Client;
  readonly #client: pg.Client;
  readonly #database: string;
  readonly #backends = new CpuMeter();
  readonly #background = new CpuMeter();
  readonly #activity = new Map<string, number>();
  #activitySamples = 0;
  #walStart = '0/0';
  #tablesStart: Record<string, TableCounts> = {};
  readonly #statements: boolean;
  #statementsStart = new Map<string, StatementCounters>();

  constructor(options: { admin: pg.Client; client: pg.Client; database: string; statements?: boolean }) {
    this.#admin = options.admin;
    this.#client = options.client;
    this.#database = options.database;
    this.#statements = options.statements ?? false;
  }

  async begin(): Promise<void> {
    if (this.#statements) {
      const loaded = await this.#client.query<{ libraries: string }>("SELECT current_setting('shared_preload_libraries') AS libraries");
      if (!/\bpg_stat_statements\b/.test(loaded.rows[0]!.libraries)) {
        throw new Error("--pg-statements: the server does not load pg_stat_statements (ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', then restart it)");
      }
      await this.#client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      this.#statementsStart = await this.#statementCounters();
    }
    const { own, background } = await this.#pids();
    this.#backends.begin(own);
    this.#background.begin(background);
    this.#walStart = (await this.#admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
    this.#tablesStart = await this.#tables();
  }

  /** Records CPU of the backends alive now (call every few hundred ms); `activity` also samples statements. */
  async sample(activity: boolean): Promise<void> {
    const { own, background, active } = await this.#pids();
    this.#backends.sample(own);
    this.#background.sample(background);
    if (!activity) return;
    this.#activitySamples++;
    for (const what of active) this.#activity.set(what, (this.#activity.get(what) ?? 0) + 1);
  }

  async end(): Promise<PgFigures> {
    await this.sample(false);
    const wal = await this.#admin.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes', [this.#walStart]);
    const tables = await this.#tables();
    const statements = this.#statements ? this.#statementDeltas(await this.#statementCounters()) : [];
    const delta: Record<string, TableCounts> = {};
    for (const [name, counts] of Object.entries(tables)) {
      const before = this.#tablesStart[name] ?? { inserted: 0, updated: 0, hotUpdated: 0, deleted: 0 };
      delta[name] = {
        inserted: counts.inserted - before.inserted,
        updated: counts.updated - before.updated,
        hotUpdated: counts.hotUpdated - before.hotUpdated,
        deleted: counts.deleted - before.deleted,
      };
    }
    return {
      backendCpuSeconds: this.#backends.seconds,
      backgroundCpuSeconds: this.#background.seconds,
      walBytes: Number(wal.rows[0]!.bytes),
      tables: delta,
      activity: [...this.#activity].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([what, samples]) => ({ what, samples })),
      activitySamples: this.#activitySamples,
      statements,
    };
  }

  /** Every statement pg_stat_statements has seen in the run's database, by its query id. */
  async #statementCounters(): Promise<Map<string, StatementCounters>> {
    const result = await this.#client.query<{ id: string; query: string; calls: string; total: number; plan: number; rows: string }>(
      `SELECT queryid::text AS id, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query, calls::text AS calls,
              total_exec_time AS total, total_plan_time AS plan, rows::text AS rows
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return new Map(result.rows.map((row) => [row.id, { query: row.query, calls: Number(row.calls), totalMs: row.total, planMs: row.plan, rows: Number(row.rows) }]));
  }

  #statementDeltas(now: Map<string, StatementCounters>): StatementFigures[] {
    const deltas: StatementFigures[] = [];
    for (const [id, counters] of now) {
      const before = this.#statementsStart.get(id);
      const calls = counters.calls - (before?.calls ?? 0);
      if (calls === 0) continue;
      const totalMs = counters.totalMs - (before?.totalMs ?? 0);
      const planMs = counters.planMs - (before?.planMs ?? 0);
      deltas.push({ query: counters.query, calls, totalMs, meanMs: totalMs / calls, planMs, rows: counters.rows - (before?.rows ?? 0) });
    }
    return deltas.sort((a, b) => b.totalMs + b.planMs - (a.totalMs + a.planMs)).slice(0, 12);
  }

  async #pids(): Promise<{ own: number[]; background: number[]; active: string[] }> {
    const result = await this.#admin.query<{ pid: number; datname: string | null; state: string | null; wait: string | null; query: string }>(
      `SELECT pid, datname, state, coalesce(wait_event_type || ':' || wait_event, '') AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
       FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND (datname = $1 OR datname IS NULL) AND application_name <> 'jobscheduler-bench'`,
      [this.#database],
    );
    const own: number[] = [];
    const background: number[] = [];
    const active: string[] = [];
    for (const row of result.rows) {
      if (row.datname === null) background.push(row.pid);
      else own.push(row.pid);
      if (row.datname !== null && row.state === 'active') active.push(`${row.wait || 'CPU'} | ${row.query}`);
    }
    return { own, background, active };
  }

  async #tables(): Promise<Record<string, TableCounts>> {
    // Backends publish their counters when idle, at most once a second: read after a pause.
    const result = await this.#client.query<{ relname: string; ins: string; upd: string; hot: string; del: string }>(
      `SELECT relname, n_tup_ins::text AS ins, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot, n_tup_del::text AS del
       FROM pg_stat_user_tables WHERE relname IN ('jobs', 'executions')`,
    );
    return Object.fromEntries(
      result.rows.map((row) => [row.relname, { inserted: Number(row.ins), updated: Number(row.upd), hotUpdated: Number(row.hot), deleted: Number(row.del) }]),
    );
  }
}
