import { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { JobSchedulerError } from '../../errors.js';
import type { Db, Queryable, QueryResult } from '../db.js';
import { quoteIdent } from '../sql/identifiers.js';
import { statementText, type Statement } from '../statement.js';
import { lockDataDir, type DataDirLock } from './lock-file.js';
import { Mutex } from './mutex.js';

export interface PgliteDbOptions {
  /** A directory, or null / "memory://" for a database that lives only in this process. */
  readonly dataDir: string | null;
  readonly schema: string | null;
  /** Told when a stale lock file is taken over. */
  readonly logger?: Logger;
}

interface PgliteQueryable {
  query<T>(text: string, values?: unknown[]): Promise<{ rows: T[]; affectedRows?: number; rowCount?: number }>;
  exec(text: string): Promise<unknown>;
}

/**
 * PGlite is one connection. Every statement and every transaction goes through one mutex,
 * so a statement can never land inside another caller's transaction; a failed statement
 * rolls its transaction back before the next caller runs. It runs inside the process, with no
 * network to go silent: calls need no time bound, and the control statements share the one
 * connection.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly control: Queryable = this;
  /** One process holds the database (the data directory is locked): nobody else to tell. */
  readonly notifications = null;
  readonly #pg: PGlite;
  readonly #lock: DataDirLock | null;
  readonly #mutex = new Mutex();
  #closed = false;

  private constructor(pg: PGlite, lock: DataDirLock | null) {
    this.#pg = pg;
    this.#lock = lock;
  }

  static async open(options: PgliteDbOptions): Promise<PgliteDb> {
    const inMemory = options.dataDir === null || options.dataDir === '' || options.dataDir.startsWith('memory://');
    const lock = inMemory ? null : lockDataDir(options.dataDir!);
    if (lock?.tookOver) {
      options.logger?.warn(
        { dataDir: options.dataDir, lockFile: lock.path, previousPid: lock.tookOver.pid, reason: lock.tookOver.reason },
        `took over a stale lock file in ${options.dataDir}: ${lock.tookOver.reason}`,
      );
    }
    try {
      const pg = await PGlite.create(inMemory ? 'memory://' : options.dataDir!);
      if (options.schema !== null) await pg.exec(`SET search_path TO ${quoteIdent(options.schema)}`);
      return new PgliteDb(pg, lock);
    } catch (error) {
      lock?.release();
      throw new JobSchedulerError('STORE_UNAVAILABLE', `Cannot open the embedded database in ${options.dataDir}: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  query<T>(statement: Statement, values: readonly unknown[] = []): Promise<QueryResult<T>> {
    return this.#exclusive(() => run<T>(this.#pg, statement, values));
  }

  script(text: string): Promise<void> {
    return this.#exclusive(async () => {
      await this.#pg.exec(text);
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // PGlite's transaction() issues BEGIN, and ROLLBACK when the callback throws.
    return this.#exclusive(() => this.#pg.transaction((tx) => fn(wrap(tx))));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#mutex.run(() => this.#pg.close());
    this.#lock?.release();
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new JobSchedulerError('STORE_UNAVAILABLE', 'The embedded database is closed'));
    return this.#mutex.run(fn);
  }
}

/** In one process with the database, a statement's name saves no round trip: PGlite gets its text. */
async function run<T>(target: PgliteQueryable, statement: Statement, values: readonly unknown[]): Promise<QueryResult<T>> {
  const result = await target.query<T>(statementText(statement), [...values]);
  return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
}

function wrap(tx: PgliteQueryable): Queryable {
  return {
    query: (text, values = []) => run(tx, text, values),
    script: async (text) => {
      await tx.exec(text);
    },
  };
}
