import { ErrorCodes } from '../../errors.js';
import { JOB_LIMITS } from '../../jobs/defaults.js';

/** Schemas shared by several routes: errors, ids, paging. */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'An RFC 9457 problem: every error answer has this shape.',
  additionalProperties: true,
  properties: {
    type: { type: 'string', description: 'urn:jobscheduler:problem:<code in kebab case>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'What is wrong, naming the field (and for cron errors the token).' },
    code: { type: 'string', enum: Object.keys(ErrorCodes), description: 'Stable machine-readable code.' },
    instance: { type: 'string', description: 'The request path.' },
    property: { type: 'string', description: 'The request field at fault, when there is one (retry.maxAttempts, jobs[3].schedule).' },
    requestId: { type: 'string', description: 'On 5xx answers: the request id (also in the X-Request-Id header), to quote when reporting the failure.' },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;

const problemRef = { $ref: 'Problem#' } as const;

/** Documented error answers of a route, as problem+json. */
export function problems(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    out[status] = { description: statusText[status] ?? 'Error', content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } } };
  }
  return out;
}

const statusText: Record<number, string> = {
  400: 'Invalid request (see code and detail)',
  401: 'Missing or wrong API key',
  404: 'No such job',
  409: 'Conflict with the job\'s state',
  412: 'If-Match does not match the current version',
  413: 'Body larger than 1 MiB',
  415: 'Body is not application/json',
  503: 'Database unavailable',
};

export const idParams = {
  type: 'object',
  additionalProperties: false,
  properties: { id: { type: 'string', description: 'Job id (UUID); anything else answers 404.' } },
  required: ['id'],
} as const;

export function pageQuery(extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: JOB_LIMITS.pageSize, default: 50 },
      cursor: { type: 'string', maxLength: 1024, description: 'nextCursor of the previous page.' },
      ...extra,
    },
  } as const;
}

export const etagHeader = {
  ETag: { type: 'string', description: 'W/"<version>"; send it back in If-Match to update only that version.' },
} as const;
