import type { FastifyInstance } from 'fastify';
import { JobSchedulerError } from '../../errors.js';
import { BACKFILL_LIMITS, backfillRange, type BackfillBody } from '../../jobs/backfill.js';
import { idParams, problems } from '../schemas/common.js';
import { jobId, type ApiContext, type IdParams } from './context.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

const backfillBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  examples: [{ from: '2026-03-01T00:00:00Z', to: '2026-03-01T01:00:00Z', maxOccurrences: 100, intervalMs: 2000 }],
  properties: {
    from: { ...dateTime, description: 'RFC 3339 instant: the first occurrence that may be fired (included).' },
    to: { ...dateTime, description: 'RFC 3339 instant, after from and not after now: occurrences before it are covered (excluded).' },
    maxOccurrences: {
      type: 'integer',
      minimum: 1,
      maximum: BACKFILL_LIMITS.maxOccurrences.max,
      default: BACKFILL_LIMITS.maxOccurrences.default,
      description: 'The most scheduled occurrences the range may hold; a range holding more is refused (400 naming to).',
    },
    intervalMs: {
      type: 'integer',
      minimum: BACKFILL_LIMITS.intervalMs.min,
      maximum: BACKFILL_LIMITS.intervalMs.max,
      default: BACKFILL_LIMITS.intervalMs.default,
      description: 'Time between two backfilled firings of this job (at most 100 a second), after any an earlier backfill still has queued.',
    },
  },
} as const;

const backfillAnswer = {
  description: 'What the backfill fires; an identical call again answers the same occurrences with queued 0',
  type: 'object',
  additionalProperties: false,
  properties: {
    jobId: { type: 'string', format: 'uuid' },
    from: dateTime,
    to: dateTime,
    scheduled: { type: 'integer', description: 'Scheduled occurrences in [from, to).' },
    count: { type: 'integer', description: 'Occurrences this backfill fires: queued now plus queued by an earlier backfill.' },
    first: { ...nullableDateTime, description: 'The earliest of them (its scheduledAt); null when count is 0.' },
    last: { ...nullableDateTime, description: 'The latest of them; null when count is 0.' },
    queued: { type: 'integer', description: 'Of count, how many this call queued (0 when repeated).' },
    alreadyQueued: { type: 'integer', description: 'Of count, how many an earlier backfill had queued or fired.' },
    skipped: {
      type: 'object',
      additionalProperties: false,
      description: 'Occurrences left alone, by reason.',
      properties: {
        succeeded: { type: 'integer', description: 'An attempt succeeded.' },
        inProgress: { type: 'integer', description: 'The scheduled attempt is still open (due, running or retrying).' },
        maybeSent: { type: 'integer', description: 'AT_MOST_ONCE: an attempt FAILED or was LOST after its request may have left.' },
      },
      required: ['succeeded', 'inProgress', 'maybeSent'],
    },
    intervalMs: { type: 'integer' },
    firstDueAt: { ...nullableDateTime, description: 'When the first occurrence queued by this call fires; null when it queued none.' },
    lastDueAt: { ...nullableDateTime, description: 'When the last occurrence queued by this call fires.' },
  },
  required: ['jobId', 'from', 'to', 'scheduled', 'count', 'first', 'last', 'queued', 'alreadyQueued', 'skipped', 'intervalMs', 'firstDueAt', 'lastDueAt'],
} as const;

/**
 * POST /jobs/{id}/backfill: fires past occurrences that never succeeded, once each. Like every
 * job action it only writes rows (trigger 'backfill', unowned, spaced intervalMs apart) that
 * any scheduler node then claims as it claims retries.
 */
export function registerBackfillRoute(api: FastifyInstance, context: ApiContext): void {
  const { store, clock } = context;
  api.post<{ Params: IdParams; Body: BackfillBody }>(
    '/jobs/:id/backfill',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'backfillJob',
        summary: 'Fire past occurrences that never succeeded',
        description:
          `Fires, once each and intervalMs apart, every occurrence of the job's schedule in [from, to) that has no SUCCEEDED ` +
          `attempt and none still open, with the job's delivery guarantee (an AT_MOST_ONCE occurrence that may have been sent, ` +
          `FAILED or LOST, is left alone). Occurrences are recorded with trigger "backfill". Idempotent: a second call for the same ` +
          `range queues nothing again and answers what is queued. A range holding more than maxOccurrences (at most ` +
          `${BACKFILL_LIMITS.maxOccurrences.max}) scheduled occurrences is refused. Refused (409) for a paused, inactive or deleted ` +
          `job; pausing or deleting the job withdraws the backfilled occurrences not yet sent.`,
        security: [{ bearer: [] }],
        params: idParams,
        body: backfillBodySchema,
        response: { 202: backfillAnswer, ...problems(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const job = await store.jobGet(jobId(request.params));
      if (!job.isActive || job.paused) {
        const state = job.deletedAt !== null ? 'deleted' : !job.isActive ? 'inactive (isActive false)' : 'paused';
        throw new JobSchedulerError('CONFLICT', `The job is ${state}; a backfill would be withdrawn at once. Resume or reactivate it first`, { jobId: job.id });
      }
      const now = new Date(clock.now());
      const range = backfillRange(request.body, job, now);
      const result = await store.executionBackfill({ jobId: job.id, occurrences: range.occurrences, now, intervalMs: range.intervalMs });
      return reply.status(202).send({
        jobId: job.id,
        from: range.from,
        to: range.to,
        scheduled: range.occurrences.length,
        count: result.occurrences.length,
        first: result.occurrences[0] ?? null,
        last: result.occurrences.at(-1) ?? null,
        queued: result.queued,
        alreadyQueued: result.occurrences.length - result.queued,
        skipped: result.skipped,
        intervalMs: range.intervalMs,
        firstDueAt: result.firstDueAt,
        lastDueAt: result.lastDueAt,
      });
    },
  );
}
