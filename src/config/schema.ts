import { isIP } from 'node:net';

/**
 * Every setting the scheduler reads, in one table: its environment variable, its
 * command-line flag, its default and how it is parsed. `serve --help` and
 * docs/configuration.md are written from this table, so they cannot drift from it.
 */

export type SettingParser<T> = (raw: string) => T;

export interface Setting<T> {
  readonly env: string;
  /** Long flag without dashes, when the setting also has one. */
  readonly flag?: string;
  readonly description: string;
  readonly default: T;
  /** Throws an Error whose message says what is allowed. */
  readonly parse: SettingParser<T>;
  /** Secrets are never printed. */
  readonly secret?: boolean;
}

function integer(min: number, max: number): SettingParser<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected a whole number from ${min} to ${max}, got "${raw}"`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new Error(`expected a whole number from ${min} to ${max}, got ${value}`);
    return value;
  };
}

/** A whole number, or nothing (an empty value): the setting is then derived from others. */
function optionalInteger(min: number, max: number): SettingParser<number | null> {
  const parse = integer(min, max);
  return (raw) => (raw.trim() === '' ? null : parse(raw));
}

function oneOf<T extends string>(...values: T[]): SettingParser<T> {
  return (raw) => {
    const value = raw.trim() as T;
    if (!values.includes(value)) throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
    return value;
  };
}

/**
 * Text that has a default: an empty value (`HOST=` in a file) is a mistake, not a request for
 * the default, which only leaving the setting out gives.
 */
function requiredText(fallback: string): SettingParser<string> {
  return (raw) => {
    const value = raw.trim();
    if (value === '') throw new Error(`must not be empty; leave it unset for the default (${fallback})`);
    return value;
  };
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** What the server can listen on: an IP address or a host name (resolved by the system). */
const listenHost: SettingParser<string> = (raw) => {
  const value = requiredText('127.0.0.1')(raw);
  if (isIP(value) !== 0 || (value.length <= 253 && HOST_NAME.test(value))) return value;
  if (/^\[.*\]$/.test(value)) throw new Error(`expected an IPv6 address without brackets (::1, ::), got "${raw}"`);
  throw new Error(`expected an IP address (127.0.0.1, 0.0.0.0, ::) or a host name, got "${raw}"`);
};

const optionalText: SettingParser<string | null> = (raw) => (raw.trim() === '' ? null : raw.trim());

const boolean: SettingParser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new Error(`expected true or false, got "${raw}"`);
};

const list: SettingParser<readonly string[]> = (raw) =>
  Object.freeze(
    raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

const databaseUrl: SettingParser<string | null> = (raw) => {
  const value = raw.trim();
  if (value === '') return null;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new Error('expected a postgres:// or postgresql:// URL');
  try {
    new URL(value);
  } catch {
    throw new Error('is not a valid URL');
  }
  return value;
};

const signingSecret: SettingParser<string | null> = (raw) => {
  const value = raw.trim();
  if (value === '') return null;
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match || Buffer.from(match[1]!, 'base64').length < 16) {
    throw new Error('expected whsec_ followed by at least 16 bytes in base64 (the Standard Webhooks form)');
  }
  return value;
};

export const settings = {
  host: { env: 'HOST', flag: 'host', description: 'Address the HTTP server listens on.', default: '127.0.0.1', parse: listenHost },
  port: { env: 'PORT', flag: 'port', description: 'Port the HTTP server listens on.', default: 8080, parse: integer(0, 65535) },
  databaseUrl: {
    env: 'DATABASE_URL',
    description: 'PostgreSQL connection URL. Unset: the embedded PGlite store in the data directory.',
    default: null,
    parse: databaseUrl,
    secret: true,
  },
  dataDir: {
    env: 'JOBSCHEDULER_DATA_DIR',
    flag: 'data-dir',
    description: 'Directory of the embedded store (used when DATABASE_URL is unset).',
    default: './data',
    parse: requiredText('./data'),
  },
  role: {
    env: 'JOBSCHEDULER_ROLE',
    flag: 'role',
    description: 'What this node does: all, api (the HTTP API only) or scheduler (firing; over HTTP only /health, /ready and /metrics).',
    default: 'all' as 'all' | 'api' | 'scheduler',
    parse: oneOf('all', 'api', 'scheduler'),
  },
  apiKeys: {
    env: 'JOBSCHEDULER_API_KEYS',
    description: 'Comma-separated API keys; when set, every /api route needs "Authorization: Bearer <key>".',
    default: Object.freeze([]) as readonly string[],
    parse: list,
    secret: true,
  },
  insecure: {
    env: 'JOBSCHEDULER_INSECURE',
    flag: 'insecure',
    description: 'Allow listening on a non-loopback address without API keys.',
    default: false,
    parse: boolean,
  },
  requestTimeoutMs: {
    env: 'JOBSCHEDULER_REQUEST_TIMEOUT_MS',
    description: 'A request\'s headers and body must arrive within this; a slower client is answered 408 and its connection closed.',
    default: 30000,
    parse: integer(1000, 600000),
  },
  headersTimeoutMs: {
    env: 'JOBSCHEDULER_HEADERS_TIMEOUT_MS',
    description: 'A request\'s headers must arrive within this (at most JOBSCHEDULER_REQUEST_TIMEOUT_MS); a connection that sends none is closed.',
    default: 10000,
    parse: integer(500, 600000),
  },
  apiRequestBudget: {
    env: 'JOBSCHEDULER_API_REQUEST_BUDGET',
    description: 'How much /api work runs at once: a list or history request counts its limit, a preview its count, a batch create 1000, any other request 1. Requests past it wait their turn, for at most JOBSCHEDULER_REQUEST_TIMEOUT_MS and 10,000 at a time, else answer 503 SERVER_BUSY; /health, /ready and /metrics never wait.',
    default: 10000,
    parse: integer(1, 10000000),
  },
  allowedHosts: {
    env: 'JOBSCHEDULER_ALLOWED_HOSTS',
    description: 'Without API keys, only requests whose Host is a loopback name or address are served (a web page rebinding its domain to 127.0.0.1 is refused); this comma-separated list adds host names to accept. Ignored when API keys are set.',
    default: Object.freeze([]) as readonly string[],
    parse: list,
  },
  allowedTargets: {
    env: 'JOBSCHEDULER_ALLOWED_TARGETS',
    description: 'Comma-separated host patterns (example.com, *.example.com) that job targets must match; unset allows any host except link-local and metadata addresses.',
    default: Object.freeze([]) as readonly string[],
    parse: list,
  },
  signingSecret: {
    env: 'JOBSCHEDULER_SIGNING_SECRET',
    description: 'Standard Webhooks secret (whsec_<base64>); when set, every request to a target is signed.',
    default: null,
    parse: signingSecret,
    secret: true,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    description: 'Log level: fatal, error, warn, info, debug or trace.',
    default: 'info' as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'),
  },
  nodeId: {
    env: 'JOBSCHEDULER_NODE_ID',
    flag: 'node-id',
    description: 'This node\'s name in the cluster. Unset: hostname, process id and a random suffix.',
    default: null,
    parse: optionalText,
  },
  databasePoolSize: {
    env: 'JOBSCHEDULER_DB_POOL_SIZE',
    description: 'PostgreSQL connections per node, plus one of its own for heartbeats and readiness probes.',
    default: 10,
    parse: integer(1, 200),
  },
  dbPreparedStatements: {
    env: 'JOBSCHEDULER_DB_PREPARED_STATEMENTS',
    description:
      'Send the statements the engine runs many times a second (claims, outcomes, heartbeats) as named prepared statements, which PostgreSQL parses and plans once per connection instead of at every call. Set false behind a connection pooler that gives each transaction a different server session and does not track prepared statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).',
    default: true,
    parse: boolean,
  },
  dbStatementTimeoutMs: {
    env: 'JOBSCHEDULER_DB_STATEMENT_TIMEOUT_MS',
    description:
      'PostgreSQL cancels a statement of this node that runs longer (statement_timeout; migrations are exempt). Unset: half of JOBSCHEDULER_NODE_TIMEOUT_MS, at least 1000 (5000 with the defaults).',
    default: null as number | null,
    parse: optionalInteger(100, 3600000),
  },
  dbQueryTimeoutMs: {
    env: 'JOBSCHEDULER_DB_QUERY_TIMEOUT_MS',
    description:
      'Longest a node waits for the answer to a database call (a statement, or a transaction with all its statements), counted from asking for a connection; then it drops the connection and the call fails (503 STORE_UNAVAILABLE in the API, tried again next round in the engine). A session of this node left idle inside a transaction this long is ended by the server. Unset: the statement timeout plus 1000 (6000 with the defaults). Heartbeats, clock readings and /ready get one heartbeat interval instead.',
    default: null as number | null,
    parse: optionalInteger(100, 3600000),
  },
  dbConnectTimeoutMs: {
    env: 'JOBSCHEDULER_DB_CONNECT_TIMEOUT_MS',
    description:
      'Longest a database call waits for a connection: a free one from the pool, or a new one (TCP, TLS, authentication). Unset: JOBSCHEDULER_HEARTBEAT_INTERVAL_MS, at least 1000 (2000 with the defaults).',
    default: null as number | null,
    parse: optionalInteger(100, 600000),
  },
  historyRetentionDays: {
    env: 'JOBSCHEDULER_HISTORY_RETENTION_DAYS',
    description:
      'Execution history scheduled longer ago than this many days is dropped, a whole partition at a time, by the nodes that fire jobs (roles all and scheduler): a partition goes once its whole range is older, so up to one partition more is kept. 0 keeps history forever.',
    default: 30,
    parse: integer(0, 36500),
  },
  historyRetentionMinutes: {
    env: 'JOBSCHEDULER_HISTORY_RETENTION_MINUTES',
    description: 'Retention in minutes instead of days, for short-lived test and benchmark clusters. Unset: JOBSCHEDULER_HISTORY_RETENTION_DAYS decides.',
    default: null as number | null,
    parse: optionalInteger(1, 52560000),
  },
  historyPartitionMinutes: {
    env: 'JOBSCHEDULER_HISTORY_PARTITION_MINUTES',
    description:
      'Width of one partition of the execution history (a range of scheduled times, aligned on multiples of it since 1970-01-01T00:00Z). The nodes keep 3 partitions ready ahead of the present and check every partition width / 4, at most every 10 minutes. Smaller partitions drop history closer to the retention period; each is a table with 5 indexes.',
    default: 1440,
    parse: integer(1, 10080),
  },
  lookaheadMs: {
    env: 'JOBSCHEDULER_LOOKAHEAD_MS',
    description: 'How far ahead of their time occurrences are claimed: a job is taken once its next occurrence is half this away, and planned this far ahead.',
    default: 2000,
    parse: integer(200, 60000),
  },
  claimIntervalMs: {
    env: 'JOBSCHEDULER_CLAIM_INTERVAL_MS',
    description: 'The least time between two claim rounds of a scheduler node. A node with nothing due sleeps longer, until its earliest job is due within half the look-ahead (at most half the look-ahead and half this interval); a job or attempt written on any node wakes it.',
    default: 250,
    parse: integer(10, 60000),
  },
  claimBatchSize: {
    env: 'JOBSCHEDULER_CLAIM_BATCH_SIZE',
    description: 'Most jobs claimed in one database round trip.',
    default: 2000,
    parse: integer(1, 100000),
  },
  misfireGraceMs: {
    env: 'JOBSCHEDULER_MISFIRE_GRACE_MS',
    description: 'An occurrence up to this late (a node was busy or just took over) still fires; a later one is a misfire, settled by the job\'s misfirePolicy.',
    default: 1000,
    parse: integer(0, 3600000),
  },
  retryBackoff: {
    env: 'JOBSCHEDULER_RETRY_BACKOFF',
    description: 'How the wait before a retry grows between a job\'s minBackoffMs and maxBackoffMs: full (random up to an exponential ceiling) or decorrelated (random up to three times the previous wait).',
    default: 'full' as 'full' | 'decorrelated',
    parse: oneOf('full', 'decorrelated'),
  },
  historyFlushIntervalMs: {
    env: 'JOBSCHEDULER_HISTORY_FLUSH_INTERVAL_MS',
    description: 'Outcomes of attempts are written to the history in batches, at most this long after they happen: longer means fewer, larger writes.',
    default: 50,
    parse: integer(1, 60000),
  },
  readyFailureMs: {
    env: 'JOBSCHEDULER_READY_FAILURE_MS',
    description: 'GET /ready answers 503 ENGINE_FAILING, naming the reason, once this node\'s claim rounds or history writes have failed without a break for this long.',
    default: 30000,
    parse: integer(1000, 3600000),
  },
  heartbeatIntervalMs: {
    env: 'JOBSCHEDULER_HEARTBEAT_INTERVAL_MS',
    description: 'How often a node writes its heartbeat.',
    default: 2000,
    parse: integer(100, 600000),
  },
  nodeTimeoutMs: {
    env: 'JOBSCHEDULER_NODE_TIMEOUT_MS',
    description: 'A node whose heartbeat is older than this is dead and its work is taken over.',
    default: 10000,
    parse: integer(500, 3600000),
  },
  maxConcurrentPerHost: {
    env: 'JOBSCHEDULER_MAX_CONCURRENT_PER_HOST',
    description:
      'Most requests in flight at once from this node to one target origin; the rest wait for a slot. A target answering in d seconds then receives at most this many / d requests per second from the node (4096: 10,000/s from one node to a target answering in 400 ms). An every-second occurrence still waiting past the misfire grace is recorded MISSED. Lower it to spare a target that cannot take that many connections.',
    default: 4096,
    parse: integer(1, 100000),
  },
  shutdownGraceMs: {
    env: 'JOBSCHEDULER_SHUTDOWN_GRACE_MS',
    description: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish.',
    default: 10000,
    parse: integer(0, 600000),
  },
} as const;

export type Settings = typeof settings;
export type SettingName = keyof Settings;

/** The validated configuration: one value per setting. */
export type Config = { readonly [K in SettingName]: ReturnType<Settings[K]['parse']> };
