import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isIPv6, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { assertSafeToListen } from './api/auth.js';
import { closeServer } from './api/close.js';
import { buildServer } from './api/server.js';
import type { Config } from './config/index.js';
import type { Logger } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { guardedLookup } from './scheduler/lookup.js';
import { Retention, retentionMs } from './scheduler/retention.js';
import { v8YoungGeneration } from './scheduler/scavenge-pacer.js';
import { FINAL_WRITE_MS, Scheduler, type SchedulerOptions } from './scheduler/scheduler.js';
import { createStore, databaseTimeouts } from './store/index.js';
import type { Store } from './store/types.js';
import type { Clock } from './time/clock.js';
import { systemClock } from './time/system-clock.js';

/**
 * The composition root: one node is a store, an HTTP server and a scheduling engine with its
 * history retention sweep (roles all and scheduler), started in that order. The server of
 * roles all and api serves the API and the dashboard; that of role scheduler only /health,
 * /ready and /metrics, so the nodes that fire can be probed and scraped like the others.
 *
 * Stopping goes engine first, then the HTTP server, then the store, each bounded: the engine
 * stops claiming, hands back what it has not sent, gives requests in flight the grace period
 * and writes the history (see Scheduler.stop); then the server refuses new requests, closes
 * idle connections and cuts, at the end of the grace period, whatever a client still holds
 * open; then the database connections close. Serving the API meanwhile costs nothing, while
 * waiting for a client first would let the engine go on claiming.
 */

export interface NodeOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface RunningNode {
  readonly nodeId: string;
  /** Where the HTTP server listens ("http://127.0.0.1:8080"). */
  readonly address: string;
  readonly store: Store;
  readonly metrics: Metrics;
  /** Keeps the history's partitions and drops expired ones (config.historyRetentionDays); null on nodes that run no engine. */
  readonly retention: Retention | null;
  /** Stops the engine, then the server, then closes the store. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const servesApi = config.role === 'all' || config.role === 'api';
  // Only the API can make this node send requests; probes and metrics may face the network.
  if (servesApi) assertSafeToListen(config);

  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const metrics = createMetrics();
  if (config.databaseUrl === null) announceEmbeddedStore(config.dataDir, logger);
  const store = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    preparedStatements: config.dbPreparedStatements,
    logger,
    clock,
    timeouts: databaseTimeouts(config),
    onOutcome: (operation, failure) => {
      if (failure === null) {
        metrics.databaseUp.set(1);
        return;
      }
      metrics.databaseFailures.inc({ operation, reason: failure });
      if (failure !== 'unavailable') metrics.databaseUp.set(0);
    },
  });
  let engine: { scheduler: Scheduler; sweeper: Retention } | null = null;
  let app: FastifyInstance | null = null;
  const close = once(async () => {
    const deadline = clock.now() + config.shutdownGraceMs;
    const steps: (() => Promise<unknown> | undefined)[] = [
      () => (engine ? Promise.all([engine.scheduler.stop(), engine.sweeper.stop()]) : undefined),
      () => (app ? closeServer(app, deadline, clock) : undefined),
      () => store.close(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping the node');
      }
    }
  });

  try {
    await store.migrate();

    if (config.role === 'all' || config.role === 'scheduler') {
      const scheduler = new Scheduler({ store, nodeId, logger, metrics, clock, role: config.role, lookup: guardedLookup, youngGeneration: v8YoungGeneration(), ...engineSettings(config) });
      // Every engine node sweeps: the store lets one node at a time change partitions, and
      // concurrent row deletes skip each other's rows.
      const sweeper = new Retention({ store, clock, logger, retentionMs: retentionMs(config), partitionMs: config.historyPartitionMinutes * 60 * 1000 });
      engine = { scheduler, sweeper };
      // Partitions first, so the first claims land in them rather than in the default one.
      await sweeper.prepare();
    }

    app = await buildServer({
      store,
      config,
      logger,
      clock,
      metrics,
      api: servesApi,
      dashboard: servesApi,
      ...(engine ? { engine: { health: engine.scheduler.health, failureMs: config.readyFailureMs } } : {}),
    });
    await app.listen({ host: config.host, port: config.port });
    // The engine starts once the server listens: a job aimed at this node finds it answering,
    // and a port already taken fails the start before anything is claimed or sent.
    if (engine) {
      await engine.scheduler.start();
      engine.sweeper.start();
    }
    const { port } = app.server.address() as AddressInfo;
    const address = `http://${isIPv6(config.host) ? `[${config.host}]` : config.host}:${port}`;
    return { nodeId, address, store, metrics, retention: engine?.sweeper ?? null, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Said before the embedded store opens, since that is silent and slow: creating a database
 * takes about 10 s (PGlite's initdb), opening one a second or two.
 */
function announceEmbeddedStore(dataDir: string, logger: Logger): void {
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, `opening the embedded database in ${dataDir}`);
  } else {
    logger.info({ dataDir }, `initialising the embedded database in ${dataDir}, first start takes ~10 s`);
  }
}

/** The engine's share of the configuration: every tunable an operator can set. */
export function engineSettings(config: Config): Pick<SchedulerOptions, 'settings' | 'misfireGraceMs' | 'backoff' | 'recorder'> {
  return {
    settings: config,
    misfireGraceMs: config.misfireGraceMs,
    backoff: config.retryBackoff,
    recorder: { flushIntervalMs: config.historyFlushIntervalMs },
  };
}

/**
 * How long close() may take before the process exits without it: the grace period for
 * requests in flight, the last history writes, two more database calls (handing work back,
 * a write already under way) and marking the node stopped. While the database answers, every
 * step fits; with it silent, the engine tries each write once instead of for FINAL_WRITE_MS,
 * which fits too.
 */
export function stopBudgetMs(config: Config): number {
  const timeouts = databaseTimeouts(config);
  return config.shutdownGraceMs + FINAL_WRITE_MS + 2 * timeouts.queryMs + timeouts.controlMs;
}

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= work());
}
