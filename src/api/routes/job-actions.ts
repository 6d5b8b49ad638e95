import type { FastifyInstance } from 'fastify';
import { formatInZone } from '../../cron/index.js';
import { JobSchedulerError } from '../../errors.js';
import { uuidv7 } from '../../ids.js';
import { JOB_LIMITS } from '../../jobs/defaults.js';
import { runsLeft } from '../../jobs/bounds.js';
import { overrideFromBody, type RunBody } from '../../jobs/run-override.js';
import { dueAtOf, jobPreview, nextRunAt } from '../../jobs/schedule.js';
import { idParams, pageQuery, problems } from '../schemas/common.js';
import { runBodySchema } from '../schemas/job.js';
import { executionResponse, jobId, sendJob, withCursor, type ApiContext, type IdParams } from './context.js';

const security = [{ bearer: [] }];
const jobAnswer = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: 'Job#' } } } });

/**
 * What a client can do to a job besides editing it. None of these fires anything itself:
 * they write rows and fields the engine acts on, so any scheduler node carries them out.
 */
export function registerJobActionRoutes(api: FastifyInstance, context: ApiContext): void {
  const { store, clock } = context;
  const manualInstant = manualInstants();

  api.post<{ Params: IdParams; Body: RunBody | undefined }>(
    '/jobs/:id/run',
    {
      // The body is optional: a request without one is checked as the empty override.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['jobs'],
        operationId: 'runJob',
        summary: 'Run a job now',
        description:
          'Adds an extra occurrence (trigger "manual", scheduled now) that any scheduler node picks up. It never replaces ' +
          'or collides with a scheduled occurrence. Refused (409) for an inactive or deleted job. An optional body overrides ' +
          'the payload and/or headers of this one firing (and its retries); the job itself is unchanged, and the history ' +
          'shows the override on the attempt.',
        security,
        params: idParams,
        body: runBodySchema,
        response: {
          202: {
            description: 'Queued; follow it in the history',
            type: 'object',
            additionalProperties: false,
            properties: {
              executionId: { type: 'string', format: 'uuid' },
              jobId: { type: 'string', format: 'uuid' },
              scheduledAt: { type: 'string', format: 'date-time' },
              trigger: { type: 'string', enum: ['manual'] },
              status: { type: 'string', enum: ['SCHEDULED'] },
              overridden: { type: 'boolean', description: 'Whether this firing sends an override of the payload or headers.' },
            },
            required: ['executionId', 'jobId', 'scheduledAt', 'trigger', 'status', 'overridden'],
          },
          ...problems(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const job = await store.jobGet(jobId(request.params));
      if (!job.isActive) {
        if (job.endedBy !== null && job.deletedAt === null) {
          throw new JobSchedulerError('CONFLICT', `The job ${job.pausedReason ?? 'ended'}; PATCH a later endAt or a higher maxRuns to run it again`, {
            jobId: job.id,
          });
        }
        const state = job.deletedAt === null ? 'inactive (isActive false)' : 'deleted';
        throw new JobSchedulerError('CONFLICT', `The job is ${state}; PATCH isActive true to run it again`, { jobId: job.id });
      }
      const override = overrideFromBody(request.body, job);
      const scheduledAt = new Date(manualInstant(job.id, clock.now()));
      const executionId = uuidv7(scheduledAt.getTime());
      await store.executionWrite({
        inserts: [
          { id: executionId, jobId: job.id, scheduledAt, trigger: 'manual', attempt: 1, dueAt: scheduledAt, status: 'SCHEDULED', ownerNode: null, override },
        ],
      });
      return reply.status(202).send({ executionId, jobId: job.id, scheduledAt, trigger: 'manual', status: 'SCHEDULED', overridden: override !== null });
    },
  );

  api.post<{ Params: IdParams }>(
    '/jobs/:id/pause',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'pauseJob',
        summary: 'Pause a job',
        description:
          'Its occurrences stop firing until resumed; nextRunAt stays where it was. The job shows pausedReason "manual" and ' +
          'pausedAt; pausing a job already paused (by hand or after failures) keeps its reason.',
        security,
        params: idParams,
        response: { 200: jobAnswer('The paused job'), ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const id = jobId(request.params);
      const current = await store.jobGet(id);
      // A reason already there (paused after failures, or ended by a bound) says more than "manual".
      const keepsReason = current.paused || !current.isActive;
      const patch = keepsReason ? { paused: true } : { paused: true, pausedReason: 'manual', pausedAt: new Date(clock.now()) };
      return sendJob(reply, await store.jobUpdate({ id, patch }));
    },
  );

  api.post<{ Params: IdParams }>(
    '/jobs/:id/resume',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'resumeJob',
        summary: 'Resume a paused job',
        description:
          'Occurrences that fell due while paused are handled by the job\'s misfirePolicy (skip: recorded as MISSED; ' +
          'fire_once: one catch-up firing; fire_all: every one). Clears pausedReason, pausedAt and the consecutive-failure count.',
        security,
        params: idParams,
        response: { 200: jobAnswer('The resumed job'), ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const id = jobId(request.params);
      const current = await store.jobGet(id);
      // nextRunAt was left at the first occurrence that fell due while paused, so the
      // engine's misfire policy sees the gap. Only a job with none yet gets one from now.
      const needsNext = current.nextRunAt === null && current.isActive && current.schedule !== null && runsLeft(current) > 0;
      const next = needsNext ? nextRunAt(current, new Date(clock.now())) : null;
      // An inactive job keeps the reason it ended with; resuming only lifts the pause.
      const cleared = current.isActive ? { pausedReason: null, pausedAt: null } : {};
      const patch = { paused: false, consecutiveFailures: 0 as const, ...cleared, ...(needsNext ? { nextRunAt: next, nextDueAt: next && dueAtOf(current, next) } : {}) };
      return sendJob(reply, await store.jobUpdate({ id, patch }));
    },
  );

  api.get<{ Params: IdParams; Querystring: { count: number } }>(
    '/jobs/:id/schedule',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJobSchedule',
        summary: 'The next firings of a job',
        description:
          'RFC 3339 instants with the offset of the job\'s time zone, from now, within its startAt and endAt and no more than its ' +
          'maxRuns leave (none for a job they ended). A one-time job lists its runAt while it is ahead. ' +
          'nextRuns are the scheduled times (X-Scheduled-At); firesAt, in the same order, when each is sent: the scheduled time plus the job\'s jitter.',
        security,
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { count: { type: 'integer', minimum: 1, maximum: JOB_LIMITS.previewCount, default: 10 } },
        },
        response: {
          200: {
            description: 'Upcoming firings',
            type: 'object',
            additionalProperties: false,
            properties: {
              jobId: { type: 'string', format: 'uuid' },
              timezone: { type: 'string' },
              nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } },
              firesAt: { type: 'array', items: { type: 'string', format: 'date-time' }, description: 'When each of nextRuns is sent (with the jitter).' },
            },
            required: ['jobId', 'timezone', 'nextRuns', 'firesAt'],
          },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      const job = await store.jobGet(jobId(request.params));
      const now = clock.now();
      const { count } = request.query;
      // An occurrence scheduled up to jitterMs ago (since the job exists) may still be waiting to
      // fire: it is listed. jitterMs is at most the gap between occurrences: one more than count is enough.
      const since = new Date(Math.max(now - job.jitterMs, Math.min(now, job.createdAt.getTime())));
      const candidates = job.endedBy === null ? jobPreview(job, count + 1, since) : [];
      const runs = candidates
        .map((scheduledAt) => ({ scheduledAt, firesAt: dueAtOf(job, scheduledAt) }))
        .filter((run) => run.firesAt.getTime() > now)
        .slice(0, count);
      return {
        jobId: job.id,
        timezone: job.timezone,
        nextRuns: runs.map((run) => formatInZone(run.scheduledAt, job.timezone)),
        firesAt: runs.map((run) => formatInZone(run.firesAt, job.timezone)),
      };
    },
  );

  api.get<{ Params: IdParams; Querystring: { limit: number; cursor?: string } }>(
    '/jobs/:id/history',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJobHistory',
        summary: 'Execution history of a job, newest first',
        security,
        params: idParams,
        querystring: pageQuery(),
        response: {
          200: {
            description: 'A page of attempts; pass nextCursor as cursor for the next one (null: last page)',
            type: 'object',
            additionalProperties: false,
            properties: { items: { type: 'array', items: { $ref: 'Execution#' } }, nextCursor: { type: ['string', 'null'] } },
            required: ['items', 'nextCursor'],
          },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      const id = jobId(request.params);
      await store.jobGet(id);
      const { limit, cursor } = request.query;
      const page = await withCursor(() => store.executionList({ jobId: id, limit, cursor }));
      return { items: page.items.map(executionResponse), nextCursor: page.nextCursor };
    },
  );
}

/**
 * Two run-now requests for one job in the same millisecond would be the same occurrence
 * (job, scheduledAt, 'manual', attempt 1) and the second silently dropped, so this node
 * hands out strictly increasing instants per job. Only a recent instant is bumped: after a
 * backward clock step the real time is used rather than an instant in the future.
 */
function manualInstants(): (jobId: string, nowMs: number) => number {
  const last = new Map<string, number>();
  return (jobId, nowMs) => {
    const previous = last.get(jobId);
    const ms = previous !== undefined && nowMs <= previous && previous - nowMs < 1000 ? previous + 1 : nowMs;
    if (last.size >= 10_000) last.clear();
    last.set(jobId, ms);
    return ms;
  };
}
