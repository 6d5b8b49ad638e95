import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, JobSchedulerError, isJobSchedulerError, type ErrorCode } from '../errors.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { PROBLEM_CONTENT_TYPE } from './schemas/common.js';

/**
 * Every error answer is an RFC 9457 problem with a stable `code` from the catalogue,
 * including the framework's own (unknown route, body too large, wrong content type,
 * malformed JSON, schema violations), so clients handle one shape.
 */

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance: string;
  readonly [member: string]: unknown;
}

/** The subset of an Ajv error the API reads. */
interface SchemaViolation {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

interface FrameworkError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly message: string;
  readonly validation?: readonly SchemaViolation[];
  readonly validationContext?: string;
}

/** Details that must never reach a client (they may echo secrets or internals). */
const PRIVATE_DETAILS = new Set(['cause', 'stack']);

export function problemFor(error: unknown, instance: string): Problem {
  const known = toJobSchedulerError(error);
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(known.details)) if (!PRIVATE_DETAILS.has(key)) details[key] = value;
  return {
    ...details,
    type: `urn:jobscheduler:problem:${known.code.toLowerCase().replaceAll('_', '-')}`,
    title: known.title,
    status: known.status,
    detail: known.message,
    code: known.code,
    instance,
  };
}

/**
 * A 5xx problem names the request's id: what a client quotes when it reports the failure,
 * and what finds the error in the node's log. The header is set here too because errors
 * the framework raises before the hooks run (a malformed URL) never went through them.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let problem = problemFor(explain(error, request), request.url.split('?')[0] ?? request.url);
  if (problem.status >= 500) {
    // Turning requests away under load is the server working as meant, and one line each
    // would add to the load: not logged.
    if (problem.code !== 'SERVER_BUSY') request.log.error({ err: error }, 'request failed');
    problem = { ...problem, requestId: request.id };
  }
  if (problem.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
  if (typeof problem.retryAfterSeconds === 'number') reply.header('retry-after', String(problem.retryAfterSeconds));
  reply.header(REQUEST_ID_HEADER, request.id);
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Framework errors say less than the request does: name the content type that was refused. */
function explain(error: unknown, request: FastifyRequest): unknown {
  if ((error as FrameworkError | null)?.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return error;
  const type = request.headers['content-type'];
  return new JobSchedulerError(
    'UNSUPPORTED_MEDIA_TYPE',
    type === undefined ? 'The body has no Content-Type; send it as application/json' : `Content type "${type}" is not accepted; send the body as application/json`,
  );
}

function toJobSchedulerError(error: unknown): JobSchedulerError {
  if (isJobSchedulerError(error)) return error;
  const framework = error as FrameworkError;
  if (framework.validation && framework.validation.length > 0) {
    return describeViolation(framework.validation[0]!, framework.validationContext ?? 'body');
  }
  switch (framework.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new JobSchedulerError('PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MiB (1,048,576 bytes)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new JobSchedulerError('VALIDATION_FAILED', 'The body is empty; send a JSON object', { property: 'body' });
    case 'FST_ERR_BAD_URL':
      return new JobSchedulerError('VALIDATION_FAILED', 'The path is not valid percent-encoding (a % must be followed by two hex digits of UTF-8)', { property: 'path' });
    default:
  }

  if (error instanceof SyntaxError || framework.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new JobSchedulerError('VALIDATION_FAILED', 'The body is not valid JSON', { property: 'body' });
  }
  const status = framework.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = codeForStatus(status);
    return new JobSchedulerError(code, framework.message || ErrorCodes[code].title);
  }
  return new JobSchedulerError('INTERNAL', 'The server failed to handle the request; the error is in its log', {}, { cause: error });
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return 'VALIDATION_FAILED';
  for (const [code, { status: codeStatus }] of Object.entries(ErrorCodes)) if (codeStatus === status) return code as ErrorCode;
  return 'VALIDATION_FAILED';
}

/** A human sentence for one schema violation, naming the field as a client wrote it. */
export function describeViolation(violation: SchemaViolation, context: string): JobSchedulerError {
  const where = fieldPath(violation.instancePath);
  const part = context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : 'field';
  const subject = where === '' ? (context === 'body' ? 'the body' : `the ${context}`) : `${part} "${where}"`;
  const params = violation.params;
  let message: string;
  let property = where === '' ? context : where;
  switch (violation.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      property = where === '' ? name : `${where}.${name}`;
      message = `unknown ${part} "${property}"`;
      break;
    }
    case 'required': {
      const name = String(params.missingProperty);
      property = where === '' ? name : `${where}.${name}`;
      message = `missing required ${part} "${property}"`;
      break;
    }
    case 'type':
      message = `${subject} must be ${article(String(params.type).replaceAll(',', ' or '))}`;
      break;
    case 'enum':
      message = `${subject} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'minProperties':
      message = where === '' ? 'the body must set at least one field' : `${subject} must not be empty`;
      break;
    case 'pattern':
      message = where.startsWith('headers.') || /^jobs\[\d+\]\.headers\./.test(where)
        ? `${subject} may hold only printable ASCII characters, spaces and tabs`
        : `${subject} must match the pattern ${String(params.pattern)}`;
      break;
    case 'propertyNames':
      message = `${subject} has a name that is not a valid HTTP header name: "${String(params.propertyName)}"`;
      break;
    default:
      message = `${subject} ${violation.message ?? 'is invalid'}`;
  }
  return new JobSchedulerError('VALIDATION_FAILED', message, { property });
}

/** "/jobs/3/retry/maxAttempts" -> "jobs[3].retry.maxAttempts" */
export function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`), '');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
