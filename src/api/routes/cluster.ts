import type { FastifyInstance } from 'fastify';
import { settings } from '../../config/schema.js';
import { JobSchedulerError } from '../../errors.js';
import { isUuid } from '../../ids.js';
import type { NodeRecord } from '../../store/types.js';
import { problems } from '../schemas/common.js';
import type { ApiContext } from './context.js';

/**
 * What the dashboard's cluster page and jobs table read beyond the job endpoints: the nodes
 * with their heartbeats and clock skew, the cluster's firing rate, and each job's success
 * rate over the last 24 hours. All figures come from the database, so every node answers
 * the same whichever one is asked.
 */

export interface ClusterRouteOptions {
  /** A node whose heartbeat is older than this is reported as not alive (default: the setting's default). */
  readonly nodeTimeoutMs?: number;
}

/**
 * The firing rate is averaged over this window: long enough to smooth the claim rhythm
 * (a few claims a second), short enough to follow a change within a few page refreshes.
 */
export const FIRING_WINDOW_MS = 10_000;
export const SUCCESS_WINDOW_MS = 24 * 3600 * 1000;
/** Ids per stats request; the dashboard asks in chunks of this size. */
export const MAX_STATS_IDS = 100;

const security = [{ bearer: [] }];
const dateTime = { type: 'string', format: 'date-time' } as const;

const nodeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    hostname: { type: 'string' },
    pid: { type: 'integer' },
    role: { type: 'string', description: 'all, api or scheduler' },
    version: { type: 'string' },
    startedAt: dateTime,
    heartbeatAt: dateTime,
    clockSkewMs: { type: 'integer', description: 'The node\'s clock minus the database\'s, at its last heartbeat.' },
    stoppedAt: { type: ['string', 'null'], format: 'date-time', description: 'Set when the node stopped or was found dead.' },
    alive: { type: 'boolean', description: 'Not stopped, and its last heartbeat is within the node timeout (by the database\'s clock).' },
  },
  required: ['id', 'hostname', 'pid', 'role', 'version', 'startedAt', 'heartbeatAt', 'clockSkewMs', 'stoppedAt', 'alive'],
} as const;

export function nodeResponse(node: NodeRecord, databaseNow: Date, timeoutMs: number): NodeRecord & { alive: boolean } {
  const alive = node.stoppedAt === null && databaseNow.getTime() - node.heartbeatAt.getTime() <= timeoutMs;
  return { ...node, alive };
}

function parseIds(text: string): string[] {
  const ids = [...new Set(text.split(',').map((id) => id.trim().toLowerCase()).filter((id) => id !== ''))];
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined) {
    throw new JobSchedulerError('VALIDATION_FAILED', `query parameter "ids": "${bad}" is not a job id`, { property: 'ids' });
  }
  if (ids.length > MAX_STATS_IDS) {
    throw new JobSchedulerError('VALIDATION_FAILED', `query parameter "ids": at most ${MAX_STATS_IDS} ids per request, got ${ids.length}`, {
      property: 'ids',
    });
  }
  return ids;
}

export function registerClusterRoutes(api: FastifyInstance, context: ApiContext, options: ClusterRouteOptions): void {
  const { store, clock } = context;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? settings.nodeTimeoutMs.default;

  api.get(
    '/nodes',
    {
      schema: {
        tags: ['cluster'],
        operationId: 'listNodes',
        summary: 'The scheduler nodes, their heartbeats and clock skew',
        security,
        response: {
          200: {
            description: 'Every node that has registered, oldest first',
            type: 'object',
            additionalProperties: false,
            properties: { items: { type: 'array', items: nodeSchema } },
            required: ['items'],
          },
          ...problems(401, 503),
        },
      },
    },
    async () => {
      const [nodes, now] = await Promise.all([store.nodeList(), store.databaseNow()]);
      return { items: nodes.map((node) => nodeResponse(node, now, nodeTimeoutMs)) };
    },
  );

  api.get(
    '/stats',
    {
      schema: {
        tags: ['cluster'],
        operationId: 'getClusterStats',
        summary: 'The cluster\'s firing rate',
        description: `Attempts taken on for sending by all nodes (every status but MISSED and SKIPPED), per second, averaged over the last ${FIRING_WINDOW_MS / 1000} s.`,
        security,
        response: {
          200: {
            description: 'Cluster-wide figures',
            type: 'object',
            additionalProperties: false,
            properties: {
              firingsPerSecond: { type: 'number' },
              windowSeconds: { type: 'integer' },
            },
            required: ['firingsPerSecond', 'windowSeconds'],
          },
          ...problems(401, 503),
        },
      },
    },
    async () => {
      const count = await store.executionCountRecent({ windowMs: FIRING_WINDOW_MS });
      return { firingsPerSecond: count / (FIRING_WINDOW_MS / 1000), windowSeconds: FIRING_WINDOW_MS / 1000 };
    },
  );

  api.get<{ Querystring: { ids: string } }>(
    '/stats/jobs',
    {
      schema: {
        tags: ['cluster'],
        operationId: 'getJobSuccessRates',
        summary: 'Success rate of jobs over the last 24 hours',
        description:
          'For each job id given: occurrences scheduled in the last 24 h that ended in success and in failure, judged by each ' +
          'occurrence\'s latest attempt (a retry that succeeded is a success). Occurrences still retrying, missed or skipped are not counted.',
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['ids'],
          properties: {
            ids: { type: 'string', minLength: 1, maxLength: MAX_STATS_IDS * 40, description: `Comma-separated job ids (at most ${MAX_STATS_IDS}).` },
          },
        },
        response: {
          200: {
            description: 'One entry per job id asked about, in the order given',
            type: 'object',
            additionalProperties: false,
            properties: {
              since: dateTime,
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    jobId: { type: 'string' },
                    succeeded: { type: 'integer' },
                    failed: { type: 'integer' },
                    successRate: { type: ['number', 'null'], description: 'succeeded / (succeeded + failed); null when none finished.' },
                  },
                  required: ['jobId', 'succeeded', 'failed', 'successRate'],
                },
              },
            },
            required: ['since', 'items'],
          },
          ...problems(400, 401, 503),
        },
      },
    },
    async (request) => {
      const ids = parseIds(request.query.ids);
      const since = new Date(clock.now() - SUCCESS_WINDOW_MS);
      const counts = new Map((await store.executionOutcomesByJob({ jobIds: ids, since })).map((entry) => [entry.jobId, entry]));
      const items = ids.map((jobId) => {
        const { succeeded = 0, failed = 0 } = counts.get(jobId) ?? {};
        return { jobId, succeeded, failed, successRate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed) };
      });
      return { since, items };
    },
  );
}
