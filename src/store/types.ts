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
/**
 * 'schedule': a cron or runAt occurrence; 'manual': an extra run asked for through the API;
 * 'backfill': a past scheduled occurrence fired again through the backfill endpoint.
 */
export type ExecutionTrigger = 'schedule' | 'manual' | 'backfill';
/** The bounds of a recurring job that can end it. */
export type JobBound = 'endAt' | 'maxRuns';

/**
 * What one manual firing sends instead of the job's own: a key that is absent keeps the
 * job's. headers are merged over the job's (a name given here replaces the job's header of
 * that name, case-insensitively); payload replaces the job's payload (null: no body).
 */
export interface ExecutionOverride {
  readonly payload?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
}

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
  /** Pause the job after this many consecutive occurrences ended FAILED; null: never. */
  readonly pauseAfterFailures: number | null;
  /** Recurring jobs only: no occurrence before this instant (inclusive); null: from now. */
  readonly startAt: Date | null;
  /** Recurring jobs only: no occurrence after this instant (inclusive); null: no end. */
  readonly endAt: Date | null;
  /** Recurring jobs only: at most this many scheduled occurrences fire; null: no limit. */
  readonly maxRuns: number | null;
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
  /**
   * Why the job stopped firing and when: 'manual' (paused through the API), 'auto: ...'
   * (paused after pauseAfterFailures consecutive failures) or 'ended: ...' (made inactive by
   * its endAt or maxRuns). Null while it fires; cleared by resume and by reactivation.
   */
  readonly pausedReason: string | null;
  readonly pausedAt: Date | null;
  /** Which bound made the job inactive (a later change of it brings the job back); null otherwise. */
  readonly endedBy: JobBound | null;
  /** Occurrences ended FAILED since the last success, resume or change of pauseAfterFailures (counted while pauseAfterFailures is set). */
  readonly consecutiveFailures: number;
  /** Scheduled occurrences handed to a node to fire so far (what maxRuns counts). */
  readonly runCount: number;
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
  /** Set together: when the job paused or ended and why; null when it fires again. */
  readonly pausedReason?: string | null;
  readonly pausedAt?: Date | null;
  readonly endedBy?: JobBound | null;
  /** 0 to start counting consecutive failures afresh (resume, reactivation, a new pauseAfterFailures). */
  readonly consecutiveFailures?: 0;
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
  /** Run-now overrides of this attempt's request (copied to its retries); null for none. */
  readonly override: ExecutionOverride | null;
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
  readonly override?: ExecutionOverride | null;
}

/** The outcome of one attempt, written in batches by the engine's recorder. */
export interface ExecutionCompletion {
  readonly id: string;
  /** The attempt's scheduledAt: with the id it names one row in one partition. */
  readonly scheduledAt: Date;
  readonly status: ExecutionStatus;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly httpStatus: number | null;
  /** Truncated by the store to a bounded length. */
  readonly error: string | null;
  /**
   * Set on the last attempt of an occurrence of a job with pauseAfterFailures: the store
   * moves the job's consecutive-failure count in the same write (FAILED adds one and may
   * pause the job, SUCCEEDED sets it to 0). Absent: the job's count is left alone.
   */
  readonly streak?: 'FAILED' | 'SUCCEEDED';
  /** Set for a leased attempt: the row may not exist yet, and is inserted with the outcome. */
  readonly leased?: LeasedAttempt;
  /**
   * Set for a leased attempt whose row may exist already (its RUNNING mark went to the
   * database): the outcome completes that row. Without it the store inserts the row and
   * completes one only if the insert finds it there (see executionCompleteLeased).
   */
  readonly mayHaveRow?: boolean;
}

/** A job the store paused because an outcome it recorded completed a run of failures. */
export interface AutoPausedJob {
  readonly jobId: string;
  readonly jobName: string | null;
  readonly onFailure: string | null;
  readonly pauseAfterFailures: number;
  readonly consecutiveFailures: number;
  readonly pausedReason: string;
  readonly pausedAt: Date;
  /** The attempt whose failure completed the run. */
  readonly executionId: string;
  readonly scheduledAt: Date;
  readonly httpStatus: number | null;
  readonly error: string | null;
}

/**
 * Attempts named by id, each with its scheduledAt (the same length as ids): the times bound
 * the partitions a statement reads, so a lookup by id costs one index probe per id.
 */
export interface ExecutionKeys {
  readonly ids: readonly string[];
  readonly scheduledAt: readonly Date[];
}

export interface ExecutionMarkRunningParams extends ExecutionKeys {
  /** One start time for all of them, or one per id. */
  readonly startedAt: Date | readonly Date[];
  /** Leased attempts among them: their rows are inserted (as claimed) where missing first. */
  readonly leased?: readonly LeasedAttempt[];
}

export interface ExecutionReleaseParams extends ExecutionKeys {
  readonly nodeId: string;
}

export interface ExecutionWriteParams {
  readonly inserts?: readonly ExecutionInsert[];
  readonly completions?: readonly ExecutionCompletion[];
  /** Leases every attempt of which has a row once this write is in: removed in the same transaction. */
  readonly leasesDone?: readonly string[];
}

