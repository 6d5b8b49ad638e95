import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { JobSchedulerError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { Clock } from '../time/clock.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Db } from './db.js';
import { againToleratingDuplicates, databaseFailure, toStoreError, type DatabaseFailure } from './errors.js';
import { migrate } from './migrate.js';
import { withRetry, type RetryOptions } from './retry.js';
import { backfillOccurrences } from './sql/backfill.js';
import { claimDueJobs, claimHorizon, claimUnownedExecutions, executionSelectOwnedOpen } from './sql/claims.js';
import { executionCompleteLeased, leasesDelete, leasesMaterializeOfOwners } from './sql/leases.js';
import {
  executionCompleteMany,
  executionInsertMany,
  executionMarkRunning,
  executionReleaseOwned,
  executionSelectOverlapping,
  executionSelectPage,
} from './sql/executions.js';
import {
  jobInsertMany,
  jobMarkDeleted,
  jobSelectById,
  jobSelectPage,
  jobSelectVersion,
  jobUpdateById,
  type JobInsertDefaults,
} from './sql/jobs.js';
import { executionDeleteUnpartitionedBefore, executionPartitionSelectAll, executionPartitionsDropBefore, executionPartitionsPrepare } from './sql/partitions.js';
import { executionCompleteCountingStreaks, toAutoPausedJob } from './sql/failure-streaks.js';
import { executionCountRecent, executionOutcomesByJob, executionTimeline } from './sql/stats.js';
import { jobMarkOutOfRangeSetAside, jobMarkSetAside } from './sql/set-aside.js';
import { nodeHeartbeat, nodeReapDead, nodeSelectAll, nodeMarkStopped, nodeUpsert } from './sql/nodes.js';
import { toExecutionRecord, toJobRecord, toNodeRecord } from './sql/rows.js';
import {
  targetBudgetRound,
  targetPolicyDeleteById,
  targetPolicyInsert,
  targetPolicySelectAll,
  targetPolicySelectById,
  targetPolicyUpdateById,
} from './sql/target-policies.js';
import type {
  AutoPausedJob,
  ClaimedAttempt,
  ClaimHorizon,
  ClaimHorizonParams,
  ExecutionClaimDueParams,
  ExecutionCompletion,
  ExecutionInsert,
  ExecutionBackfillParams,
  ExecutionBackfillResult,
  ExecutionListOwnedParams,
  ExecutionListParams,
  ExecutionMarkRunningParams,
  ExecutionPartition,
  ExecutionRecord,
  ExecutionReleaseParams,
  ExecutionWriteParams,
  JobClaimDueParams,
  JobCreateParams,
  JobListParams,
  JobOutcomeCounts,
  JobRecord,
  JobSetAsideParams,
  JobUpdateParams,
  NodeReapResult,
  NodeRecord,
  NodeRegisterParams,
  OverlapCandidate,
  Page,
  PartitionDropResult,
  PartitionPrepareParams,
  PartitionPrepareResult,
  RetentionParams,
  Store,
  TargetBudgetExchangeParams,
  TargetPolicyDefinition,
  TargetPolicyRecord,
  TargetPolicyUpdateParams,
  TargetUsage,
  TimelineBucket,
  TimelineParams,
} from './types.js';

export interface SqlStoreOptions {
  readonly db: Db;
  /** The schema the tables live in; null for the connection's default. */
  readonly schema: string | null;
  readonly logger: Logger;
  readonly clock: Pick<Clock, 'sleep'>;
  readonly retry?: Partial<Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs'>>;
  /** Told the outcome of every operation: null when the database answered, else why not. */
  readonly onOutcome?: (operation: string, failure: DatabaseFailure | null) => void;
}

/**
 * The channel of wake-ups between the nodes. Its payload names the sender and the schema the
 * change was made in, so nodes on other tables of the same database ignore it.
 */
const WAKE_CHANNEL = 'jobscheduler_wake';

/**
 * The Store over any Db. Every method goes through #op, which retries transient failures
 * (only when that cannot write twice) and maps whatever escapes to the error catalogue.
 */
export class SqlStore implements Store {
  readonly kind: 'postgres' | 'pglite';
  readonly #db: Db;
  readonly #options: SqlStoreOptions;
  readonly #retry: RetryOptions;
  /** The readiness ping in progress, shared by every probe that arrives meanwhile. */
  #ping: Promise<void> | null = null;
  /** Called when something a scheduler acts on may be due sooner (watchWakeUps). */
  readonly #wakes = new Set<() => void>();
  /** Listening to other nodes' changes, once something watches, until close(); null until then or without other nodes. */
  #listening: Promise<void> | null = null;
  /** What this store's wake-ups carry: who sent it (a random id), a space, the schema it concerns. */
  readonly #announcement: string;

  constructor(options: SqlStoreOptions) {
    this.#db = options.db;
    this.kind = options.db.kind;
    this.#options = options;
    this.#announcement = `${randomBytes(8).toString('hex')} ${this.#scope}`;
    this.#retry = {
      retries: options.retry?.retries ?? 4,
      baseDelayMs: options.retry?.baseDelayMs ?? 50,
      maxDelayMs: options.retry?.maxDelayMs ?? 2000,
      clock: options.clock,
      onRetry: (error, attempt, delayMs) =>
        options.logger.warn({ err: error, attempt, delayMs }, 'transient database error; retrying'),
    };
  }

  async migrate(): Promise<void> {
    await this.#op('migrate', true, () => migrate(this.#db, { schema: this.#options.schema, logger: this.#options.logger }));
  }

  /**
   * On the control connection, and one at a time: however many probes arrive while the
   * database is silent, they wait for the same bounded round trip and hold no connection each.
   */
  ping(): Promise<void> {
    this.#ping ??= this.#op('ping', true, async () => {
      await this.#db.control.query('SELECT 1');
    }).finally(() => {
      this.#ping = null;
    });
    return this.#ping;
  }

  databaseNow(): Promise<Date> {
    return this.#op('databaseNow', true, async () => {
      const result = await this.#db.control.query<{ now: Date }>('SELECT clock_timestamp() AS now');
      return result.rows[0]!.now;
    });
  }

  /** The database's close ends the listening connection too, beside the pools: on a silent network each waits out its goodbye, at once. */
  async close(): Promise<void> {
    this.#listening = null;
    await this.#db.close();
  }

  async watchWakeUps(wake: () => void): Promise<() => void> {
    this.#wakes.add(wake);
    const notifications = this.#db.notifications;
    if (notifications) {
      this.#listening ??= notifications.listen(WAKE_CHANNEL, {
        // Its own announcements woke this store's watchers already.
        onNotify: (payload) => {
          if (payload !== this.#announcement && payload.slice(payload.indexOf(' ') + 1) === this.#scope) this.#wakeAll();
        },
        onResumed: () => this.#wakeAll(),
      });
      await this.#listening;
    }
    return () => this.#wakes.delete(wake);
  }

  /** Which nodes a change concerns: those on the same tables (the schema). */
  get #scope(): string {
    return this.#options.schema ?? '';
  }

  #wakeAll(): void {
    for (const wake of this.#wakes) wake();
  }

  /**
   * A write made something due sooner than a claimer's last look may have seen: this process's
   * watchers are woken at once, the other nodes through the database. Not awaited, and a
   * failure only logged: the write stands, and every node looks again within half a
   * look-ahead however it hears.
   */
  #announce(): void {
    this.#wakeAll();
    this.#db.notifications?.notify(WAKE_CHANNEL, this.#announcement).catch((error: unknown) => {
      this.#options.logger.debug({ err: error }, 'could not tell the other nodes of a change; they see it at their next look');
    });
  }

  /** `result` once it is in, announced (see #announce) unless `announces` says it changed nothing due. */
  async #announced<T>(result: Promise<T>, announces: (value: T) => boolean = () => true): Promise<T> {
    const value = await result;
    if (announces(value)) this.#announce();
    return value;
  }

  async jobCreate(params: JobCreateParams): Promise<JobRecord> {
    const [job] = await this.jobCreateMany([params]);
    return job!;
  }

  jobCreateMany(params: readonly JobCreateParams[]): Promise<JobRecord[]> {
    if (params.length === 0) return Promise.resolve([]);
    return this.#announced(
      this.#op('jobCreateMany', false, async () => {
        // One statement: all rows are stored or, on any error, none is.
        const defaults = await jobInsertMany(this.#db, params);
        return params.map((job) => createdJobRecord(job, defaults));
      }),
    );
  }

  jobGet(id: string): Promise<JobRecord> {
    return this.#op('jobGet', true, async () => {
      const row = isUuid(id) ? await jobSelectById(this.#db, id) : null;
      if (!row) throw jobNotFound(id);
      return toJobRecord(row);
    });
  }

  jobList(params: JobListParams): Promise<Page<JobRecord>> {
    return this.#op('jobList', true, async () => {
      const order = params.order ?? 'oldest';
      const after = params.cursor === undefined ? null : decodeJobCursor(params.cursor, order);
      const rows = await jobSelectPage(this.#db, { ...params, after });
      const page = rows.slice(0, params.limit);
      const last = page.at(-1);
      return {
        items: page.map(toJobRecord),
        // The order travels in the cursor: read in the other order, its key would skip or repeat rows.
        nextCursor: rows.length > params.limit && last ? encodeCursor([last.created_us, last.id, order]) : null,
      };
    });
  }

  jobUpdate(params: JobUpdateParams): Promise<JobRecord> {
    return this.#announced(this.#updateJob(params));
  }

  #updateJob(params: JobUpdateParams): Promise<JobRecord> {
    return this.#op('jobUpdate', false, async () => {
      if (!isUuid(params.id)) throw jobNotFound(params.id);
      const row = await jobUpdateById(this.#db, { id: params.id, patch: params.patch, expectedVersion: params.expectedVersion ?? null });
      if (row) return toJobRecord(row);
      const version = await jobSelectVersion(this.#db, params.id);
      if (version === null) throw jobNotFound(params.id);
      throw new JobSchedulerError(
        'PRECONDITION_FAILED',
        `Job ${params.id} is at version ${version}, not ${params.expectedVersion}: it changed since it was read`,
        { id: params.id, version, expectedVersion: params.expectedVersion },
      );
    });
  }

  jobSoftDelete(id: string): Promise<JobRecord> {
    return this.#op('jobSoftDelete', true, async () => {
      const row = isUuid(id) ? await jobMarkDeleted(this.#db, id) : null;
      if (!row) throw jobNotFound(id);
      return toJobRecord(row);
    });
  }

  jobSetAside(params: readonly JobSetAsideParams[]): Promise<string[]> {
    return this.#op('jobSetAside', true, () => (params.length === 0 ? Promise.resolve([]) : jobMarkSetAside(this.#db, params)));
  }

  jobSetAsideOutOfRange(): Promise<string[]> {
    return this.#op('jobSetAsideOutOfRange', true, () => jobMarkOutOfRangeSetAside(this.#db));
  }

  async executionWrite(params: ExecutionWriteParams): Promise<AutoPausedJob[]> {
    const inserts = params.inserts ?? [];
    const completions = params.completions ?? [];
    const leasesDone = params.leasesDone ?? [];
    if (inserts.length === 0 && completions.length === 0 && leasesDone.length === 0) return [];
    // Idempotent: duplicate inserts are skipped and finished rows are never rewritten. Leased
    // outcomes are first inserted without looking for their rows; should one be there, the
    // transaction fails whole and the batch is written again, completing rows where they are.
    const written = this.#op('executionWrite', true, () =>
      againToleratingDuplicates((completeExisting) => this.#writeExecutions(inserts, completions, leasesDone, completeExisting)),
    );
    // Run-now requests, and retries a stopping node leaves: attempts for any node to claim.
    const queued = inserts.some((insert) => insert.status === 'SCHEDULED' && insert.ownerNode === null);
    return queued ? this.#announced(written) : written;
  }

  #writeExecutions(
    inserts: readonly ExecutionInsert[],
    completions: readonly ExecutionCompletion[],
    leasesDone: readonly string[],
    completeExisting: boolean,
  ): Promise<AutoPausedJob[]> {
    // Only a batch that ends an occurrence of a job with pauseAfterFailures takes the
    // statement that counts: every other batch is written as before, at the same cost.
    const counts = completions.some((completion) => completion.streak !== undefined);
    return this.#db.transaction(async (tx) => {
      await executionInsertMany(tx, inserts);
      let paused: AutoPausedJob[] = [];
      if (!counts) {
        await executionCompleteMany(tx, completions.filter((completion) => !completion.leased));
        await executionCompleteLeased(tx, completions.filter((completion) => completion.leased), completeExisting);
      } else {
        // The counting statement updates rows: leased attempts get theirs (as claimed) first.
        await executionInsertMany(tx, completions.flatMap((completion) => (completion.leased ? [completion.leased.execution] : [])));
        paused = (await executionCompleteCountingStreaks(tx, completions)).map(toAutoPausedJob);
      }
      await leasesDelete(tx, leasesDone);
      return paused;
    });
  }

  executionBackfill(params: ExecutionBackfillParams): Promise<ExecutionBackfillResult> {
    // Idempotent by design (see the Store contract): a retry after an unknown outcome queues nothing twice.
    return this.#announced(this.#op('executionBackfill', true, async () => {
      const result = isUuid(params.jobId) ? await backfillOccurrences(this.#db, params) : null;
      if (!result) throw jobNotFound(params.jobId);
      return result;
    }));
  }

  executionList(params: ExecutionListParams): Promise<Page<ExecutionRecord>> {
    return this.#op('executionList', true, async () => {
      const after = params.cursor === undefined ? null : decodeExecutionCursor(params.cursor);
      if (!isUuid(params.jobId)) throw jobNotFound(params.jobId);
      const rows = await executionSelectPage(this.#db, { jobId: params.jobId, limit: params.limit, after });
      if (rows.length === 0 && after === null && (await jobSelectVersion(this.#db, params.jobId)) === null) {
        throw jobNotFound(params.jobId);
      }
      const page = rows.slice(0, params.limit);
      const last = page.at(-1);
      return {
        items: page.map(toExecutionRecord),
        nextCursor: rows.length > params.limit && last ? encodeCursor([last.scheduled_us, last.trigger, last.attempt]) : null,
      };
    });
  }

  executionDeleteOlderThan(params: RetentionParams): Promise<number> {
    return this.#op('executionDeleteOlderThan', true, () => executionDeleteUnpartitionedBefore(this.#db, params));
  }

  executionPartitionList(): Promise<ExecutionPartition[]> {
    return this.#op('executionPartitionList', true, () => executionPartitionSelectAll(this.#db));
  }

  executionPartitionsPrepare(params: PartitionPrepareParams): Promise<PartitionPrepareResult> {
    return this.#op('executionPartitionsPrepare', true, () => executionPartitionsPrepare(this.#db, params));
  }

  executionPartitionsDrop(params: { readonly before: Date; readonly lockTimeoutMs: number }): Promise<PartitionDropResult> {
    return this.#op('executionPartitionsDrop', true, () => executionPartitionsDropBefore(this.#db, params));
  }

  executionOutcomesByJob(params: { readonly jobIds: readonly string[]; readonly since: Date }): Promise<JobOutcomeCounts[]> {
    const jobIds = [...new Set(params.jobIds.filter(isUuid).map((id) => id.toLowerCase()))];
    return this.#op('executionOutcomesByJob', true, () => executionOutcomesByJob(this.#db, { jobIds, since: params.since }));
  }

  executionCountRecent(params: { readonly windowMs: number }): Promise<number> {
    return this.#op('executionCountRecent', true, () => executionCountRecent(this.#db, params));
  }

  executionTimeline(params: TimelineParams): Promise<TimelineBucket[]> {
    return this.#op('executionTimeline', true, () => executionTimeline(this.#db, params));
  }

  jobClaimDue(params: JobClaimDueParams): Promise<ClaimedAttempt[]> {
    return this.#op('jobClaimDue', false, () => claimDueJobs(this.#db, params));
  }

  executionClaimDue(params: ExecutionClaimDueParams): Promise<ClaimedAttempt[]> {
    return this.#op('executionClaimDue', false, () => claimUnownedExecutions(this.#db, params));
  }

  executionListOwned(params: ExecutionListOwnedParams): Promise<ClaimedAttempt[]> {
    return this.#op('executionListOwned', true, () => executionSelectOwnedOpen(this.#db, params));
  }

  executionFindOverlaps(params: { readonly candidates: readonly OverlapCandidate[]; readonly now: Date }): Promise<string[]> {
    if (params.candidates.length === 0) return Promise.resolve([]);
    return this.#op('executionFindOverlaps', true, () => executionSelectOverlapping(this.#db, params));
  }

  async executionMarkRunning(params: ExecutionMarkRunningParams): Promise<void> {
    if (params.ids.length === 0) return;
    await this.#op('executionMarkRunning', true, () => executionMarkRunning(this.#db, params));
  }

  async executionRelease(params: ExecutionReleaseParams): Promise<void> {
    if (params.ids.length === 0) return;
    await this.#announced(
      this.#op('executionRelease', true, async () => {
        // Every lease of the node becomes rows first: what it hands back then has rows to hand
        // back, and what it still sends completes those rows.
        await leasesMaterializeOfOwners(this.#db, [params.nodeId]);
        await executionReleaseOwned(this.#db, params);
      }),
    );
  }

  claimHorizon(params: ClaimHorizonParams): Promise<ClaimHorizon> {
    return this.#op('claimHorizon', true, () => claimHorizon(this.#db, params));
  }

  targetPolicyCreate(params: TargetPolicyDefinition & { readonly id: string }): Promise<TargetPolicyRecord> {
    return this.#announced(this.#op('targetPolicyCreate', false, () => targetPolicyInsert(this.#db, params)));
  }

  targetPolicyGet(id: string): Promise<TargetPolicyRecord> {
    return this.#op('targetPolicyGet', true, async () => {
      const policy = isUuid(id) ? await targetPolicySelectById(this.#db, id) : null;
      if (!policy) throw targetPolicyNotFound(id);
      return policy;
    });
  }

  targetPolicyList(): Promise<TargetPolicyRecord[]> {
    return this.#op('targetPolicyList', true, () => targetPolicySelectAll(this.#db));
  }

  targetPolicyUpdate(params: TargetPolicyUpdateParams): Promise<TargetPolicyRecord> {
    return this.#announced(this.#updateTargetPolicy(params));
  }

  #updateTargetPolicy(params: TargetPolicyUpdateParams): Promise<TargetPolicyRecord> {
    return this.#op('targetPolicyUpdate', false, async () => {
      if (!isUuid(params.id)) throw targetPolicyNotFound(params.id);
      const updated = await targetPolicyUpdateById(this.#db, { id: params.id, patch: params.patch, expectedVersion: params.expectedVersion ?? null });
      if (updated) return updated;
      const current = await targetPolicySelectById(this.#db, params.id);
      if (!current) throw targetPolicyNotFound(params.id);
      throw new JobSchedulerError(
        'PRECONDITION_FAILED',
        `Target policy ${params.id} is at version ${current.version}, not ${params.expectedVersion}: it changed since it was read`,
        { id: params.id, version: current.version, expectedVersion: params.expectedVersion },
      );
    });
  }

  targetPolicyDelete(id: string): Promise<void> {
    return this.#announced(
      this.#op('targetPolicyDelete', true, async () => {
        if (!isUuid(id) || !(await targetPolicyDeleteById(this.#db, id))) throw targetPolicyNotFound(id);
      }),
    );
  }

  targetBudgetExchange(params: TargetBudgetExchangeParams): Promise<{ readonly policies: TargetPolicyRecord[]; readonly shares: readonly TargetUsage[] }> {
    return this.#op('targetBudgetExchange', true, () => targetBudgetRound(this.#db, params));
  }

  async nodeRegister(params: NodeRegisterParams): Promise<void> {
    await this.#op('nodeRegister', true, () => nodeUpsert(this.#db.control, params));
  }

  nodeHeartbeat(params: { readonly id: string; readonly clockSkewMs: number }): Promise<Date> {
    return this.#op('nodeHeartbeat', true, async () => {
      const now = await nodeHeartbeat(this.#db.control, params);
      if (now === null) throw new JobSchedulerError('NOT_FOUND', `Node ${params.id} is not registered`, { id: params.id });
      return now;
    });
  }

  async nodeStop(id: string): Promise<void> {
    await this.#op('nodeStop', true, () => nodeMarkStopped(this.#db.control, id));
  }

  nodeList(): Promise<NodeRecord[]> {
    return this.#op('nodeList', true, async () => (await nodeSelectAll(this.#db)).map(toNodeRecord));
  }

  nodeReapDead(params: { readonly timeoutMs: number }): Promise<NodeReapResult> {
    // Attempts handed back are for any node; a node gone changes every node's share.
    return this.#announced(
      this.#op('nodeReapDead', true, () => nodeReapDead(this.#db, params)),
      (reaped) => reaped.requeued > 0 || reaped.deadNodes.length > 0,
    );
  }

  async #op<T>(operation: string, idempotent: boolean, fn: () => Promise<T>): Promise<T> {
    const onOutcome = this.#options.onOutcome;
    try {
      const result = await withRetry(fn, idempotent, this.#retry);
      onOutcome?.(operation, null);
      return result;
    } catch (error) {
      onOutcome?.(operation, databaseFailure(error));
      throw toStoreError(error, operation);
    }
  }
}

