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
  /** Each occurrence is sent this much later at most: a stable delay in [0, jitterMs) (src/jobs/jitter.ts). */
  readonly jitterMs: number;
}

export interface JobRecord extends JobDefinition {
  readonly id: string;
  /** The earliest occurrence not yet handed to a node (job_next_runs.next_run_at). */
  readonly nextRunAt: Date | null;
  /** Scheduled time and status of the latest finished attempt, derived from history. */
  readonly lastRunAt: Date | null;
  readonly lastStatus: ExecutionStatus | null;
  /**
   * Why the engine set the job aside (it could not plan or store its next occurrence), and
   * when; null while it fires normally. A set-aside job has no nextRunAt until a change to its
   * schedule, runAt or timezone gives it one again.
   */
  readonly setAsideReason: string | null;
  readonly setAsideAt: Date | null;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt: Date | null;
}

export interface JobCreateParams extends JobDefinition {
  readonly id: string;
  readonly nextRunAt: Date | null;
  /** When nextRunAt is due to be sent (nextRunAt plus its jitter); absent: nextRunAt. */
  readonly nextDueAt?: Date | null;
}

export type JobPatch = Partial<JobDefinition> & {
  /** Set by the caller whenever schedule, timezone, runAt, jitterMs, isActive or paused change. */
  readonly nextRunAt?: Date | null;
  /** With nextRunAt: when it is due to be sent (nextRunAt plus its jitter); absent: nextRunAt. */
  readonly nextDueAt?: Date | null;
};

export interface JobUpdateParams {
  readonly id: string;
  readonly patch: JobPatch;
  /** When given, the update succeeds only at this version (else PRECONDITION_FAILED). */
  readonly expectedVersion?: number;
}

export interface JobSetAsideParams {
  readonly id: string;
  readonly reason: string;
}

