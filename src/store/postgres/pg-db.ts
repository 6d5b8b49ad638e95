import pg from 'pg';
import type { Logger } from 'pino';
import { DbConnectionError, type Db, type Queryable, type QueryResult } from '../db.js';
import { quoteIdent } from '../sql/identifiers.js';

export interface PgDbOptions {
  readonly connectionString: string;
  readonly poolSize: number;
  /** Every connection's search_path; null keeps the server's default. */
  readonly schema: string | null;
  readonly logger: Logger;
  /** Shown in pg_stat_activity, so operators can tell the scheduler's connections apart. */
  readonly applicationName?: string;
}

/**
 * PostgreSQL through a pg Pool. A connection that breaks is discarded by the pool and the
 * next query opens a fresh one, so a restarted server or a killed backend needs no restart
 * here. Errors pg raises for a broken connection carry no SQLSTATE; they are wrapped in
 * DbConnectionError so the store can tell them from mistakes in our own code.
 */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(options: PgDbOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      application_name: options.applicationName ?? 'jobscheduler',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      ...(options.schema === null ? {} : { options: `-c search_path=${quoteIdent(options.schema)}` }),
    });
    // An idle connection that dies (server restart, pg_terminate_backend) is reported here;
    // the pool has already dropped it. Without a listener the process would crash.
    this.#pool.on('error', (error) => options.logger.warn({ err: error }, 'idle database connection lost; the pool will reconnect'));
  }

  query<T>(text: string, values: readonly unknown[] = []): Promise<QueryResult<T>> {
    return this.#withClient((client) => runQuery<T>(client, text, values, 'unknown'));
  }

  async script(text: string): Promise<void> {
    await this.#withClient((client) => runQuery(client, text, undefined, 'unknown'));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      // Before COMMIT is sent, a broken connection means the server rolls the work back.
      const tx: Queryable = {
        query: (text, values = []) => runQuery(client, text, values, 'no'),
        script: async (text) => {
          await runQuery(client, text, undefined, 'no');
        },
      };
      await runQuery(client, 'BEGIN', undefined, 'no');
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await runQuery(client, 'COMMIT', undefined, 'unknown');
      return result;
    });
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }

  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw asConnectionError(error, 'no');
    }
    // A connection that dies between statements reports it as an 'error' event; while the
    // client is checked out nobody else listens, and an unheard 'error' would crash the process.
    // The failure resurfaces on the next statement, which is where it is handled.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let broken: unknown;
    try {
      return await fn(client);
    } catch (error) {
      if (error instanceof DbConnectionError) broken = error;
      throw error;
    } finally {
      client.off('error', ignore);
      // Releasing with an error destroys the connection instead of returning it to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

async function runQuery<T>(
  client: pg.PoolClient,
  text: string,
  values: readonly unknown[] | undefined,
  committed: 'no' | 'unknown',
): Promise<QueryResult<T>> {
  try {
    if (values === undefined) {
      // Without parameters pg uses the simple protocol: several statements, one result each.
      await client.query(text);
      return { rows: [], rowCount: 0 };
    }
    const result = await client.query(text, [...values]);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
  } catch (error) {
    throw asConnectionError(error, committed);
  }
}

/**
 * Errors the server sent (pg.DatabaseError, with a SQLSTATE) and our own programming errors
 * pass through; anything else pg raises means the connection itself failed.
 */
function asConnectionError(error: unknown, committed: 'no' | 'unknown'): unknown {
  if (error instanceof pg.DatabaseError || error instanceof TypeError || error instanceof RangeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DbConnectionError(message, committed, { cause: error });
}
