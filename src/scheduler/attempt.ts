import { FORBIDDEN_HEADERS } from '../jobs/defaults.js';
import type { ExecutionRecord, ScheduledJob } from '../store/types.js';
import type { OutgoingRequest } from './dispatcher.js';

/** An attempt this node owns and has not finished: the row as claimed and its job. */
export interface HeldAttempt {
  readonly execution: ExecutionRecord;
  readonly job: ScheduledJob;
}

/** The same for every attempt of one occurrence, so targets can drop repeats. */
export function idempotencyKey(execution: Pick<ExecutionRecord, 'jobId' | 'scheduledAt' | 'trigger'>): string {
  return `${execution.jobId}:${execution.scheduledAt.toISOString()}:${execution.trigger}`;
}

/** The key of an occurrence in memory (one per job, instant and trigger). */
export const occurrenceKey = idempotencyKey;

/** What every attempt of one version of a job sends alike: rendered once, not per firing. */
export interface RequestTemplate {
  readonly version: number;
  /** The job's own headers, reserved names left out, as a flat [name, value, ...] list. */
  readonly headers: readonly string[];
  /** The JSON payload as text; null for GET or no payload. */
  readonly body: string | null;
}

export function requestTemplate(job: ScheduledJob): RequestTemplate {
  const headers: string[] = [];
  for (const [name, value] of Object.entries(job.headers)) {
    if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) headers.push(name, value);
  }
  const body = job.method === 'GET' || job.payload === null ? null : JSON.stringify(job.payload);
  return { version: job.version, headers, body };
}

/** Templates of the jobs this node fires, one per job, replaced when the job's version changes. */
export class RequestTemplates {
  readonly #byJob = new Map<string, RequestTemplate>();

  of(job: ScheduledJob): RequestTemplate {
    const known = this.#byJob.get(job.id);
    if (known !== undefined && known.version === job.version) return known;
    const template = requestTemplate(job);
    // Bounded: a node firing more distinct jobs than this starts over rather than growing.
    if (this.#byJob.size >= TEMPLATE_CACHE_SIZE) this.#byJob.clear();
    this.#byJob.set(job.id, template);
    return template;
  }
}

const TEMPLATE_CACHE_SIZE = 200_000;

/**
 * The request for one attempt: the job's method, headers and JSON payload, plus the headers
 * every firing carries. Ours are set last so a job's headers cannot forge them.
 */
export function attemptRequest(attempt: HeldAttempt, template: RequestTemplate = requestTemplate(attempt.job)): OutgoingRequest {
  const { execution, job } = attempt;
  const key = idempotencyKey(execution);
  const headers = template.headers.slice();
  headers.push(
    'x-job-id',
    job.id,
    'x-execution-id',
    execution.id,
    'x-scheduled-at',
    execution.scheduledAt.toISOString(),
    'x-attempt',
    String(execution.attempt),
    'idempotency-key',
    key,
  );
  return { url: job.api, method: job.method, headers, body: template.body, timeoutMs: job.timeoutMs, messageId: key };
}

export interface FailureReport {
  readonly attempt: HeldAttempt;
  readonly httpStatus: number | null;
  readonly error: string | null;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly nodeId: string;
}

/** Timeout of the onFailure notification (it is not retried). */
const ON_FAILURE_TIMEOUT_MS = 10_000;

/** The JSON POST a job's onFailure URL receives after the occurrence's last attempt failed. */
export function failureNotification(report: FailureReport, onFailureUrl: string): OutgoingRequest {
  const { execution, job } = report.attempt;
  const key = idempotencyKey(execution);
  const body = {
    type: 'occurrence.failed',
    jobId: job.id,
    jobName: job.name,
    executionId: execution.id,
    scheduledAt: execution.scheduledAt.toISOString(),
    trigger: execution.trigger,
    attempts: execution.attempt,
    status: 'FAILED',
    httpStatus: report.httpStatus,
    error: report.error,
    startedAt: new Date(report.startedAt).toISOString(),
    finishedAt: new Date(report.finishedAt).toISOString(),
    api: job.api,
    nodeId: report.nodeId,
  };
  return {
    url: onFailureUrl,
    method: 'POST',
    headers: { 'X-Job-Id': job.id, 'Idempotency-Key': `${key}:failed` },
    body: JSON.stringify(body),
    timeoutMs: ON_FAILURE_TIMEOUT_MS,
    messageId: `${key}:failed`,
  };
}