export interface ExecutionBackfillParams {
  readonly jobId: string;
  /** The job's scheduled occurrences in the range, oldest first (from its schedule). */
  readonly occurrences: readonly Date[];
  /** The first new firing is due no earlier than this. */
  readonly now: Date;
  /** Between two backfilled firings of the job, counting those an earlier backfill still has queued. */
  readonly intervalMs: number;
}

/** Why a backfill leaves an occurrence alone, and how many it left for each reason. */
export interface BackfillSkipped {
  /** An attempt (scheduled or backfilled) succeeded. */
  readonly succeeded: number;
  /** Its scheduled attempt is still open (due, running or retrying). */
  readonly inProgress: number;
  /** AT_MOST_ONCE only: an attempt FAILED or was LOST after its request may have left. */
  readonly maybeSent: number;
}

export interface ExecutionBackfillResult {
  /** Occurrences of the range this backfill fires: those queued now and those an earlier backfill queued, oldest first. */
  readonly occurrences: readonly Date[];
  /** Of those, how many this call queued. */
  readonly queued: number;
  readonly skipped: BackfillSkipped;
  /** Due times of the first and last occurrence queued by this call; null when it queued none. */
  readonly firstDueAt: Date | null;
  readonly lastDueAt: Date | null;
}

export interface ExecutionListParams {
  readonly jobId: string;
  /** 1..1000 */
  readonly limit: number;
  readonly cursor?: string;
}

export interface RetentionParams {
  /** Delete finished executions scheduled before this instant... */
  readonly before: Date;
  /** ...at most this many rows per call (the task calls again while rows remain). */
  readonly limit: number;
}

/** One partition of the execution history (see src/store/sql/partitions.ts). */
export interface ExecutionPartition {
  readonly name: string;
  /** The partition that takes rows no range partition covers. */
  readonly isDefault: boolean;
  /** Inclusive lower bound of scheduledAt; null for none (the default partition, or one reaching back without bound). */
  readonly from: Date | null;
  /** Exclusive upper bound of scheduledAt; null for the default partition. */
  readonly to: Date | null;
}

export interface PartitionPrepareParams {
  /** "Now" for the round (injected). */
  readonly now: Date;
  /** Width of a partition's range; partitions are aligned on multiples of it since the epoch. */
  readonly partitionMs: number;
  /** Partitions to keep ready past the one holding `now`. */
  readonly ahead: number;
  /** Longest wait for a table lock before giving the round up (see partitions.ts). */
  readonly lockTimeoutMs: number;
}

export interface PartitionPrepareResult {
  /** Names of the partitions created by this call. */
  readonly created: readonly string[];
  /** True when another node held the partition lock or a table lock was not granted in time. */
  readonly busy: boolean;
}

export interface PartitionDropResult {
  /** Names of the partitions dropped by this call, oldest first. */
  readonly dropped: readonly string[];
  readonly busy: boolean;
}

/** A job as the engine sees it: the stored row without the derived last-run fields. */
export type ScheduledJob = Omit<
  JobRecord,
  'lastRunAt' | 'lastStatus' | 'setAsideReason' | 'setAsideAt' | 'pausedReason' | 'pausedAt' | 'endedBy' | 'consecutiveFailures'
>;

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
  /**
   * True when the job becomes inactive: a one-time job whose occurrence is now materialised,
   * or a recurring job whose last occurrence within its endAt or maxRuns is.
   */
  readonly deactivate: boolean;
  /** With deactivate, for a recurring job: the bound that ended it and the reason shown. */
  readonly ended?: { readonly by: JobBound; readonly reason: string };
}