/**
 * The record of a job just inserted: what the caller sent plus the defaults the database
 * filled in. Equal to what reading the row back would give, except that object keys of
 * headers and payload keep the caller's order (jsonb keeps its own).
 */
function createdJobRecord(job: JobCreateParams, defaults: JobInsertDefaults): JobRecord {
  return {
    id: job.id.toLowerCase(),
    name: job.name,
    description: job.description,
    schedule: job.schedule,
    runAt: job.runAt,
    timezone: job.timezone,
    api: job.api,
    method: job.method,
    headers: job.headers,
    payload: job.payload,
    timeoutMs: job.timeoutMs,
    type: job.type,
    retry: job.retry,
    misfirePolicy: job.misfirePolicy,
    overlapPolicy: job.overlapPolicy,
    onFailure: job.onFailure,
    isActive: job.isActive,
    paused: job.paused,
    pauseAfterFailures: job.pauseAfterFailures,
    startAt: job.startAt,
    endAt: job.endAt,
    maxRuns: job.maxRuns,
    jitterMs: job.jitterMs,
    nextRunAt: job.nextRunAt,
    runCount: 0,
    lastRunAt: null,
    lastStatus: null,
    setAsideReason: null,
    setAsideAt: null,
    pausedReason: null,
    pausedAt: null,
    endedBy: null,
    consecutiveFailures: 0,
    version: defaults.version,
    createdAt: new Date(defaults.created_at),
    updatedAt: new Date(defaults.updated_at),
    deletedAt: null,
  };
}

