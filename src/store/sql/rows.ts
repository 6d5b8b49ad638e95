import type {
  DeliveryGuarantee,
  ExecutionOverride,
  ExecutionRecord,
  ExecutionStatus,
  ExecutionTrigger,
  HttpMethod,
  JobBound,
  JobRecord,
  JsonValue,
  MisfirePolicy,
  NodeRecord,
  OverlapPolicy,
  ScheduledJob,
} from '../types.js';

/** Rows as both drivers return them: timestamptz as Date, jsonb parsed, integers as numbers. */
export interface JobRow {
  id: string;
  name: string | null;
  description: string | null;
  schedule: string | null;
  run_at: Date | null;
  timezone: string;
  api: string;
  method: string;
  headers: Record<string, string>;
  payload: JsonValue | null;
  timeout_ms: number;
  type: string;
  max_attempts: number;
  min_backoff_ms: number;
  max_backoff_ms: number;
  misfire_policy: string;
  overlap_policy: string;
  on_failure: string | null;
  is_active: boolean;
  paused: boolean;
  pause_after_failures: number | null;
  start_at: Date | null;
  end_at: Date | null;
  max_runs: number | null;
  jitter_ms: number;
  next_run_at: Date | null;
  run_count: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface JobRowWithLastRun extends JobRow {
  last_run_at: Date | null;
  last_status: string | null;
  set_aside_reason: string | null;
  set_aside_at: Date | null;
  paused_reason: string | null;
  paused_at: Date | null;
  ended_by: string | null;
  consecutive_failures: number;
}

export const JOB_COLUMNS = [
  'id', 'name', 'description', 'schedule', 'run_at', 'timezone', 'api', 'method', 'headers', 'payload',
  'timeout_ms', 'type', 'max_attempts', 'min_backoff_ms', 'max_backoff_ms', 'misfire_policy', 'overlap_policy',
  'on_failure', 'is_active', 'paused', 'pause_after_failures', 'start_at', 'end_at', 'max_runs', 'jitter_ms', 'next_run_at', 'run_count',
  'version', 'created_at', 'updated_at', 'deleted_at',
] as const;

/** Columns of job_next_runs among JOB_COLUMNS: the claim moves them without touching the job. */
const NEXT_RUN_COLUMNS: ReadonlySet<string> = new Set(['next_run_at', 'run_count']);

/**
 * A job's next occurrence lives in job_next_runs (see migration 0004): queries that read jobs
 * join it as `NEXT_RUN_ALIAS`, and next_run_at and run_count come from there.
 */
export const NEXT_RUN_ALIAS = 'n';

/** `JOIN job_next_runs n ON ...` for a query that aliases jobs as `alias`. */
export function nextRunJoin(alias: string): string {
  return `JOIN job_next_runs ${NEXT_RUN_ALIAS} ON ${NEXT_RUN_ALIAS}.job_id = ${alias}.id`;
}

function qualified(alias: string, column: (typeof JOB_COLUMNS)[number]): string {
  return NEXT_RUN_COLUMNS.has(column) ? `${NEXT_RUN_ALIAS}.${column}` : `${alias}.${column}`;
}

/** "j.id, j.name, ..." for a query that aliases jobs as `alias` and joins nextRunJoin(alias). */
export function jobColumns(alias: string): string {
  return JOB_COLUMNS.map((column) => qualified(alias, column)).join(', ');
}

/** "j.id AS job_id_, ..." so a job can ride along with another row without name clashes. */
export function prefixedJobColumns(alias: string, prefix: string): string {
  return JOB_COLUMNS.map((column) => `${qualified(alias, column)} AS ${prefix}${column}`).join(', ');
}

export function toScheduledJob(row: JobRow): ScheduledJob {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    schedule: row.schedule,
    runAt: row.run_at,
    timezone: row.timezone,
    api: row.api,
    method: row.method as HttpMethod,
    headers: row.headers,
    payload: row.payload,
    timeoutMs: row.timeout_ms,
    type: row.type as DeliveryGuarantee,
    retry: { maxAttempts: row.max_attempts, minBackoffMs: row.min_backoff_ms, maxBackoffMs: row.max_backoff_ms },
    misfirePolicy: row.misfire_policy as MisfirePolicy,
    overlapPolicy: row.overlap_policy as OverlapPolicy,
    onFailure: row.on_failure,
    isActive: row.is_active,
    paused: row.paused,
    pauseAfterFailures: row.pause_after_failures,
    startAt: row.start_at,
    endAt: row.end_at,
    maxRuns: row.max_runs,
    jitterMs: row.jitter_ms,
    nextRunAt: row.next_run_at,
    runCount: row.run_count,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export function toJobRecord(row: JobRowWithLastRun): JobRecord {
  return {
    ...toScheduledJob(row),
    lastRunAt: row.last_run_at,
    lastStatus: row.last_status as ExecutionStatus | null,
    setAsideReason: row.set_aside_reason,
    setAsideAt: row.set_aside_at,
    pausedReason: row.paused_reason,
    pausedAt: row.paused_at,
    endedBy: row.ended_by as JobBound | null,
    consecutiveFailures: row.consecutive_failures,
  };
}

/** Picks the columns of a job that were selected with `prefix` (see prefixedJobColumns). */
export function unprefixJob(row: Record<string, unknown>, prefix: string): JobRow {
  const job: Record<string, unknown> = {};
  for (const column of JOB_COLUMNS) job[column] = row[`${prefix}${column}`];
  return job as unknown as JobRow;
}

export interface ExecutionRow {
  id: string;
  job_id: string;
  scheduled_at: Date;
  trigger: string;
  attempt: number;
  due_at: Date;
  status: string;
  owner_node: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  http_status: number | null;
  error: string | null;
  override: ExecutionOverride | null;
  created_at: Date;
}

export const EXECUTION_COLUMNS = [
  'id', 'job_id', 'scheduled_at', 'trigger', 'attempt', 'due_at', 'status', 'owner_node',
  'started_at', 'finished_at', 'duration_ms', 'http_status', 'error', 'override', 'created_at',
] as const;

export function executionColumns(alias: string): string {
  return EXECUTION_COLUMNS.map((column) => `${alias}.${column}`).join(', ');
}

export function toExecutionRecord(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    jobId: row.job_id,
    scheduledAt: row.scheduled_at,
    trigger: row.trigger as ExecutionTrigger,
    attempt: row.attempt,
    dueAt: row.due_at,
    status: row.status as ExecutionStatus,
    ownerNode: row.owner_node,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    httpStatus: row.http_status,
    error: row.error,
    override: row.override,
    createdAt: row.created_at,
  };
}

export interface NodeRow {
  id: string;
  hostname: string;
  pid: number;
  role: string;
  version: string;
  started_at: Date;
  heartbeat_at: Date;
  clock_skew_ms: number;
  stopped_at: Date | null;
}

export function toNodeRecord(row: NodeRow): NodeRecord {
  return {
    id: row.id,
    hostname: row.hostname,
    pid: row.pid,
    role: row.role,
    version: row.version,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    clockSkewMs: row.clock_skew_ms,
    stoppedAt: row.stopped_at,
  };
}
