import type { FastifyInstance } from 'fastify';
import { problems } from '../schemas/common.js';
import type { ApiContext } from './context.js';

/** The cluster page's charts cover the last hour, minute by minute. */
export const TIMELINE_WINDOW_MS = 60 * 60 * 1000;
export const TIMELINE_BUCKET_MS = 60 * 1000;

const nullableNumber = { type: ['number', 'null'] } as const;

/**
 * GET /api/v1/stats/timeline: attempts started per minute over the last hour by all nodes,
 * the failures among them and their lateness percentiles, read from the history (so every
 * node draws the same picture, and a restarted node still has the past hour).
 */
export function registerTimelineRoute(api: FastifyInstance, context: Pick<ApiContext, 'store'>): void {
  api.get(
    '/stats/timeline',
    {
      schema: {
        tags: ['cluster'],
        operationId: 'getClusterTimeline',
        summary: 'Firings, failures and lateness over the last hour, minute by minute',
        description:
          'One entry per minute, oldest first, every minute present. started: attempts that started (divide by 60 for firings per second); ' +
          'failed: those among them that ended FAILED or LOST; lateness: start minus due time, in ms (null when nothing started).',
        security: [{ bearer: [] }],
        response: {
          200: {
            description: 'The last hour by the database\'s clock',
            type: 'object',
            additionalProperties: false,
            properties: {
              bucketSeconds: { type: 'integer' },
              buckets: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    start: { type: 'string', format: 'date-time' },
                    started: { type: 'integer' },
                    failed: { type: 'integer' },
                    latenessP50Ms: nullableNumber,
                    latenessP95Ms: nullableNumber,
                    latenessP99Ms: nullableNumber,
                  },
                  required: ['start', 'started', 'failed', 'latenessP50Ms', 'latenessP95Ms', 'latenessP99Ms'],
                },
              },
            },
            required: ['bucketSeconds', 'buckets'],
          },
          ...problems(401, 503),
        },
      },
    },
    async () => {
      const buckets = await context.store.executionTimeline({ windowMs: TIMELINE_WINDOW_MS, bucketMs: TIMELINE_BUCKET_MS });
      return { bucketSeconds: TIMELINE_BUCKET_MS / 1000, buckets };
    },
  );
}
