/**
 * The shapes of the public API's JSON, as the dashboard reads them. Times arrive as
 * RFC 3339 strings and stay strings until they are formatted.
 */

export type DeliveryGuarantee = 'AT_LEAST_ONCE' | 'AT_MOST_ONCE';
export type MisfirePolicy = 'skip' | 'fire_once' | 'fire_all';
export type OverlapPolicy = 'allow' | 'forbid';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ExecutionStatus = 'SCHEDULED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'MISSED' | 'SKIPPED' | 'LOST';
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RetryPolicy {
  maxAttempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

/** What a create request may carry; an edit sends the changed subset. */
export interface JobInput {
  name?: string | null;
  description?: string | null;
  schedule?: string | null;
  runAt?: string | null;
  timezone?: string;
  api?: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  payload?: JsonValue | null;
  timeoutMs?: number;
  type?: DeliveryGuarantee;
  retry?: RetryPolicy;
  misfirePolicy?: MisfirePolicy;
  overlapPolicy?: OverlapPolicy;
  onFailure?: string | null;
  isActive?: boolean;
  pauseAfterFailures?: number | null;
  startAt?: string | null;
  endAt?: string | null;
  maxRuns?: number | null;
  jitterMs?: number;
}

export interface Job {
  id: string;
  name: string | null;
  description: string | null;
  schedule: string | null;
  runAt: string | null;
  timezone: string;
  api: string;
  method: HttpMethod;
  headers: Record<string, string>;
  payload: JsonValue | null;
  timeoutMs: number;
  type: DeliveryGuarantee;
  retry: RetryPolicy;
  misfirePolicy: MisfirePolicy;
  overlapPolicy: OverlapPolicy;
  onFailure: string | null;
  isActive: boolean;
  paused: boolean;
  /** Most delay added to each occurrence (0: none). */
  jitterMs: number;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: ExecutionStatus | null;
  /** Why the engine stopped planning the job (null while it fires normally). */
  setAsideReason?: string | null;
  setAsideAt?: string | null;
  /** Pause after this many occurrences in a row failed; null: never. */
  pauseAfterFailures?: number | null;
  consecutiveFailures?: number;
  /** Why the job stopped firing ("manual", "auto: ...", "ended: ..."); null while it fires. */
  pausedReason?: string | null;
  pausedAt?: string | null;
  startAt?: string | null;
  endAt?: string | null;
  maxRuns?: number | null;
  runCount?: number;
  /** The bound that made the job inactive. */
  endedBy?: 'endAt' | 'maxRuns' | null;
  createdAt?: string;
  updatedAt?: string;
  deletedAt?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Execution {
  id: string;
  scheduledAt: string;
  /** When this attempt was due to be sent (later than scheduledAt with jitter and for retries), if the API says. */
  dueAt?: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  attempt: number;
  status: ExecutionStatus;
  httpStatus: number | null;
  error: string | null;
  node: string | null;
  trigger?: 'schedule' | 'manual' | 'backfill';
  /** What a run-now override sent instead of the job's payload and headers; null (or absent) for none. */
  override?: RunOverride | null;
}

/** The optional body of POST /jobs/{id}/run. */
export interface RunOverride {
  payload?: unknown;
  headers?: Record<string, string>;
}

export interface RunAnswer {
  executionId: string;
  scheduledAt: string;
  overridden: boolean;
}

/** The body of POST /jobs/{id}/backfill. */
export interface BackfillInput {
  from: string;
  to: string;
  intervalMs?: number;
  maxOccurrences?: number;
}

export interface BackfillAnswer {
  scheduled: number;
  count: number;
  first: string | null;
  last: string | null;
  queued: number;
  alreadyQueued: number;
  skipped: { succeeded: number; inProgress: number; maybeSent: number };
  intervalMs: number;
  firstDueAt: string | null;
  lastDueAt: string | null;
}

export interface JobSchedule {
  jobId: string;
  timezone: string;
  /** Scheduled times. */
  nextRuns: string[];
  /** When each of nextRuns is sent: with the job's jitter. */
  firesAt: string[];
}

export interface SchedulePreview {
  expression: string;
  timezone: string;
  description: string;
  nextRuns: string[];
}

/** A target policy: limits on what all nodes together send to the targets its pattern covers. */
export interface TargetPolicy {
  id: string;
  name: string;
  pattern: string;
  maxConcurrent: number | null;
  maxPerSecond: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ClusterNode {
  id: string;
  hostname: string;
  pid: number;
  role: string;
  version: string;
  startedAt: string;
  heartbeatAt: string;
  clockSkewMs: number;
  stoppedAt: string | null;
  alive: boolean;
}

export interface ClusterStats {
  firingsPerSecond: number;
  windowSeconds: number;
}

export interface JobStats {
  jobId: string;
  succeeded: number;
  failed: number;
  /** Share of finished occurrences (each judged by its latest attempt) that succeeded, 0..1; null when none finished. */
  successRate: number | null;
}

export interface JobStatsPage {
  since: string;
  items: JobStats[];
}

/** An RFC 9457 problem document, with the API's stable code. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  [extension: string]: unknown;
}
