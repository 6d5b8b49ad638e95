import { JOB_DEFAULTS, JOB_LIMITS } from '../../jobs/defaults.js';

/**
 * JSON Schemas of job bodies and job responses. They drive validation (strict: no
 * coercion, unknown fields rejected), response serialisation and the OpenAPI document.
 * Rules a schema cannot express (cron syntax, zones, targets) live in src/jobs.
 */

const TOKEN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/** Printable ASCII, spaces and tabs: what every HTTP client sends as a header value unchanged. */
const HEADER_VALUE = '^[\\t\\x20-\\x7e]*$';
const DELIVERY_TYPES = ['AT_LEAST_ONCE', 'AT_MOST_ONCE'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MISFIRE = ['skip', 'fire_once', 'fire_all'];
const OVERLAP = ['allow', 'forbid'];

const retryProperties = {
  maxAttempts: {
    type: 'integer',
    minimum: JOB_LIMITS.maxAttempts.min,
    maximum: JOB_LIMITS.maxAttempts.max,
    description: 'Attempts in all, the first included.',
  },
  minBackoffMs: {
    type: 'integer',
    minimum: JOB_LIMITS.backoffMs.min,
    maximum: JOB_LIMITS.backoffMs.max,
    description: 'Delay before the first retry; doubles with each retry (with jitter).',
  },
  maxBackoffMs: {
    type: 'integer',
    minimum: JOB_LIMITS.backoffMs.min,
    maximum: JOB_LIMITS.backoffMs.max,
    description: 'Longest delay between two attempts.',
  },
} as const;

/** Every field a client may send, without defaults (shared by create and patch). */
const bodyProperties = {
  name: { type: ['string', 'null'], maxLength: JOB_LIMITS.nameLength, description: 'A label; filter the list with ?name=.' },
  description: { type: ['string', 'null'], maxLength: JOB_LIMITS.descriptionLength },
  schedule: {
    type: 'string',
    minLength: 1,
    maxLength: JOB_LIMITS.scheduleLength,
    description: 'Cron expression with seconds ("31 10-15 1 * * MON-FRI"); give either schedule or runAt.',
    examples: ['31 10-15 1 * * MON-FRI'],
  },
  runAt: {
    type: 'string',
    format: 'date-time',
    description: 'RFC 3339 instant of a one-time job; give either schedule or runAt.',
  },
  timezone: {
    type: 'string',
    minLength: 1,
    maxLength: JOB_LIMITS.timezoneLength,
    description: 'IANA time zone the schedule is read in.',
    examples: ['Europe/Paris'],
  },
  api: {
    type: 'string',
    minLength: 1,
    maxLength: JOB_LIMITS.urlLength,
    description: 'The http(s) URL each firing sends its request to.',
    examples: ['http://localhost:4444/foo'],
  },
  method: { type: 'string', enum: METHODS },
  headers: {
    type: 'object',
    maxProperties: JOB_LIMITS.headerCount,
    propertyNames: { pattern: TOKEN, maxLength: JOB_LIMITS.headerNameLength },
    additionalProperties: { type: 'string', maxLength: JOB_LIMITS.headerValueLength, pattern: HEADER_VALUE },
    description: 'Headers sent with each request.',
  },
  payload: { description: 'JSON body sent with each request (any JSON value).' },
  timeoutMs: { type: 'integer', minimum: JOB_LIMITS.timeoutMs.min, maximum: JOB_LIMITS.timeoutMs.max },
  type: {
    type: 'string',
    enum: [...DELIVERY_TYPES, 'ATLEAST_ONCE', 'ATMOST_ONCE'],
    description: 'Delivery guarantee; ATLEAST_ONCE and ATMOST_ONCE are accepted and stored as AT_LEAST_ONCE and AT_MOST_ONCE.',
  },
  retry: {
    type: 'object',
    additionalProperties: false,
    properties: retryProperties,
    description: 'Retries of a failed attempt (AT_LEAST_ONCE jobs).',
  },
  misfirePolicy: {
    type: 'string',
    enum: MISFIRE,
    description: 'What happens to occurrences that fell due while no node could fire them.',
  },
  overlapPolicy: {
    type: 'string',
    enum: OVERLAP,
    description: 'forbid: skip an occurrence while the previous one is still running.',
  },
  onFailure: {
    type: ['string', 'null'],
    maxLength: JOB_LIMITS.urlLength,
    description: 'http(s) URL told when an occurrence finally fails.',
  },
  isActive: { type: 'boolean', description: 'false: never fires (a soft-deleted job); PATCH true to reactivate.' },
  pauseAfterFailures: {
    type: ['integer', 'null'],
    minimum: JOB_LIMITS.pauseAfterFailures.min,
    maximum: JOB_LIMITS.pauseAfterFailures.max,
    description:
      'Pause the job after this many consecutive occurrences ended FAILED (after their retries); null: never (the default). ' +
      'A success resets the count; MISSED, SKIPPED and LOST occurrences do not count. Setting it starts the count afresh.',
    examples: [5],
  },
  startAt: {
    type: ['string', 'null'],
    format: 'date-time',
    description: 'Recurring jobs only: no occurrence before this RFC 3339 instant (one exactly at it fires); null: from now.',
  },
  endAt: {
    type: ['string', 'null'],
    format: 'date-time',
    description:
      'Recurring jobs only: no occurrence after this RFC 3339 instant (one exactly at it fires); the job then becomes inactive ' +
      'with pausedReason. Must leave at least one occurrence ahead. Changing it on a job it ended brings the job back.',
  },
  maxRuns: {
    type: ['integer', 'null'],
    minimum: JOB_LIMITS.maxRuns.min,
    maximum: JOB_LIMITS.maxRuns.max,
    description:
      'Recurring jobs only: at most this many scheduled occurrences fire over the job\'s life (manual runs and MISSED ' +
      'occurrences do not count); the job then becomes inactive with pausedReason. Raising it on a job it ended brings the job back.',
  },
  jitterMs: {
    type: 'integer',
    minimum: JOB_LIMITS.jitterMs.min,
    maximum: JOB_LIMITS.jitterMs.max,
    description:
      'Each occurrence is sent this many ms after its scheduled time at most: a delay in [0, jitterMs) fixed by the job id and the occurrence ' +
      '(the same on every node and after every restart; GET /jobs/{id}/schedule lists it), so that jobs sharing a schedule do not reach their ' +
      'targets at the same instant. At most the shortest gap between two occurrences of the schedule. X-Scheduled-At stays the scheduled time; ' +
      'the misfire grace counts from the delayed time. 0: none.',
    examples: [30_000],
  },
} as const;

/**
 * The optional body of POST /jobs/{id}/run: what this one firing sends instead of the job's.
 * The same rules and limits as the job's own headers and payload.
 */
export const runBodySchema = {
  type: 'object',
  additionalProperties: false,
  examples: [{ payload: { report: 'daily', rerun: true }, headers: { 'X-Tenant': 'acme' } }],
  properties: {
    payload: {
      description: 'JSON body sent instead of the job\'s payload (any JSON value; null sends no body). Refused for a GET job.',
    },
    headers: {
      ...bodyProperties.headers,
      description:
        'Headers merged over the job\'s for this firing: a name given here replaces the job\'s header of that name (case-insensitively). ' +
        'Up to 64, the same reserved names refused.',
    },
  },
} as const;

/** What a run-now override carried, as the history shows it. */
const overrideSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  description: 'The run-now override this attempt sends (retries send it too); null when it sends the job\'s own payload and headers.',
  properties: {
    payload: { description: 'Sent instead of the job\'s payload, when present.' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Merged over the job\'s headers, when present.' },
  },
} as const;

