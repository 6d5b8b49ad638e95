import type { FastifyInstance } from 'fastify';
import { version } from '../../version.js';
import { problems } from '../schemas/common.js';
import type { ApiContext } from './context.js';

/**
 * Liveness and readiness: open without an API key, so orchestrators can probe them (the
 * document says so with an empty `security`, which generated clients read as "send no key").
 */
export function registerHealthRoutes(app: FastifyInstance, context: Pick<ApiContext, 'store' | 'clock'>): void {
  const startedAt = context.clock.now();

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        security: [],
        response: {
          200: {
            description: 'Alive',
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: ['ok'] },
              version: { type: 'string' },
              uptimeSeconds: { type: 'number' },
              store: { type: 'string', enum: ['postgres', 'pglite'] },
            },
            required: ['status', 'version', 'uptimeSeconds', 'store'],
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      version,
      uptimeSeconds: Math.max(0, Math.round((context.clock.now() - startedAt) / 100) / 10),
      store: context.store.kind,
    }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        operationId: 'getReady',
        summary: 'Readiness: the database answers',
        security: [],
        response: {
          200: {
            description: 'Ready to serve',
            type: 'object',
            additionalProperties: false,
            properties: { status: { type: 'string', enum: ['ready'] } },
            required: ['status'],
          },
          ...problems(503),
        },
      },
    },
    async () => {
      await context.store.ping();
      return { status: 'ready' };
    },
  );
}
