import { FORBIDDEN_HEADERS } from '../jobs/defaults.js';
import type { ExecutionOverride, ExecutionRecord, LeasedAttempt, ScheduledJob } from '../store/types.js';
import type { OutgoingRequest } from './dispatcher.js';

/** An attempt this node owns and has not finished: the row as claimed and its job. */
export interface HeldAttempt {
  readonly execution: ExecutionRecord;
  readonly job: ScheduledJob;
  /** Set while the attempt may have no row: its writes name it (see ExecutionCompletion.leased). */
  readonly leased?: LeasedAttempt;
}

/**
 * The same for every attempt of one occurrence, so targets can drop repeats. A backfilled
 * occurrence is the scheduled one fired again, so it carries the scheduled one's key: a target
 * that did receive the scheduled request (an attempt that timed out after delivery) can tell.
 */
export function idempotencyKey(execution: Pick<ExecutionRecord, 'jobId' | 'scheduledAt' | 'trigger'>): string {
  return keyOf(execution.jobId, execution.scheduledAt.toISOString(), execution.trigger);
}

function keyOf(jobId: string, scheduledAt: string, trigger: ExecutionRecord['trigger']): string {
  return `${jobId}:${scheduledAt}:${trigger === 'backfill' ? 'schedule' : trigger}`;
}

/**
 * Why a backfilled occurrence is not sent after all, or null to send it: its job was paused,
 * deactivated or deleted after the backfill was asked for. It is recorded SKIPPED, unsent, and
 * a later backfill of the same range queues it again. Only the first attempt is withdrawn: a
 * retry continues an occurrence already sent, as every retry does.
 */
export function backfillWithdrawal(attempt: HeldAttempt): string | null {
  const { execution, job } = attempt;
  if (execution.trigger !== 'backfill' || execution.attempt !== 1) return null;
  if (job.deletedAt !== null) return 'backfill withdrawn: the job was deleted';
  if (!job.isActive) return 'backfill withdrawn: the job is inactive';
  if (job.paused) return 'backfill withdrawn: the job is paused (backfill the range again after resuming it)';
  return null;
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

/**
 * The template of one overridden attempt, built for it alone: the cached template of the job
 * is shared by all its firings and stays as it is. Override headers replace the job's of the
 * same name (compared case-insensitively); the reserved names are left out here as they are
 * from a job's own headers.
 */
export function overriddenTemplate(template: RequestTemplate, job: ScheduledJob, override: ExecutionOverride): RequestTemplate {
  let headers = template.headers;
  if (override.headers !== undefined) {
    const replaced = new Set(Object.keys(override.headers).map((name) => name.toLowerCase()));
    const merged: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (!replaced.has(headers[i]!.toLowerCase())) merged.push(headers[i]!, headers[i + 1]!);
    }
    for (const [name, value] of Object.entries(override.headers)) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) merged.push(name, value);
    }
    headers = merged;
  }
  const body = override.payload === undefined ? template.body : job.method === 'GET' || override.payload === null ? null : JSON.stringify(override.payload);
  return { version: template.version, headers, body };
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
 * The request for one attempt: the job's method, headers and JSON payload (its template's,
 * shared by every attempt: the dispatcher never changes them), plus the headers every firing
 * carries, sent after the job's so a job's headers cannot forge them.
 */
export function attemptRequest(attempt: HeldAttempt, template: RequestTemplate = requestTemplate(attempt.job)): OutgoingRequest {
  const { execution, job } = attempt;
  const scheduledAt = execution.scheduledAt.toISOString();
  const key = keyOf(execution.jobId, scheduledAt, execution.trigger);
  const sent = execution.override === null ? template : overriddenTemplate(template, job, execution.override);
  const engineHeaders = [
    'x-job-id',
    job.id,
    'x-execution-id',
    execution.id,
    'x-scheduled-at',
    scheduledAt,
    'x-attempt',
    String(execution.attempt),
    'idempotency-key',
    key,
  ];
  return { url: job.api, method: job.method, headers: sent.headers, engineHeaders, body: sent.body, timeoutMs: job.timeoutMs, messageId: key };
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
