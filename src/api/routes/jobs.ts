import type { FastifyInstance } from 'fastify';
import { JobSchedulerError, isJobSchedulerError } from '../../errors.js';
import { JOB_LIMITS } from '../../jobs/defaults.js';
import { newJobFromBody, patchFromBody, type JobBody, type JobPatchBody } from '../../jobs/definition.js';
import type { JobListParams, JobRecord } from '../../store/types.js';

type JobListQuery = JobListParams & { readonly limit: number };
import { etagHeader, idParams, pageQuery, problems } from '../schemas/common.js';
import { jobCreateSchema } from '../schemas/job.js';
import { expectedVersion, jobId, jobResponse, sendJob, withCursor, type ApiContext, type IdParams } from './context.js';

const jobRef = { $ref: 'Job#' } as const;
const security = [{ bearer: [] }];

function jobAnswer(description: string) {
  return { description, headers: etagHeader, content: { 'application/json': { schema: jobRef } } };
}

function jobPage(description: string) {
  return {
    description,
    type: 'object',
    additionalProperties: false,
    properties: { items: { type: 'array', items: jobRef }, nextCursor: { type: ['string', 'null'] } },
    required: ['items', 'nextCursor'],
  };
}

/** How many times PATCH merges onto a fresh read of a job changed under it (without If-Match). */
const PATCH_ATTEMPTS = 3;

export function registerJobRoutes(api: FastifyInstance, context: ApiContext): void {
  const { store, creates, clock, targets } = context;

  api.post<{ Body: JobBody }>(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'createJob',
        summary: 'Create a job',
        description: 'Give `schedule` (cron with seconds) or `runAt` (one-time). Answers the job with its id and nextRunAt.',
        security,
        body: jobCreateSchema,
        response: { 201: jobAnswer('The job as stored'), ...problems(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const job = await creates.create(newJobFromBody(request.body, { targets, now: new Date(clock.now()) }));
      return sendJob(reply.header('location', `/api/v1/jobs/${job.id}`), job, 201);
    },
  );

  api.post<{ Body: { jobs: JobBody[] } }>(
    '/jobs/batch',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'createJobs',
        summary: 'Create up to 1,000 jobs at once',
        description: 'All or nothing: one invalid job (named as jobs[i].field in the error) and none is created.',
        security,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['jobs'],
          properties: { jobs: { type: 'array', minItems: 1, maxItems: JOB_LIMITS.batchSize, items: jobCreateSchema } },
        },
        response: {
          201: {
            description: 'Every job, in the order given',
            type: 'object',
            additionalProperties: false,
            properties: { items: { type: 'array', items: jobRef } },
            required: ['items'],
          },
          ...problems(400, 401, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const now = new Date(clock.now());
      const params = request.body.jobs.map((body, index) => newJobFromBody(body, { targets, now, prefix: `jobs[${index}].` }));
      const jobs = await store.jobCreateMany(params);
      return reply.status(201).type('application/json; charset=utf-8').send(batchAnswer(jobs));
    },
  );

  api.get<{ Querystring: JobListQuery }>(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'listJobs',
        summary: 'List jobs, oldest or newest first, filtered',
        security,
        querystring: pageQuery({
          active: { type: 'boolean', description: 'true: only active jobs; false: only inactive (deleted) ones.' },
          name: { type: 'string', maxLength: JOB_LIMITS.nameLength, description: 'Case-insensitive part of the name.' },
          paused: { type: 'boolean', description: 'true: only paused jobs; false: only those not paused.' },
          type: { type: 'string', enum: ['AT_LEAST_ONCE', 'AT_MOST_ONCE'], description: 'Only jobs of this delivery type.' },
          lastStatus: {
            type: 'string',
            enum: ['SUCCEEDED', 'FAILED', 'MISSED', 'SKIPPED', 'LOST', 'never'],
            description: 'Only jobs whose latest finished attempt has this status; never: jobs with no finished attempt.',
          },
          order: { type: 'string', enum: ['oldest', 'newest'], default: 'oldest', description: 'By creation time; a cursor is read in the order it was made in.' },
        }),
        response: { 200: jobPage('A page of jobs; pass nextCursor as cursor for the next one (null: last page)'), ...problems(400, 401) },
      },
    },
    async (request) => {
      const { name } = request.query;
      // eslint-disable-next-line no-control-regex -- matching NUL is the point
      if (name !== undefined && /\u0000/.test(name)) {
        throw new JobSchedulerError('VALIDATION_FAILED', 'query parameter "name" contains a NUL character, which no job name holds', { property: 'name' });
      }
      const page = await withCursor(() => store.jobList(request.query));
      return { items: page.items.map(jobResponse), nextCursor: page.nextCursor };
    },
  );

  api.get<{ Params: IdParams }>(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJob',
        summary: 'Get a job',
        description: 'With nextRunAt, lastRunAt and lastStatus, and its version as ETag.',
        security,
        params: idParams,
        response: { 200: jobAnswer('The job'), ...problems(401, 404) },
      },
    },
    async (request, reply) => sendJob(reply, await store.jobGet(jobId(request.params))),
  );

  api.patch<{ Params: IdParams; Body: JobPatchBody; Headers: { 'if-match'?: string } }>(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'updateJob',
        summary: 'Change a job',
        description:
          'Only the fields given change. Changing schedule, runAt or timezone recomputes nextRunAt; `isActive: true` ' +
          'reactivates a deleted job. With If-Match, the change applies only to that version (412 otherwise).',
        security,
        params: idParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'An ETag from GET' } } },
        body: { $ref: 'JobPatch#' },
        response: { 200: jobAnswer('The job after the change'), ...problems(400, 401, 404, 412, 413, 415) },
      },
    },
    async (request, reply) => {
      const id = jobId(request.params);
      const wanted = expectedVersion(request.headers['if-match']);
      return sendJob(reply, await patchJob(context, id, request.body, wanted));
    },
  );

  api.delete<{ Params: IdParams }>(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'deleteJob',
        summary: 'Delete a job (soft)',
        description: 'The job stops firing (isActive false) but stays readable with its history. PATCH isActive true to bring it back.',
        security,
        params: idParams,
        response: { 204: { description: 'Deleted', type: 'null' }, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      await store.jobSoftDelete(jobId(request.params));
      return reply.status(204).send();
    },
  );
}

