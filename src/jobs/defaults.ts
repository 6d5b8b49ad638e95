import type { HttpMethod, MisfirePolicy, OverlapPolicy, RetryPolicy } from '../store/types.js';

/** What a create request gets for every optional field it leaves out. */
export const JOB_DEFAULTS = Object.freeze({
  timezone: 'UTC',
  method: 'POST' as HttpMethod,
  timeoutMs: 10_000,
  retry: Object.freeze({ maxAttempts: 3, minBackoffMs: 1_000, maxBackoffMs: 60_000 }) as RetryPolicy,
  misfirePolicy: 'skip' as MisfirePolicy,
  overlapPolicy: 'allow' as OverlapPolicy,
  isActive: true,
  jitterMs: 0,
});

/** Limits the API enforces, in one place so schemas, docs and code agree. */
export const JOB_LIMITS = Object.freeze({
  nameLength: 200,
  descriptionLength: 2_000,
  scheduleLength: 256,
  timezoneLength: 64,
  urlLength: 2_048,
  headerCount: 64,
  headerNameLength: 128,
  headerValueLength: 8_192,
  timeoutMs: { min: 1, max: 300_000 },
  maxAttempts: { min: 1, max: 100 },
  backoffMs: { min: 0, max: 86_400_000 },
  pauseAfterFailures: { min: 1, max: 1_000 },
  maxRuns: { min: 1, max: 1_000_000_000 },
  /** Also bounded by the gap between two occurrences of the job's schedule (see jobs/jitter). */
  jitterMs: { min: 0, max: 86_400_000 },
  /** Nesting of arrays and objects in a payload (JSON.stringify and PostgreSQL recurse). */
  payloadDepth: 32,
  batchSize: 1_000,
  previewCount: 1_000,
  pageSize: 1_000,
});

/**
 * Header names a job may not set: they describe the connection or the framing of the body,
 * which the dispatcher owns, and setting them would corrupt or smuggle requests.
 */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Set by the scheduler on every request: a job's own would be dropped, so it is refused.
  'x-job-id',
  'x-execution-id',
  'x-scheduled-at',
  'x-attempt',
  'idempotency-key',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
