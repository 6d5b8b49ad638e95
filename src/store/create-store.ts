import type { Logger } from 'pino';
import { silentLogger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/system-clock.js';
import { PgliteDb } from './pglite/pglite-db.js';
import { PgDb } from './postgres/pg-db.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './types.js';

export interface CreateStoreOptions {
  /** PostgreSQL URL; null or absent selects the embedded PGlite store. */
  readonly databaseUrl?: string | null;
  /** PGlite data directory; null, absent or "memory://" keeps the database in memory. */
  readonly dataDir?: string | null;
  /** PostgreSQL connections (config.databasePoolSize). */
  readonly poolSize?: number;
  readonly logger?: Logger;
  /** Tables live in this schema (created by migrate); default: the connection's own. */
  readonly schema?: string | null;
  /** Times the pauses between retries. */
  readonly clock?: Clock;
}

/** Picks the backend: PostgreSQL when a database URL is given, otherwise embedded PGlite. */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger();
  const schema = options.schema ?? null;
  const db = options.databaseUrl
    ? new PgDb({ connectionString: options.databaseUrl, poolSize: options.poolSize ?? 10, schema, logger })
    : await PgliteDb.open({ dataDir: options.dataDir ?? null, schema });
  return new SqlStore({ db, schema, logger, clock: options.clock ?? systemClock });
}
