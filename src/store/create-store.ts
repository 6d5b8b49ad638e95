import type { Logger } from 'pino';
import { silentLogger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/system-clock.js';
import { PgliteDb } from './pglite/pglite-db.js';
import { PgDb } from './postgres/pg-db.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import type { DatabaseTimeouts } from './timeouts.js';
import type { Store } from './types.js';

export interface CreateStoreOptions {
  /** PostgreSQL URL; null or absent selects the embedded PGlite store. */
  readonly databaseUrl?: string | null;
  /** PGlite data directory; null, absent or "memory://" keeps the database in memory. */
  readonly dataDir?: string | null;
  /** PostgreSQL connections (config.databasePoolSize). */
  readonly poolSize?: number;
  /** Named statements go to PostgreSQL by name (config.dbPreparedStatements); default true. */
  readonly preparedStatements?: boolean;
  readonly logger?: Logger;
  /** Tables live in this schema (created by migrate); default: the connection's own. */
  readonly schema?: string | null;
  /** Times the pauses between retries. */
  readonly clock?: Clock;
  /** How long PostgreSQL calls may take (see timeouts.ts); default: from the default settings. */
  readonly timeouts?: DatabaseTimeouts;
  readonly onOutcome?: SqlStoreOptions['onOutcome'];
}

/** Picks the backend: PostgreSQL when a database URL is given, otherwise embedded PGlite. */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger();
  const schema = options.schema ?? null;
  const db = options.databaseUrl
    ? new PgDb({
        connectionString: options.databaseUrl,
        poolSize: options.poolSize ?? 10,
        schema,
        logger,
        preparedStatements: options.preparedStatements ?? true,
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      })
    : await PgliteDb.open({ dataDir: options.dataDir ?? null, schema, logger });
  return new SqlStore({ db, schema, logger, clock: options.clock ?? systemClock, ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}) });
}
