import pg from 'pg';
import type { Logger } from 'pino';
import { settings } from '../../config/schema.js';
import { DbConnectionError, DbTimeoutError, type Db, type DbNotifications, type Queryable, type QueryResult, type TransactionOptions } from '../db.js';
import { quoteIdent } from '../sql/identifiers.js';
import { named, statementText, type Statement } from '../statement.js';
import { databaseTimeouts, type DatabaseTimeouts } from '../timeouts.js';
import { BoundedCall } from './bounded-call.js';
import { PgListener } from './pg-listener.js';
import { waitAtMost } from './wait-at-most.js';

export interface PgDbOptions {
  readonly connectionString: string;
  readonly poolSize: number;
  /** Every connection's search_path; null keeps the server's default. */
  readonly schema: string | null;
  readonly logger: Logger;
  /** Shown in pg_stat_activity, so operators can tell the scheduler's connections apart. */
  readonly applicationName?: string;
  /** Default: derived from the default heartbeat interval and node timeout. */
  readonly timeouts?: DatabaseTimeouts;
  /**
   * Send named statements by their names (see statement.ts); false sends every statement
   * unnamed, for poolers that hand each transaction a different server session (PgBouncer
   * in transaction mode before 1.21). Default true.
   */
  readonly preparedStatements?: boolean;
}

/** One pool and how long its calls may take. */
interface Lane {
  readonly pool: pg.Pool;
  /** The whole of one call, from asking for a connection to its last row. */
  readonly boundMs: number;
  /** Waiting for a connection, free or new. */
  readonly connectMs: number;
}

interface LaneSettings extends Omit<Lane, 'pool'> {
  readonly max: number;
  /** statement_timeout of its sessions. */
  readonly statementMs: number;
}