function withDefault<T extends object>(schema: T, value: unknown): T & { default: unknown } {
  return { ...schema, default: value };
}

/**
 * The create body, written inline where it is used (no $id, so no shared component): a
 * generator such as openapi-typescript then reads the defaulted fields as optional, which a
 * component also used by responses could not tell it.
 */
export const jobCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api', 'type'],
  examples: [{ schedule: '31 10-15 1 * * MON-FRI', api: 'http://localhost:4444/foo', type: 'ATLEAST_ONCE' }],
  properties: {
    ...bodyProperties,
    timezone: withDefault(bodyProperties.timezone, JOB_DEFAULTS.timezone),
    method: withDefault(bodyProperties.method, JOB_DEFAULTS.method),
    timeoutMs: withDefault(bodyProperties.timeoutMs, JOB_DEFAULTS.timeoutMs),
    retry: {
      ...bodyProperties.retry,
      properties: {
        maxAttempts: withDefault(retryProperties.maxAttempts, JOB_DEFAULTS.retry.maxAttempts),
        minBackoffMs: withDefault(retryProperties.minBackoffMs, JOB_DEFAULTS.retry.minBackoffMs),
        maxBackoffMs: withDefault(retryProperties.maxBackoffMs, JOB_DEFAULTS.retry.maxBackoffMs),
      },
    },
    misfirePolicy: withDefault(bodyProperties.misfirePolicy, JOB_DEFAULTS.misfirePolicy),
    overlapPolicy: withDefault(bodyProperties.overlapPolicy, JOB_DEFAULTS.overlapPolicy),
    isActive: withDefault(bodyProperties.isActive, JOB_DEFAULTS.isActive),
    jitterMs: withDefault(bodyProperties.jitterMs, JOB_DEFAULTS.jitterMs),
  },
} as const;