export interface JobClaimDueParams {
  readonly nodeId: string;
  /** "Now" for this claim (injected; the engine passes its Clock's time). */
  readonly now: Date;
  /** Claim jobs whose next occurrence is due (jitter included) at or before this instant. */
  readonly until: Date;
  readonly limit: number;
  /**
   * Pure: the claim may call it again for the same jobs when it runs its transaction again
   * (after a transient failure, or skipping duplicates after one failed it); the last call
   * per job is what was stored.
   */
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
/** Where claimable work begins (Store.claimHorizon); instants in milliseconds since the epoch. */
export interface ClaimHorizon {
  /** The earliest due instant of a runnable job of this node's shard (of every job without a share); null: none. */
  readonly ownDueMs: number | null;
  /** The earliest due instant of any runnable job, whichever node's shard it is in; null: none. */
  readonly anyDueMs: number | null;
  /** Whether an unowned attempt is due by `unownedUntil`. */
  readonly unownedDue: boolean;
}

export interface ClaimHorizonParams {
  /** This node's place among the live claiming nodes; null: it claims every job. */
  readonly share: { readonly index: number; readonly count: number } | null;
  readonly unownedUntil: Date;
}

export interface ClaimShare {
  readonly index: number;
  readonly count: number;
  readonly othersUntil: Date;
}

/** An attempt owned by this node, with the job it belongs to. */
export interface ClaimedAttempt {
  readonly execution: ExecutionRecord;
  readonly job: ScheduledJob;
  /** Present for an attempt a claim leased instead of inserting: it has no row yet. */
  readonly leased?: LeasedAttempt;
}

/**
 * One claim's lease: the attempts it handed to its node without inserting their rows, listed
 * in one claim_leases row until each has a row of its own (see src/store/sql/leases.ts).
 */
export interface ClaimLease {
  readonly id: string;
  /** How many attempts it lists. */
  readonly size: number;
}

/**
 * A leased attempt, named wherever it is written: its first write inserts its row (from
 * `execution`, the attempt as claimed) instead of updating one.
 */
export interface LeasedAttempt {
  readonly lease: ClaimLease;
  readonly execution: ExecutionRecord;
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
   * Completions carrying a streak move their job's consecutive-failure count; the jobs this
   * write paused (exactly once across nodes, and never again when the write is repeated) come back.
   */
  executionWrite(params: ExecutionWriteParams): Promise<AutoPausedJob[]>;
  /**
   * Queues, in one transaction, a first attempt (trigger 'backfill', unowned) for each given
   * occurrence that has none yet and needs one: no attempt succeeded, none is open, and for an
   * AT_MOST_ONCE job none may have been sent. Due times are intervalMs apart, after any the
   * job's earlier backfills still have queued. A backfill attempt recorded SKIPPED (withdrawn
   * because the job was paused, or skipped by the overlap policy) is queued again; any other is
   * left as it is, so a second identical call queues nothing. Throws NOT_FOUND for an unknown job.
   */
  executionBackfill(params: ExecutionBackfillParams): Promise<ExecutionBackfillResult>;
  /** Newest first (scheduledAt, then trigger, then attempt, descending: the unique index read backwards). */
  executionList(params: ExecutionListParams): Promise<Page<ExecutionRecord>>;
  /**
   * Deletes at most `limit` finished rows scheduled before `before` from the partitions that
   * are never dropped whole (the default one, and one without a lower bound); returns how many.
   */
  executionDeleteOlderThan(params: RetentionParams): Promise<number>;
  /** The partitions of the execution history: range partitions by lower bound, then the default one. */
  executionPartitionList(): Promise<ExecutionPartition[]>;
  /** Creates the partitions missing from the newest one to `ahead` past the present (one node at a time). */
  executionPartitionsPrepare(params: PartitionPrepareParams): Promise<PartitionPrepareResult>;
  /** Drops range partitions wholly older than `before` that hold no open attempt. */
  executionPartitionsDrop(params: { readonly before: Date; readonly lockTimeoutMs: number }): Promise<PartitionDropResult>;
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
   * do with each, records the planned attempts (leased, for jobs that allow overlap: one
   * claim_leases row lists them; inserted otherwise) and inserts MISSED rows, moves next_run_at
   * forward, and returns the attempts now owned by `nodeId` (never one that already existed, and
   * never an occurrence a claim planned before).
   */
  jobClaimDue(params: JobClaimDueParams): Promise<ClaimedAttempt[]>;
  /** Takes ownership of unowned due attempts (FOR UPDATE SKIP LOCKED) and returns them. */
  executionClaimDue(params: ExecutionClaimDueParams): Promise<ClaimedAttempt[]>;
  /** When claimable work begins, in one statement that locks nothing: a claimer sleeps until then. */
  claimHorizon(params: ClaimHorizonParams): Promise<ClaimHorizon>;
  /**
   * Calls `wake` when something a scheduler acts on may have become due sooner than its last
   * look saw, written through this store or (PostgreSQL) by any other node: a job created or
   * changed, an attempt queued for any node, a target policy changed; and when listening
   * resumes after a lost connection, since changes may have gone unheard meanwhile. Resolves
   * once listening; the function it gives stops calling `wake`.
   */
  watchWakeUps(wake: () => void): Promise<() => void>;
  /**
   * Open (SCHEDULED or RUNNING) attempts owned by `nodeId`, due before `dueBefore`, oldest
   * first: a node adopts what it owns but does not hold (a previous life under the same id,
   * or a claim whose commit it never heard back from). Its leases whose attempts are all due
   * before `dueBefore` are turned into rows first (SCHEDULED, owned by it) and removed.
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
  executionMarkRunning(params: ExecutionMarkRunningParams): Promise<void>;
  /**
   * Clears the owner of attempts this node has not started, so any node can take them at once.
   * Every lease of the node is turned into rows first (SCHEDULED, owned by it) and removed.
   */
  executionRelease(params: ExecutionReleaseParams): Promise<void>;

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
   * settles their open attempts: AT_LEAST_ONCE requeued, AT_MOST_ONCE marked LOST. Leased
   * attempts of owners that are not live nodes get their rows first (and their leases go).
   * Safe to run on every node at once.
   */
  nodeReapDead(params: { readonly timeoutMs: number }): Promise<NodeReapResult>;
}