export interface JobListParams {
  /** 1..1000 */
  readonly limit: number;
  /** Opaque cursor from a previous page's nextCursor. */
  readonly cursor?: string;
  readonly active?: boolean;
  /** Case-insensitive substring of the name. */
  readonly name?: string;
  readonly paused?: boolean;
  readonly type?: DeliveryGuarantee;
  /** The status of the latest finished attempt; 'never' for jobs with none. */
  readonly lastStatus?: ExecutionStatus | 'never';
  /** By creation: 'oldest' first (the default) or 'newest' first. */
  readonly order?: 'oldest' | 'newest';
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

export interface ExecutionWriteParams {
  readonly inserts?: readonly ExecutionInsert[];
  readonly completions?: readonly ExecutionCompletion[];
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

/** A job as the engine sees it: the stored row without the derived last-run fields. */
export type ScheduledJob = Omit<JobRecord, 'lastRunAt' | 'lastStatus' | 'setAsideReason' | 'setAsideAt'>;

/** What the engine decides for one due job, inside the claim transaction (a pure function). */
export interface OccurrencePlan {
  /** Occurrences to materialise as SCHEDULED first attempts owned by the claiming node. */
  readonly fire: readonly { readonly scheduledAt: Date; readonly dueAt: Date }[];
  /** Occurrences to record as MISSED (misfire policy), unowned and finished. */
  readonly missed: readonly Date[];
  /** The job's new next_run_at: its first occurrence past the window, or null for never. */
  readonly nextRunAt: Date | null;
  /** When nextRunAt is due to be sent (with its jitter); absent: nextRunAt itself. */
  readonly nextDueAt?: Date | null;
  /** True for a one-time job whose occurrence is now materialised: it becomes inactive. */
  readonly deactivate: boolean;
}

export interface JobClaimDueParams {
  readonly nodeId: string;
  /** "Now" for this claim (injected; the engine passes its Clock's time). */
  readonly now: Date;
  /** Claim jobs whose next occurrence is due (jitter included) at or before this instant. */
  readonly until: Date;
  readonly limit: number;
  readonly plan: (job: ScheduledJob) => OccurrencePlan;
  /** This node's share of the jobs; absent or null: every due job. */
  readonly share?: ClaimShare | null;
  /** Jobs the caller already has; absent: every due job is read whole. */
  readonly knownJobs?: KnownJobs;
}

/** Whole jobs a node keeps between claims, by id and version (every change bumps the version). */
export interface KnownJobs {
  get(id: string, version: number): ScheduledJob | undefined;
  remember(job: ScheduledJob): void;
}

/**
 * Which jobs a node claims first: those whose shard (0..1023) modulo `count` is `index`, its
 * place among the `count` live claiming nodes. Others' jobs it claims too once their next run
 * is at or before `othersUntil`, a point their owner should have passed: a dead, cut-off or
 * overloaded owner delays them by that much at most, and the database row lock still decides.
 */
export interface ClaimShare {
  readonly index: number;
  readonly count: number;
  readonly othersUntil: Date;
}

/** An attempt owned by this node, with the job it belongs to. */
export interface ClaimedAttempt {
  readonly execution: ExecutionRecord;
  readonly job: ScheduledJob;
}

export interface ExecutionClaimDueParams {
  readonly nodeId: string;
  /** Claim unowned SCHEDULED attempts (retries, released or orphaned work) due by this instant. */
  readonly until: Date;
  readonly limit: number;
}

export interface ExecutionListOwnedParams {
  readonly nodeId: string;
  /** Only attempts due before this instant. */
  readonly dueBefore: Date;
  readonly limit: number;
}

/** An attempt about to be sent, for the overlap check of its job. */
export interface OverlapCandidate {
  readonly id: string;
  readonly jobId: string;
  readonly scheduledAt: Date;
  readonly trigger: ExecutionTrigger;
}

export interface NodeRecord {
  readonly id: string;
  readonly hostname: string;
  readonly pid: number;
  readonly role: string;
  readonly version: string;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  readonly clockSkewMs: number;
  readonly stoppedAt: Date | null;
}

export interface NodeRegisterParams {
  readonly id: string;
  readonly hostname: string;
  readonly pid: number;
  readonly role: string;
  readonly version: string;
}

export interface NodeReapResult {
  /** Nodes found dead (heartbeat older than the timeout) by this call. */
  readonly deadNodes: string[];
  /** AT_LEAST_ONCE attempts handed back to any node (owner cleared, still SCHEDULED). */
  readonly requeued: number;
  /** AT_MOST_ONCE attempts marked LOST: they may have been sent, so they are never resent. */
  readonly lost: number;
}

/** One job's occurrences by final outcome (see Store.executionOutcomesByJob). */
/** Attempts started in one slice of time, cluster-wide. */
export interface TimelineBucket {
  /** The slice is [start, start + bucketMs). */
  readonly start: Date;
  readonly started: number;
  /** Of those, attempts that ended FAILED or LOST. */
  readonly failed: number;
  /** Percentiles of lateness (start minus due time), in ms; null when nothing started. */
  readonly latenessP50Ms: number | null;
  readonly latenessP95Ms: number | null;
  readonly latenessP99Ms: number | null;
}

export interface TimelineParams {
  /** The end of the window (the database's clock when absent). */
  readonly now?: Date;
  readonly windowMs: number;
  readonly bucketMs: number;
}

export interface JobOutcomeCounts {
  readonly jobId: string;
  readonly succeeded: number;
  /** Final attempt FAILED or LOST. */
  readonly failed: number;
}

/** Limits on what all nodes together send to the targets a pattern matches. */
export interface TargetPolicyDefinition {
  readonly name: string;
  /** Normalised: an origin (https://api.example.com:8443), a host (api.example.com) or *.example.com. */
  readonly pattern: string;
  /** Requests in flight at once, over all nodes; null: no limit. */
  readonly maxConcurrent: number | null;
  /** Requests started per second, over all nodes; null: no limit. */
  readonly maxPerSecond: number | null;
}

export interface TargetPolicyRecord extends TargetPolicyDefinition {
  readonly id: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface TargetPolicyUpdateParams {
  readonly id: string;
  readonly patch: Partial<TargetPolicyDefinition>;
  /** When given, the update succeeds only at this version (else PRECONDITION_FAILED). */
  readonly expectedVersion?: number;
}

/** What one node reports about one policy at each budget round, and the share it took. */
export interface TargetUsage {
  readonly policyId: string;
  readonly nodeId: string;
  /** Attempts for the policy's targets this node holds: queued, waiting or in flight. */
  readonly wanted: number;
  readonly inFlight: number;
  readonly grantedConcurrent: number;
  readonly grantedPerSecond: number;
}

export interface TargetBudgetExchangeParams {
  readonly nodeId: string;
  /** Other nodes' reports count while their heartbeat and their report are this recent. */
  readonly nodeTimeoutMs: number;
  /** This node's wanted and in-flight counts by policy id (absent: 0). */
  readonly demand: ReadonlyMap<string, { readonly wanted: number; readonly inFlight: number }>;
  /**
   * Pure: this node's shares, from the policies and what the live other nodes last reported.
   * Runs while every policy row is locked, so no other node computes its share meanwhile.
   */
  readonly allocate: (policies: readonly TargetPolicyRecord[], others: readonly TargetUsage[]) => readonly TargetUsage[];
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
  /**
   * Sets jobs aside that the engine could not plan: clears next_run_at and records the reason.
   * A job given a new next_run_at meanwhile (by an update) is left alone. Returns the ids set aside.
   */
  jobSetAside(params: readonly JobSetAsideParams[]): Promise<string[]>;
  /**
   * Sets aside every job whose runAt or nextRunAt lies outside the instants both stores hold
   * (stored by an older version, or by hand): such a row fails every claim round it is in. Its
   * runAt moves to the nearest end of the range, the old value kept in the reason. Returns the
   * ids set aside.
   */
  jobSetAsideOutOfRange(): Promise<string[]>;

