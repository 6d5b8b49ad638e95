/**
 * The Store: everything the API and the engine need from the database, in the product's
 * own language. All SQL lives behind this interface (src/store); both backends (pg and
 * PGlite) run the same SQL and pass the same conformance suite.
 *
 * Errors: methods throw JobSchedulerError with code NOT_FOUND, CONFLICT,
 * PRECONDITION_FAILED or STORE_UNAVAILABLE; driver errors never escape.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type DeliveryGuarantee = 'AT_LEAST_ONCE' | 'AT_MOST_ONCE';
export type MisfirePolicy = 'skip' | 'fire_once' | 'fire_all';
export type OverlapPolicy = 'allow' | 'forbid';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ExecutionStatus = 'SCHEDULED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'MISSED' | 'SKIPPED' | 'LOST';
/** 'schedule': a cron or runAt occurrence; 'manual': an extra run asked for through the API. */
export type ExecutionTrigger = 'schedule' | 'manual';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** What defines a job; every field a create request may set, after defaults are applied. */
export interface JobDefinition {
  readonly name: string | null;
  readonly description: string | null;
  /** Cron expression; exactly one of schedule and runAt is set. */
  readonly schedule: string | null;
  /** One-time job instant; exactly one of schedule and runAt is set. */
  readonly runAt: Date | null;
  readonly timezone: string;
  readonly api: string;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: JsonValue | null;
  readonly timeoutMs: number;
  readonly type: DeliveryGuarantee;
  readonly retry: RetryPolicy;
  readonly misfirePolicy: MisfirePolicy;
  readonly overlapPolicy: OverlapPolicy;
  readonly onFailure: string | null;
  readonly isActive: boolean;
  readonly paused: boolean;
}

export interface JobRecord extends JobDefinition {
  readonly id: string;
  /** The earliest occurrence not yet handed to a node (see jobs.next_run_at). */
  readonly nextRunAt: Date | null;
  /** Scheduled time and status of the latest finished attempt, derived from history. */
  readonly lastRunAt: Date | null;
  readonly lastStatus: ExecutionStatus | null;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt: Date | null;
}

export interface JobCreateParams extends JobDefinition {
  readonly id: string;
  readonly nextRunAt: Date | null;
}

export type JobPatch = Partial<JobDefinition> & {
  /** Set by the caller whenever schedule, timezone, runAt, isActive or paused change. */
  readonly nextRunAt?: Date | null;
};

export interface JobUpdateParams {
  readonly id: string;
  readonly patch: JobPatch;
  /** When given, the update succeeds only at this version (else PRECONDITION_FAILED). */
  readonly expectedVersion?: number;
}

export interface JobListParams {
  /** 1..1000 */
  readonly limit: number;
  /** Opaque cursor from a previous page's nextCursor. */
  readonly cursor?: string;
  readonly active?: boolean;
  /** Case-insensitive substring of the name. */
  readonly name?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface ExecutionRecord {
  readonly id: string;
  readonly jobId: string;
  readonly scheduledAt: Date;
  readonly trigger: ExecutionTrigger;
  readonly attempt: number;
  readonly dueAt: Date;
  readonly status: ExecutionStatus;
  readonly ownerNode: string | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly httpStatus: number | null;
  readonly error: string | null;
  readonly createdAt: Date;
}

export interface ExecutionInsert {
  readonly id: string;
  readonly jobId: string;
  readonly scheduledAt: Date;
  readonly trigger: ExecutionTrigger;
  readonly attempt: number;
  readonly dueAt: Date;
  readonly status: ExecutionStatus;
  readonly ownerNode: string | null;
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
  readonly durationMs?: number | null;
  readonly httpStatus?: number | null;
  readonly error?: string | null;
}

/** The outcome of one attempt, written in batches by the engine's recorder. */
export interface ExecutionCompletion {
  readonly id: string;
  readonly status: ExecutionStatus;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly httpStatus: number | null;
  /** Truncated by the store to a bounded length. */
  readonly error: string | null;
}

export interface ExecutionListParams {
  readonly jobId: string;
  /** 1..1000 */
  readonly limit: number;
  readonly cursor?: string;
}

export interface RetentionParams {
  /** Delete executions created before this instant... */
  readonly before: Date;
  /** ...at most this many rows per call (the task calls again while rows remain). */
  readonly limit: number;
}

export interface Store {
  /** 'postgres' or 'pglite', for logs and /health. */
  readonly kind: 'postgres' | 'pglite';

  /** Applies pending migrations; safe when several processes call it at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query; throws STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** The database's clock, for skew detection and for "now" in SQL. */
  databaseNow(): Promise<Date>;
  close(): Promise<void>;

  jobCreate(params: JobCreateParams): Promise<JobRecord>;
  /** All or nothing: either every job is stored or none is. */
  jobCreateMany(params: readonly JobCreateParams[]): Promise<JobRecord[]>;
  /** Throws NOT_FOUND for an unknown id. */
  jobGet(id: string): Promise<JobRecord>;
  jobList(params: JobListParams): Promise<Page<JobRecord>>;
  /** Bumps version; throws NOT_FOUND, or PRECONDITION_FAILED on a stale expectedVersion. */
  jobUpdate(params: JobUpdateParams): Promise<JobRecord>;
  /** isActive=false, deletedAt=now; history is kept and the job stays readable. */
  jobSoftDelete(id: string): Promise<JobRecord>;

  executionInsertMany(rows: readonly ExecutionInsert[]): Promise<void>;
  executionCompleteMany(rows: readonly ExecutionCompletion[]): Promise<void>;
  /** Newest first (scheduledAt, then attempt, descending). */
  executionList(params: ExecutionListParams): Promise<Page<ExecutionRecord>>;
  /** Deletes at most `limit` old rows; returns how many were deleted. */
  executionDeleteOlderThan(params: RetentionParams): Promise<number>;
}