/**
 * PostgreSQL through two pg Pools: the main one, and a control connection for the
 * statements the node's liveness hangs on (see Db.control).
 *
 * Every call is bounded (see timeouts.ts). When a call gets no answer in time its connection
 * is dropped, so a silent network costs one bound, never the kernel's retransmission timers;
 * the server, told the same bounds, ends a session whose client vanished and frees its locks.
 * When the control connection answers again after failing, calls still waiting on main
 * connections that went silent before are abandoned, so the store tries them again at once
 * on fresh connections instead of each waiting out its own bound.
 *
 * A connection that breaks is discarded by the pool and the next query opens a fresh one, so a
 * restarted server or a killed backend needs no restart here. Errors pg raises for a broken
 * connection carry no SQLSTATE; they are wrapped in DbConnectionError so the store can tell them
 * from mistakes in our own code.
 */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  readonly control: Queryable;
  readonly notifications: DbNotifications;
  readonly #main: Lane;
  readonly #control: Lane;
  readonly #logger: Logger;
  readonly #prepare: boolean;
  /** Main-lane calls holding a connection. */
  readonly #inFlight = new Set<BoundedCall>();
  /** Every open connection, so close() can cut those a polite goodbye cannot end. */
  readonly #clients = new Set<pg.PoolClient>();
  readonly #listeners = new Set<PgListener>();
  #controlFailing = false;
  #sessionWarned = false;
  /** Resolves close()'s wait for the last connection to end. */
  #allClosed: () => void = () => undefined;

  constructor(options: PgDbOptions) {
    const timeouts = options.timeouts ?? databaseTimeouts(DEFAULT_LIVENESS);
    this.#logger = options.logger;
    this.#prepare = options.preparedStatements ?? true;
    this.#main = this.#lane(options, timeouts, {
      max: options.poolSize,
      statementMs: timeouts.statementMs,
      boundMs: timeouts.queryMs,
      connectMs: timeouts.connectMs,
    });
    this.#control = this.#lane(options, timeouts, {
      max: 1,
      statementMs: timeouts.controlMs,
      boundMs: timeouts.controlMs,
      // No more than a heartbeat either: an attempt begun during a cut would otherwise wait out
      // TCP's connect retransmissions (1 s, then 3 s) after the network healed.
      connectMs: Math.min(timeouts.connectMs, timeouts.controlMs),
    });
    this.control = {
      query: (statement, values = []) => this.#run(this.#control, false, (client, call) => runQuery(client, call, this.#sent(statement), values)),
      script: async (text) => {
        await this.#run(this.#control, false, (client, call) => runQuery(client, call, text, undefined));
      },
    };
    this.notifications = {
      notify: async (channel, payload) => {
        await this.query(NOTIFY, [channel, payload]);
      },
      listen: async (channel, handlers) => {
        const listener = new PgListener({
          connectionString: options.connectionString,
          applicationName: options.applicationName ?? 'jobscheduler',
          logger: options.logger,
          channel,
          connectMs: timeouts.connectMs,
          keepAliveMs: timeouts.controlMs,
          ...handlers,
        });
        this.#listeners.add(listener);
        await listener.start();
      },
    };
  }

  query<T>(statement: Statement, values: readonly unknown[] = []): Promise<QueryResult<T>> {
    return this.#run(this.#main, false, (client, call) => runQuery<T>(client, call, this.#sent(statement), values));
  }

  /** The statement as it goes to pg: by its name unless names are turned off. */
  #sent(statement: Statement): Statement {
    return this.#prepare ? statement : statementText(statement);
  }

  async script(text: string): Promise<void> {
    await this.#run(this.#main, false, (client, call) => runQuery(client, call, text, undefined));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#run(this.#main, options.unbounded ?? false, async (client, call) => {
      // Before COMMIT is sent, a broken connection means the server rolls the work back.
      const tx: Queryable = {
        query: (statement, values = []) => runQuery(client, call, this.#sent(statement), values, 'in-transaction'),
        script: async (text) => {
          await runQuery(client, call, text, undefined, 'in-transaction');
        },
      };
      await runQuery(client, call, 'BEGIN', undefined, 'in-transaction');
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await runQuery(client, call, 'COMMIT', undefined);
      return result;
    });
  }

  /**
   * Says goodbye on every idle connection and cuts, after a moment, whatever is still open: a
   * goodbye on a silent network is never acknowledged, and a call still running now (the node
   * has stopped everything else) is work nobody waits for.
   */
  async close(): Promise<void> {
    const listeners = Promise.all([...this.#listeners].map((listener) => listener.stop()));
    this.#listeners.clear();
    const pools = [this.#main.pool, this.#control.pool].filter((pool) => !pool.ended && !pool.ending);
    const ended = Promise.all(pools.map((pool) => pool.end()));
    const gone = ended.then(
      () =>
        new Promise<void>((resolve) => {
          this.#allClosed = resolve;
          if (this.#clients.size === 0) resolve();
        }),
    );
    await waitAtMost(gone, CLOSE_GOODBYE_MS);
    for (const client of this.#clients) client.connection.stream.destroy();
    await Promise.all([ended, listeners]);
  }

  #lane(options: PgDbOptions, timeouts: DatabaseTimeouts, lane: LaneSettings): Lane {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: lane.max,
      application_name: options.applicationName ?? 'jobscheduler',
      // Only cleans up a connection attempt left hanging: calls stop waiting earlier (#acquire).
      connectionTimeoutMillis: lane.connectMs + CONNECT_CLEANUP_MS,
      idleTimeoutMillis: 30_000,
      // Probes an idle connection after this long without traffic (then every second, ten
      // times: libuv's settings), so one that died silently is found before it is used.
      keepAlive: true,
      keepAliveInitialDelayMillis: timeouts.controlMs,
      ...(options.schema === null ? {} : { options: `-c search_path=${quoteIdent(options.schema)}` }),
    });
    const session = sessionSettings(lane.statementMs, timeouts);
    pool.on('connect', (client) => {
      this.#clients.add(client);
      // Queued before the caller's first statement on this connection, so every statement runs under it.
      client.query(session).catch((error: unknown) => {
        if (this.#sessionWarned) return;
        this.#sessionWarned = true;
        this.#logger.warn({ err: error }, 'could not apply the session time limits to a database connection');
      });
    });
    pool.on('remove', (client) => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#allClosed();
    });
    // An idle connection that dies (server restart, pg_terminate_backend) is reported here;
    // the pool has already dropped it. Without a listener the process would crash.
    pool.on('error', (error) => this.#logger.warn({ err: error }, 'idle database connection lost; the pool will reconnect'));
    return { pool, boundMs: lane.boundMs, connectMs: lane.connectMs };
  }

  /** Runs `work` on a connection of `lane` within the lane's bound (none when `unbounded`). */
  async #run<T>(lane: Lane, unbounded: boolean, work: (client: pg.PoolClient, call: BoundedCall) => Promise<T>): Promise<T> {
    const call = new BoundedCall(unbounded ? null : lane.boundMs);
    let client: pg.PoolClient;
    try {
      client = await this.#acquire(lane, call);
    } catch (error) {
      call.finish();
      const failure = asConnectionError(error, 'no');
      if (lane === this.#control) this.#afterControlCall(call, failure);
      throw failure;
    }
    // A connection that dies between statements reports it as an 'error' event; while the
    // client is checked out nobody else listens, and an unheard 'error' would crash the process.
    // The failure resurfaces on the next statement, which is where it is handled.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    // Ended early (timed out, abandoned): whatever the connection was doing is of no use now.
    call.onEnd(() => client.connection.stream.destroy());
    const tracked = lane === this.#main && !unbounded;
    if (tracked) this.#inFlight.add(call);
    let broken: unknown;
    try {
      return await call.race(work(client, call));
    } catch (error) {
      broken = error;
      throw error;
    } finally {
      call.finish();
      if (tracked) this.#inFlight.delete(call);
      client.off('error', ignore);
      // Releasing with an error destroys the connection instead of returning it to the pool.
      client.release(broken instanceof DbConnectionError ? broken : undefined);
      if (lane === this.#control) this.#afterControlCall(call, broken);
    }
  }

  /**
   * A connection within the call's bound and the connect timeout. One that arrives after the
   * caller stopped waiting goes back to the pool for the next call.
   */
  async #acquire(lane: Lane, call: BoundedCall): Promise<pg.PoolClient> {
    const pending = lane.pool.connect();
    const timer = setTimeout(() => {
      call.end(new DbTimeoutError(`no database connection within ${lane.connectMs} ms`, lane.connectMs, 'no'));
    }, lane.connectMs);
    try {
      return await call.race(pending);
    } catch (error) {
      pending.then(
        (client) => client.release(),
        () => undefined,
      );
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The control connection tells whether the network carries traffic. When it answers again
   * after failing, main calls that began before this answer was asked for are waiting on
   * connections that went silent: TCP retransmits less and less often the longer a cut lasts,
   * so they could wait out their whole bound. They are abandoned and tried again by the store.
   */
  #afterControlCall(call: BoundedCall, failure: unknown): void {
    if (failure instanceof DbConnectionError) {
      this.#controlFailing = true;
      return;
    }
    if (failure !== undefined || !this.#controlFailing) return;
    this.#controlFailing = false;
    const stuck = [...this.#inFlight].filter((other) => other.startedAt < call.startedAt);
    for (const other of stuck) {
      other.end(new DbConnectionError('abandoned: its connection went silent and the database answers again on another one', other.committed));
    }
    if (stuck.length > 0) this.#logger.info({ calls: stuck.length }, 'database answers again; calls waiting on silent connections are tried again on fresh ones');
  }
}

const NOTIFY = named('notify', 'SELECT pg_notify($1, $2)');

/** Without settings, the bounds follow from the default heartbeat interval and node timeout. */
const DEFAULT_LIVENESS = { heartbeatIntervalMs: settings.heartbeatIntervalMs.default, nodeTimeoutMs: settings.nodeTimeoutMs.default };
/** How long close() waits for idle connections to say goodbye before cutting them. */
const CLOSE_GOODBYE_MS = 1000;
/** The pool's own connect timeout trails ours, so ours always decides. */
const CONNECT_CLEANUP_MS = 50;

/**
 * Applied to every session as it opens. statement_timeout: the server cancels a statement
 * that runs longer. idle_in_transaction_session_timeout: a transaction left idle longer than
 * a whole call may take has lost its client (a cut inside a claim), so the server ends it and
 * frees its row locks. tcp_user_timeout and keepalives: the server drops a connection whose
 * client went silent instead of keeping its backend for the kernel's default 2 hours.
 */
function sessionSettings(statementMs: number, timeouts: DatabaseTimeouts): string {
  const settings: [string, number][] = [
    ['statement_timeout', statementMs],
    ['idle_in_transaction_session_timeout', timeouts.queryMs],
    ['tcp_user_timeout', timeouts.queryMs],
    ['tcp_keepalives_idle', Math.max(1, Math.round(timeouts.controlMs / 1000))],
    ['tcp_keepalives_interval', 1],
    ['tcp_keepalives_count', 5],
  ];
  // One statement, one round trip; values are numbers of our own, never user text.
  return `SELECT ${settings.map(([name, value]) => `set_config('${name}', '${value}', false)`).join(', ')}`;
}

/**
 * One statement of a call. Outside a transaction a statement commits on its own, so once it
 * is sent its fate is unknown until the answer arrives; inside one it is not, until COMMIT.
 */
async function runQuery<T>(
  client: pg.PoolClient,
  call: BoundedCall,
  statement: Statement,
  values: readonly unknown[] | undefined,
  scope: 'own' | 'in-transaction' = 'own',
): Promise<QueryResult<T>> {
  if (scope === 'own') call.committed = 'unknown';
  try {
    if (values === undefined) {
      // Without parameters pg uses the simple protocol: several statements, one result each.
      await client.query(statementText(statement));
      return { rows: [], rowCount: 0 };
    }
    // pg parses a named statement on a connection the first time it goes there, and from
    // then on sends only its name and values.
    const result = typeof statement === 'string' ? await client.query(statement, [...values]) : await client.query({ name: statement.name, text: statement.text, values: [...values] });
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
  } catch (error) {
    throw asConnectionError(error, call.committed);
  }
}

/**
 * Errors the server sent (pg.DatabaseError, with a SQLSTATE), our own programming errors and
 * ours about the connection pass through; anything else pg raises means the connection failed.
 */
function asConnectionError(error: unknown, committed: 'no' | 'unknown'): unknown {
  if (error instanceof pg.DatabaseError || error instanceof TypeError || error instanceof RangeError || error instanceof DbConnectionError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DbConnectionError(message, committed, { cause: error });
}
