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
  query<T>(text: string, values?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs several statements without parameters (a migration file). */
  script(text: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection. Any error rolls the transaction back
   * and is rethrown; the connection is clean for the next caller either way.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
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
