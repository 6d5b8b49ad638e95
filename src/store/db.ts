import type { Statement } from './statement.js';

/**
 * The database contract both backends satisfy: parameterised statements, scripts (for
 * migrations) and transactions. SqlStore speaks only this, so pg and PGlite run the same SQL.
 */

export interface QueryResult<T> {
  readonly rows: T[];
  /** Rows returned, inserted, updated or deleted by the statement. */
  readonly rowCount: number;
}

export interface Queryable {
  query<T>(statement: Statement, values?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs several statements without parameters (a migration file). */
  script(text: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * No time bound: for schema migrations, which may build an index on a large table or wait
   * for another node's migration. Every other call is bounded (see DatabaseTimeouts).
   */
  readonly unbounded?: boolean;
}

/** NOTIFY and LISTEN between the processes sharing one database. */
export interface DbNotifications {
  /** Sends `payload` on `channel` to every session listening, this process's included. */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Calls `onNotify` with every payload sent on `channel`, and `onResumed` when listening
   * resumes after its connection was lost (what was sent meanwhile went unheard), until the
   * database is closed. Resolves after the first attempt to listen, successful or not: it
   * keeps trying by itself.
   */
  listen(channel: string, handlers: { readonly onNotify: (payload: string) => void; readonly onResumed: () => void }): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Null where one process holds the database (PGlite): there is nobody else to tell. */
  readonly notifications: DbNotifications | null;
  /**
   * The statements a node's liveness hangs on (heartbeat, clock reading, readiness, marking
   * the node stopped): one connection of their own and the shorter bound, so they neither wait
   * behind a busy pool nor report a silent network late.
   */
  readonly control: Queryable;
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection. Any error rolls the transaction back
   * and is rethrown; the connection is clean for the next caller either way.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/**
 * The connection to the database failed. `committed` says what we know of the statement's
 * fate: 'no' when it never reached the server or its transaction was certainly rolled back,
 * 'unknown' when the connection broke while the server may have been committing it.
 */
export class DbConnectionError extends Error {
  readonly committed: 'no' | 'unknown';

  constructor(message: string, committed: 'no' | 'unknown', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbConnectionError';
    this.committed = committed;
  }
}

/**
 * No answer within the call's time bound: the network or the server went silent. The
 * connection was dropped. Not tried again at once (another try would wait as long again);
 * the caller's next round tries again.
 */
export class DbTimeoutError extends DbConnectionError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, committed: 'no' | 'unknown') {
    super(message, committed);
    this.name = 'DbTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