  /**
   * Inserts new attempts and completes finished ones in one transaction (either all of it
   * is written or none), a few statements per call whatever the row counts. An insert that
   * collides with an existing (jobId, scheduledAt, trigger, attempt) is skipped, never an error.
   */
  executionWrite(params: ExecutionWriteParams): Promise<void>;
  /** Newest first (scheduledAt, then trigger, then attempt, descending: the unique index read backwards). */
  executionList(params: ExecutionListParams): Promise<Page<ExecutionRecord>>;
  /** Deletes at most `limit` old rows; returns how many were deleted. */
  executionDeleteOlderThan(params: RetentionParams): Promise<number>;
  /**
   * For each job with finished occurrences scheduled at or after `since`: how many ended in
   * success and how many in failure (by each occurrence's latest attempt; occurrences still
   * retrying, MISSED and SKIPPED are left out). Jobs with none are absent.
   */
  executionOutcomesByJob(params: { readonly jobIds: readonly string[]; readonly since: Date }): Promise<JobOutcomeCounts[]>;
  /** Attempts taken on for sending (all but MISSED and SKIPPED) in the last `windowMs`, cluster-wide. */
  executionCountRecent(params: { readonly windowMs: number }): Promise<number>;
  /** Attempts started in the window, slice by slice, oldest first, every slice present. */
  executionTimeline(params: TimelineParams): Promise<TimelineBucket[]>;

  /**
   * The engine's claim, in one transaction: locks up to `limit` due, active, unpaused jobs
   * (FOR UPDATE SKIP LOCKED, so concurrent claimers take disjoint jobs), asks `plan` what to
   * do with each, inserts the planned attempts and MISSED rows, moves next_run_at forward,
   * and returns the attempts now owned by `nodeId` (never one that already existed).
   */
  jobClaimDue(params: JobClaimDueParams): Promise<ClaimedAttempt[]>;
  /** Takes ownership of unowned due attempts (FOR UPDATE SKIP LOCKED) and returns them. */
  executionClaimDue(params: ExecutionClaimDueParams): Promise<ClaimedAttempt[]>;
  /**
   * Open (SCHEDULED or RUNNING) attempts owned by `nodeId`, due before `dueBefore`, oldest
   * first: a node adopts what it owns but does not hold (a previous life under the same id,
   * or a claim whose commit it never heard back from).
   */
  executionListOwned(params: ExecutionListOwnedParams): Promise<ClaimedAttempt[]>;
  /**
   * Of `candidates`, the ids whose job has another occurrence in progress as of `now`: an
   * attempt RUNNING, a retry waiting, or a first attempt due and not finished.
   */
  executionFindOverlaps(params: { readonly candidates: readonly OverlapCandidate[]; readonly now: Date }): Promise<string[]>;
  /**
   * Marks attempts RUNNING with their start time (batched): one time for all of them, or one
   * per id (the same length as ids).
   */
  executionMarkRunning(params: { readonly ids: readonly string[]; readonly startedAt: Date | readonly Date[] }): Promise<void>;
  /** Clears the owner of attempts this node has not started, so any node can take them at once. */
  executionRelease(params: { readonly nodeId: string; readonly ids: readonly string[] }): Promise<void>;

  /** Throws CONFLICT when the name or pattern is taken. */
  targetPolicyCreate(params: TargetPolicyDefinition & { readonly id: string }): Promise<TargetPolicyRecord>;
  /** Throws NOT_FOUND for an unknown id. */
  targetPolicyGet(id: string): Promise<TargetPolicyRecord>;
  /** Every policy, by name. */
  targetPolicyList(): Promise<TargetPolicyRecord[]>;
  /** Bumps version; throws NOT_FOUND, CONFLICT, or PRECONDITION_FAILED on a stale expectedVersion. */
  targetPolicyUpdate(params: TargetPolicyUpdateParams): Promise<TargetPolicyRecord>;
  /** Throws NOT_FOUND for an unknown id. */
  targetPolicyDelete(id: string): Promise<void>;
  /**
   * One budget round of a node, in one transaction: locks every policy, reads what the other
   * live nodes last reported, asks `allocate` for this node's shares and writes them with its
   * demand. Returns the policies and this node's shares.
   */
  targetBudgetExchange(params: TargetBudgetExchangeParams): Promise<{ readonly policies: TargetPolicyRecord[]; readonly shares: readonly TargetUsage[] }>;

  /** Inserts or refreshes this node's row (a restarted node with the same id is alive again). */
  nodeRegister(params: NodeRegisterParams): Promise<void>;
  /** Writes the heartbeat and the measured skew; returns the database's clock. */
  nodeHeartbeat(params: { readonly id: string; readonly clockSkewMs: number }): Promise<Date>;
  /** Marks the node stopped (graceful shutdown). */
  nodeStop(id: string): Promise<void>;
  nodeList(): Promise<NodeRecord[]>;
  /**
   * Finds nodes whose heartbeat is older than `timeoutMs` (by the database's clock) and
   * settles their open attempts: AT_LEAST_ONCE requeued, AT_MOST_ONCE marked LOST.
   * Safe to run on every node at once.
   */
  nodeReapDead(params: { readonly timeoutMs: number }): Promise<NodeReapResult>;
}
