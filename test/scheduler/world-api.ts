import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { Clock } from '../../src/time/clock.js';
import type { EngineWorld } from './engine-world.js';

/** One request under /api/v1: its status and its JSON body. */
export type WorldApi = <T = Record<string, unknown>>(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: unknown,
) => Promise<{ status: number; body: T }>;

/**
 * The API over an engine world, for the whole test file: the API and the engine share the
 * store and the test's fake clock. The clock is read through the world at each call, since
 * every test starts a new one.
 */
export function useWorldApi(world: EngineWorld): WorldApi {
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    const clock: Clock = {
      now: () => world.clock.now(),
      setTimer: (delayMs, callback) => world.clock.setTimer(delayMs, callback),
      sleep: (delayMs, signal) => world.clock.sleep(delayMs, signal),
    };
    app = await buildServer({ store: world.context.store, clock, config: { apiKeys: [], allowedTargets: [] } });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });
  return async <T>(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const response = await app!.inject({ method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    return { status: response.statusCode, body: response.json<T>() };
  };
}
