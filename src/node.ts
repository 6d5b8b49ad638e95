import { randomBytes } from 'node:crypto';
import { isIPv6, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { assertSafeToListen } from './api/auth.js';
import { buildServer } from './api/server.js';
import type { Config } from './config/index.js';
import type { Logger } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { guardedLookup } from './scheduler/lookup.js';
import { Retention } from './scheduler/retention.js';
import { Scheduler, type SchedulerOptions } from './scheduler/scheduler.js';
import { createStore } from './store/index.js';
import type { Store } from './store/types.js';
import type { Clock } from './time/clock.js';
import { systemClock } from './time/system-clock.js';

/**
 * The composition root: one node is a store, a scheduling engine with its history retention
 * sweep (roles all and scheduler) and an HTTP server, started in that order and stopped in
 * the reverse one. The server of roles all and api serves the API and the dashboard; that of
 * role scheduler only /health, /ready and /metrics, so the nodes that fire can be probed and
 * scraped like the others.
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
  /** Deletes history older than config.historyRetentionDays; null on nodes that run no engine. */
  readonly retention: Retention | null;
  /** Stops the server, then the engine, then closes the store. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const servesApi = config.role === 'all' || config.role === 'api';
  // Only the API can make this node send requests; probes and metrics may face the network.
  if (servesApi) assertSafeToListen(config);

  const nodeId = config.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const store = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    logger,
    clock,
  });
  const metrics = createMetrics();
  // Run in reverse order by close(): the last thing started is the first stopped.
  const stops: (() => Promise<void>)[] = [() => store.close()];
  const close = once(async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping the node');
      }
    }
  });

  try {
    await store.migrate();

    let retention: Retention | null = null;
    if (config.role === 'all' || config.role === 'scheduler') {
      const scheduler = new Scheduler({ store, nodeId, logger, metrics, clock, role: config.role, lookup: guardedLookup, ...engineSettings(config) });
      stops.push(() => scheduler.stop());
      await scheduler.start();
      // Every engine node sweeps: the store lets concurrent sweeps skip each other's rows.
      const sweeper = new Retention({ store, clock, logger, retentionDays: config.historyRetentionDays });
      stops.push(() => sweeper.stop());
      sweeper.start();
      retention = sweeper;
    }

    const app = await buildServer({ store, config, logger, clock, metrics, api: servesApi, dashboard: servesApi });
    stops.push(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    const { port } = app.server.address() as AddressInfo;
    const address = `http://${isIPv6(config.host) ? `[${config.host}]` : config.host}:${port}`;
    return { nodeId, address, store, metrics, retention, close };
  } catch (error) {
    await close();
    throw error;
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

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= work());
}