function jobNotFound(id: string): JobSchedulerError {
  return new JobSchedulerError('NOT_FOUND', `No job with id ${id}`, { id });
}

function decodeJobCursor(cursor: string, order: 'oldest' | 'newest'): { createdUs: string; id: string } {
  const [createdUs, id, cursorOrder] = decodeCursor(cursor, ['string', 'string', 'string'] as const);
  if (!/^-?\d{1,20}$/.test(createdUs) || !isUuid(id) || (cursorOrder !== 'oldest' && cursorOrder !== 'newest')) {
    throw new JobSchedulerError('VALIDATION_FAILED', 'The cursor is not one this server handed out', { cursor });
  }
  if (cursorOrder !== order) {
    throw new JobSchedulerError('VALIDATION_FAILED', `The cursor continues a list in order=${cursorOrder}; ask for the next page with order=${cursorOrder}`, {
      property: 'cursor',
    });
  }
  return { createdUs, id };
}

function decodeExecutionCursor(cursor: string): { scheduledUs: string; trigger: string; attempt: number } {
  const [scheduledUs, trigger, attempt] = decodeCursor(cursor, ['string', 'string', 'number'] as const);
  if (!/^-?\d{1,20}$/.test(scheduledUs) || !Number.isSafeInteger(attempt)) {
    throw new JobSchedulerError('VALIDATION_FAILED', 'The cursor is not one this server handed out', { cursor });
  }
  return { scheduledUs, trigger, attempt };
}

function targetPolicyNotFound(id: string): JobSchedulerError {
  return new JobSchedulerError('NOT_FOUND', `No target policy has the id ${id}`, { id });
}
