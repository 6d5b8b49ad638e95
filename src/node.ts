import { randomBytes } from 'node:crypto';
import { isIPv6, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { assertSafeToListen } from './api/auth.js';
import { buildServer } from './api/server.js';
import type { Config } from './config/index.js';
import type { Logger } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { guardedLookup } from './scheduler/lookup.js';
import { Scheduler } from './scheduler/scheduler.js';
import { createStore } from './store/index.js';
import type { Store } from './store/types.js';
import type { Clock } from './time/clock.js';
import { systemClock } from './time/system-clock.js';

/**
 * The composition root: one node is a store, an HTTP server (roles all and api) and a
 * scheduling engine (roles all and scheduler), started in that order and stopped in the
 * reverse one.
 */

export interface NodeOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface RunningNode {
  readonly nodeId: string;
  /** Where the HTTP server listens ("http://127.0.0.1:8080"), or null when this node serves no API. */
  readonly address: string | null;
  readonly store: Store;
  readonly metrics: Metrics;
  /** Stops the server, then the engine, then closes the store. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const servesApi = config.role === 'all' || config.role === 'api';
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

    if (config.role === 'all' || config.role === 'scheduler') {
      const scheduler = new Scheduler({ store, settings: config, nodeId, logger, metrics, clock, role: config.role, lookup: guardedLookup });
      stops.push(() => scheduler.stop());
      await scheduler.start();
    }

    let address: string | null = null;
    if (servesApi) {
      const app = await buildServer({ store, config, logger, clock, metrics, dashboard: true });
      stops.push(() => app.close());
      await app.listen({ host: config.host, port: config.port });
      const { port } = app.server.address() as AddressInfo;
      address = `http://${isIPv6(config.host) ? `[${config.host}]` : config.host}:${port}`;
    }
    return { nodeId, address, store, metrics, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function once(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= work());
}