type JobAnswer = ReturnType<typeof jobResponse>;

/**
 * The answer to a batch create, ~650 KB for 1,000 jobs, serialised here rather than by the
 * response schema: JSON.stringify writes one flat string in native code, where the schema's
 * compiled serializer joins thousands of small strings that then cost as much again to
 * measure and encode for the socket. Each distinct instant is formatted once (a batch shares
 * createdAt and mostly a few nextRunAt values). The type below admits exactly the schema's
 * fields, and the batch tests hold every item equal to what GET answers.
 */
function batchAnswer(jobs: readonly JobRecord[]): Buffer {
  const formatted = new Map<number, string>();
  const iso = (date: Date | null): string | null => {
    if (date === null) return null;
    const ms = date.getTime();
    let text = formatted.get(ms);
    if (text === undefined) {
      text = date.toISOString();
      formatted.set(ms, text);
    }
    return text;
  };
  const items = jobs.map((job): { [K in keyof JobAnswer]: unknown } => ({
    id: job.id,
    jobId: job.id,
    name: job.name,
    description: job.description,
    schedule: job.schedule,
    runAt: iso(job.runAt),
    timezone: job.timezone,
    api: job.api,
    method: job.method,
    headers: job.headers,
    payload: job.payload,
    timeoutMs: job.timeoutMs,
    type: job.type,
    retry: job.retry,
    misfirePolicy: job.misfirePolicy,
    overlapPolicy: job.overlapPolicy,
    onFailure: job.onFailure,
    isActive: job.isActive,
    paused: job.paused,
    pauseAfterFailures: job.pauseAfterFailures,
    consecutiveFailures: job.consecutiveFailures,
    pausedReason: job.pausedReason,
    pausedAt: iso(job.pausedAt),
    startAt: iso(job.startAt),
    endAt: iso(job.endAt),
    maxRuns: job.maxRuns,
    runCount: job.runCount,
    endedBy: job.endedBy,
    jitterMs: job.jitterMs,
    nextRunAt: iso(job.nextRunAt),
    lastRunAt: iso(job.lastRunAt),
    setAsideReason: job.setAsideReason,
    setAsideAt: iso(job.setAsideAt),
    lastStatus: job.lastStatus,
    version: job.version,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    deletedAt: iso(job.deletedAt),
  }));
  return Buffer.from(JSON.stringify({ items }));
}

/**
 * Read, merge, write at the version read. Without If-Match a concurrent change is not the
 * client's concern: the merge is redone on the fresh row a few times, and the last try writes
 * whatever the version (last writer wins, as documented), so such a PATCH never answers 412
 * however many clients change the job at once.
 */
async function patchJob(context: ApiContext, id: string, body: JobPatchBody, wanted: number | undefined): Promise<JobRecord> {
  for (let attempt = 1; ; attempt++) {
    const current = await context.store.jobGet(id);
    if (wanted !== undefined && wanted !== current.version) {
      throw new JobSchedulerError(
        'PRECONDITION_FAILED',
        `If-Match asks for version ${wanted} but the job is at version ${current.version}; read it again and reapply the change`,
        { currentVersion: current.version },
      );
    }
    const patch = patchFromBody(body, current, { targets: context.targets, now: new Date(context.clock.now()) });
    const lastTry = wanted === undefined && attempt >= PATCH_ATTEMPTS;
    try {
      return await context.store.jobUpdate({ id, patch, ...(lastTry ? {} : { expectedVersion: wanted ?? current.version }) });
    } catch (error) {
      if (wanted !== undefined || lastTry || !isJobSchedulerError(error, 'PRECONDITION_FAILED')) throw error;
    }
  }
}