export const jobPatchSchema = {
  $id: 'JobPatch',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  examples: [{ schedule: '0 */5 * * * *', timezone: 'Europe/Paris', pauseAfterFailures: 5, maxRuns: 1000 }],
  properties: bodyProperties,
  description: 'Only the fields given change. Changing schedule, runAt, timezone or jitterMs recomputes nextRunAt.',
} as const;

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const jobSchema = {
  $id: 'Job',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid' },
    jobId: { type: 'string', format: 'uuid', description: 'The same as id.' },
    name: { type: ['string', 'null'] },
    description: { type: ['string', 'null'] },
    schedule: { type: ['string', 'null'] },
    runAt: nullableDateTime,
    timezone: { type: 'string' },
    api: { type: 'string' },
    method: { type: 'string', enum: METHODS },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    payload: {},
    timeoutMs: { type: 'integer' },
    type: { type: 'string', enum: DELIVERY_TYPES },
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAttempts: { type: 'integer' },
        minBackoffMs: { type: 'integer' },
        maxBackoffMs: { type: 'integer' },
      },
      required: ['maxAttempts', 'minBackoffMs', 'maxBackoffMs'],
    },
    misfirePolicy: { type: 'string', enum: MISFIRE },
    overlapPolicy: { type: 'string', enum: OVERLAP },
    onFailure: { type: ['string', 'null'] },
    isActive: { type: 'boolean' },
    paused: { type: 'boolean' },
    pauseAfterFailures: { type: ['integer', 'null'] },
    consecutiveFailures: {
      type: 'integer',
      description: 'Occurrences ended FAILED in a row (counted while pauseAfterFailures is set); reset by a success, resume or reactivation.',
    },
    pausedReason: {
      type: ['string', 'null'],
      description:
        'Why the job stopped firing: "manual" (paused through the API), "auto: N consecutive failures, last: ..." ' +
        '(pauseAfterFailures) or "ended: ..." (endAt or maxRuns); null while it fires. Cleared by resume and reactivation.',
    },
    pausedAt: { ...nullableDateTime, description: 'When the job was paused or ended.' },
    startAt: nullableDateTime,
    endAt: nullableDateTime,
    maxRuns: { type: ['integer', 'null'] },
    runCount: { type: 'integer', description: 'Scheduled occurrences handed to a node to fire so far: what maxRuns counts.' },
    endedBy: {
      type: ['string', 'null'],
      enum: ['endAt', 'maxRuns', null],
      description: 'The bound that made the job inactive; null otherwise.',
    },
    jitterMs: { type: 'integer', description: 'Most delay added to each occurrence (0: none).' },
    nextRunAt: { ...nullableDateTime, description: 'The next occurrence not yet handed to a node.' },
    lastRunAt: { ...nullableDateTime, description: 'Scheduled time of the latest finished attempt.' },
    lastStatus: {
      type: ['string', 'null'],
      enum: ['SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'MISSED', 'SKIPPED', 'LOST', null],
    },
    setAsideReason: {
      type: ['string', 'null'],
      description: 'Why the engine set the job aside (it could not plan or store its next occurrence); null while it fires normally.',
    },
    setAsideAt: { ...nullableDateTime, description: 'When the job was set aside.' },
    version: { type: 'integer', description: 'Bumped by every change; the ETag is W/"<version>".' },
    createdAt: dateTime,
    updatedAt: dateTime,
    deletedAt: nullableDateTime,
  },
  required: [
    'id', 'jobId', 'name', 'description', 'schedule', 'runAt', 'timezone', 'api', 'method', 'headers', 'payload',
    'timeoutMs', 'type', 'retry', 'misfirePolicy', 'overlapPolicy', 'onFailure', 'isActive', 'paused',
    'pauseAfterFailures', 'consecutiveFailures', 'pausedReason', 'pausedAt', 'startAt', 'endAt', 'maxRuns', 'runCount', 'endedBy',
    'jitterMs', 'nextRunAt', 'lastRunAt', 'lastStatus', 'setAsideReason', 'setAsideAt', 'version', 'createdAt', 'updatedAt', 'deletedAt',
  ],
} as const;

export const executionSchema = {
  $id: 'Execution',
  type: 'object',
  additionalProperties: false,
  description: 'One attempt of one occurrence.',
  properties: {
    id: { type: 'string', format: 'uuid' },
    jobId: { type: 'string', format: 'uuid' },
    scheduledAt: { ...dateTime, description: 'The occurrence this attempt belongs to.' },
    trigger: {
      type: 'string',
      enum: ['schedule', 'manual', 'backfill'],
      description: 'schedule: a cron or runAt occurrence; manual: POST /run; backfill: a past occurrence fired by POST /backfill.',
    },
    attempt: { type: 'integer' },
    dueAt: { ...dateTime, description: 'When the attempt is to be sent: scheduledAt plus the job\'s jitter for a first attempt, later for retries and catch-up firings.' },
    status: { type: 'string', enum: ['SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'MISSED', 'SKIPPED', 'LOST'] },
    startedAt: nullableDateTime,
    finishedAt: nullableDateTime,
    durationMs: { type: ['integer', 'null'] },
    httpStatus: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    node: { type: ['string', 'null'], description: 'The node that owns or ran the attempt.' },
    override: overrideSchema,
  },
  required: [
    'id', 'jobId', 'scheduledAt', 'trigger', 'attempt', 'dueAt', 'status', 'startedAt', 'finishedAt',
    'durationMs', 'httpStatus', 'error', 'node', 'override',
  ],
} as const;
