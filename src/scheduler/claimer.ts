import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../time/clock.js';
import type { ClaimedAttempt, ClaimHorizon, ClaimShare, OccurrencePlan, ScheduledJob, Store } from '../store/types.js';
import { INSTANT_RANGE } from '../jobs/definition.js';
import { JobCache } from './job-cache.js';
import { Loop } from './loop.js';
import { planOccurrences, type Plan, type ScheduleOf } from './planner.js';
import { setAsideOutOfRange, setAsideUnplannable, type Unplannable } from './set-aside.js';
import { Signals } from './signals.js';

export interface ClaimerEvents {
  /** A claim round finished. */
  claimed: { readonly jobs: number; readonly attempts: number; readonly missed: number };
  /** A claim round failed (emitted before its `claimed`); a round that succeeds again emits `claimed` only. */
  claimFailed: { readonly error: unknown };
}

export interface ClaimerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly nodeId: string;
  readonly lookaheadMs: number;
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly misfireGraceMs: number;
  readonly scheduleOf: ScheduleOf;
  /** Asked before every round; false (no valid lease, shutting down) skips it. */
  readonly canClaim: () => boolean;
  /** Receives the attempts this node now owns. */
  readonly onClaimed: (attempts: ClaimedAttempt[]) => void;
  /** Runs after each round, never at the same time as a claim (adoption of orphans). */
  readonly afterRound?: () => Promise<void>;
  /** While true (requests of due attempts still leaving) a round waits, a quarter look-ahead at most. */
  readonly yieldTo?: () => boolean;
  /** This node's place among the live claiming nodes; null (or absent): it claims every due job. */
  readonly share?: () => { readonly index: number; readonly count: number } | null;
}

/** Whether the job's dates lie where both stores hold them exactly (INSTANT_RANGE). */
function withinInstantRange(job: ScheduledJob): boolean {
  const inRange = (date: Date | null): boolean => date === null || (date >= INSTANT_RANGE.min && date <= INSTANT_RANGE.max);
  return inRange(job.nextRunAt) && inRange(job.runAt);
}

/** Claim round trips in one round when every one comes back full. */
const MAX_BATCHES_PER_ROUND = 10;
/** Job ids named in the one line a claim round logs about missed occurrences. */
const MISSED_JOB_IDS_LOGGED = 10;

/**
 * Takes ownership of due work through the database, between half a look-ahead and a whole
 * one ahead of time, in batches:
 * due jobs (their occurrences become attempts owned by this node, planned by the misfire
 * rules) and unowned due attempts (retries, run-now requests, work released by a stopping
 * node or requeued from a dead one). One round is a few statements whatever the job count.
 *
 * A round first looks where claimable work begins (one statement that locks nothing) and
 * claims only what is due. A node with nothing due sleeps until its earliest job enters the
 * claim window, half a look-ahead at most; a wake-up (a job written, an attempt queued, on
 * this node or another) ends that sleep after the usual interval. An idle node asks one
 * statement every half look-ahead where it asked four every interval.
 */
export class Claimer {
  readonly signals = new Signals<ClaimerEvents>();
  readonly #options: ClaimerOptions;
  readonly #loop: Loop;
  #behind = false;
  /** When to look again after a round that found nothing due; undefined: after the interval. */
  #wakeAt: number | undefined;
  #failures = 0;
  readonly #knownJobs = new JobCache();

  constructor(options: ClaimerOptions) {
    this.#options = options;
    this.#loop = new Loop({
      name: 'claim',
      clock: options.clock,
      logger: options.logger,
      intervalMs: options.intervalMs,
      run: () => this.claimOnce(),
      nextDelay: () => (this.#behind ? 0 : this.#wakeAt === undefined ? undefined : this.#wakeAt - options.clock.now()),
      // Claims run a look-ahead ahead of the instants they plan, so a quarter of it spent
      // waiting for a burst of requests to leave costs no firing its time.
      // A round that came back full (a backlog) goes on at once.
      ...(options.yieldTo ? { yieldTo: () => !this.#behind && options.yieldTo!(), maxYieldMs: options.lookaheadMs / 4 } : {}),
    });
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops claiming; resolves when the round in progress has handed over what it claimed. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Something may be due sooner than the last round saw (a job written, an attempt queued): a long sleep ends. */
  wake(): void {
    this.#loop.wake();
  }

  /** One claim round now. */
  async claimOnce(): Promise<void> {
    const { canClaim, clock, logger, nodeId, lookaheadMs } = this.#options;
    this.#wakeAt = undefined;
    if (!canClaim()) return;
    let jobs = 0;
    let attempts = 0;
    let missed = 0;
    let full = false;
    try {
      const lookedAt = clock.now();
      const horizon = await this.#options.store.claimHorizon({ share: this.#place(), unownedUntil: new Date(lookedAt + lookaheadMs) });
      for (let batch = 0; batch < MAX_BATCHES_PER_ROUND && this.#jobsDue(horizon, lookedAt) && canClaim(); batch++) {
        const now = clock.now();
        const result = await this.#claimJobs(now);
        jobs += result.jobs;
        missed += result.missed;
        attempts += this.#handOver(result.attempts);
        full = result.jobs >= this.#options.batchSize;
        if (!full) break;
      }
      for (let batch = 0; batch < MAX_BATCHES_PER_ROUND && horizon.unownedDue && canClaim(); batch++) {
        const claimed = await this.#options.store.executionClaimDue({
          nodeId,
          until: new Date(clock.now() + this.#options.lookaheadMs),
          limit: this.#options.batchSize,
        });
        attempts += this.#handOver(claimed);
        const unownedFull = claimed.length >= this.#options.batchSize;
        full ||= unownedFull;
        if (!unownedFull) break;
      }
      if (this.#failures > 0) logger.info({ nodeId, failures: this.#failures }, 'claiming again');
      this.#failures = 0;
      if (jobs === 0 && attempts === 0) this.#wakeAt = this.#nextLook(horizon, lookedAt);
    } catch (error) {
      this.#failures++;
      if (this.#failures === 1) logger.warn({ err: error, nodeId }, 'claim failed; trying again every interval');
      this.signals.emit('claimFailed', { error });
      // A row no store can hold fails every round it is in: set it aside and claim again at once.
      full = await setAsideOutOfRange(this.#options);
    }
    this.#behind = full;
    this.signals.emit('claimed', { jobs, attempts, missed });
    if (this.#options.afterRound && canClaim()) {
      try {
        await this.#options.afterRound();
      } catch (error) {
        logger.warn({ err: error, nodeId }, 'housekeeping after the claim failed');
      }
    }
  }

  /**
   * Jobs are spread over the live nodes by design, not by who asks first: each claims its own
   * shard of them half a look-ahead ahead, and another node's only a quarter look-ahead ahead,
   * once its owner has had a quarter look-ahead (several claim rounds) to take it. A node that
   * died, is cut off or is overloaded therefore delays its jobs by a quarter look-ahead at
   * most, well within the time they are claimed ahead of their instant.
   */
  #share(now: number): ClaimShare | null {
    const place = this.#place();
    return place && { ...place, othersUntil: new Date(now + this.#options.lookaheadMs / 4) };
  }

  #place(): { readonly index: number; readonly count: number } | null {
    const place = this.#options.share?.() ?? null;
    return place === null || place.count <= 1 ? null : place;
  }

  /** Whether a job claim would find anything: the claim's own windows (#claimJobs' until, #share's othersUntil). */
  #jobsDue(horizon: ClaimHorizon, now: number): boolean {
    const { lookaheadMs } = this.#options;
    return (horizon.ownDueMs !== null && horizon.ownDueMs <= now + lookaheadMs / 2) || (horizon.anyDueMs !== null && horizon.anyDueMs <= now + lookaheadMs / 4);
  }

  /**
   * After a round with nothing due (looked at `lookedAt`): look again half an interval after
   * the earliest job enters its claim window, at least an interval after this look, and at
   * most half a look-ahead and half an interval after it. Unowned attempts are claimed a whole
   * look-ahead ahead, so a look that often still takes them nearly half a look-ahead ahead; a
   * change this node does not hear of (its listening connection lost) waits that long at most.
   * A wake-up ends the sleep early (Loop.wake).
   *
   * Why half an interval after: the instant a window opens, or half a look-ahead after a round
   * that followed a burst, is often the instant earlier occurrences fire (every-second jobs
   * open theirs on whole seconds), and a round then would plan its jobs before that burst
   * leaves. Half an interval later it runs between bursts, as a round of a fixed rhythm did on
   * average.
   */
  #nextLook(horizon: ClaimHorizon, lookedAt: number): number {
    const { intervalMs, lookaheadMs } = this.#options;
    const ownAt = horizon.ownDueMs === null ? Infinity : horizon.ownDueMs - lookaheadMs / 2;
    const othersAt = horizon.anyDueMs === null ? Infinity : horizon.anyDueMs - lookaheadMs / 4;
    const opens = Math.min(lookedAt + lookaheadMs / 2, ownAt, othersAt);
    return Math.max(lookedAt + intervalMs, opens + intervalMs / 2);
  }

  #handOver(attempts: ClaimedAttempt[]): number {
    this.#options.metrics.claimBatchSize.observe(attempts.length);
    if (attempts.length > 0) this.#options.onClaimed(attempts);
    return attempts.length;
  }

  async #claimJobs(now: number): Promise<{ jobs: number; missed: number; attempts: ClaimedAttempt[] }> {
    const window = { now: new Date(now), until: new Date(now + this.#options.lookaheadMs), graceMs: this.#options.misfireGraceMs };
    // The store may run the transaction again after a transient failure, calling plan again
    // for the same jobs: keep the last plan per job.
    const plans = new Map<string, { job: ScheduledJob; plan: Plan | null; error: unknown }>();
    let outOfRange = false;
    const plan = (job: ScheduledJob): OccurrencePlan => {
      if (!withinInstantRange(job)) {
        // Stored before dates were checked: planned from, it would put occurrences in history
        // that no store reads back. Left as it is for the sweep below, which sets it aside.
        outOfRange = true;
        plans.delete(job.id);
        return { fire: [], missed: [], nextRunAt: job.nextRunAt, deactivate: false };
      }
      try {
        const planned = planOccurrences(job, window, this.#options.scheduleOf);
        plans.set(job.id, { job, plan: planned, error: null });
        return planned;
      } catch (error) {
        // A schedule that cannot be read (stored by an older version?) must not block the
        // claim of every other job: this one stops firing and says why.
        plans.set(job.id, { job, plan: null, error });
        return { fire: [], missed: [], nextRunAt: null, deactivate: false };
      }
    };
    const attempts = await this.#options.store.jobClaimDue({
      nodeId: this.#options.nodeId,
      now: window.now,
      // A job is taken once its next occurrence is half a look-ahead away, and then planned a
      // whole look-ahead ahead: an every-second job is claimed (its row read and rewritten)
      // every other second with two occurrences, not every second with one. That halves what
      // PostgreSQL spends on jobs per firing (27 -> 17 us per occurrence measured).
      until: new Date(now + this.#options.lookaheadMs / 2),
      limit: this.#options.batchSize,
      plan,
      share: this.#share(now),
      knownJobs: this.#knownJobs,
    });
    let missed = 0;
    const missedJobs: string[] = [];
    const { logger, metrics } = this.#options;
    const unplannable: Unplannable[] = [];
    for (const { job, plan: planned, error } of plans.values()) {
      if (!planned) {
        unplannable.push({ jobId: job.id, schedule: job.schedule, timezone: job.timezone, error });
        continue;
      }
      if (planned.missed.length > 0) {
        missed += planned.missed.length;
        missedJobs.push(job.id);
        metrics.firings.inc({ type: job.type, outcome: 'MISSED' }, planned.missed.length);
      }
      if (planned.unlistedMisfiresFrom) {
        logger.warn(
          { jobId: job.id, from: planned.unlistedMisfiresFrom.toISOString(), until: new Date(now - this.#options.misfireGraceMs).toISOString() },
          'too many occurrences were missed to record one by one; jumped to the present',
        );
      }
    }
    // One line per claim round, not per job: past capacity every job of a round can have a
    // missed occurrence, and a line each (61,000 in a minute at 10,000 jobs) fed the overload.
    if (missedJobs.length > 0) {
      logger.info(
        { missed, jobs: missedJobs.length, jobIds: missedJobs.slice(0, MISSED_JOB_IDS_LOGGED) },
        missedJobs.length === 1
          ? 'occurrences fell due while no node ran them'
          : `occurrences of ${missedJobs.length} jobs fell due while no node ran them (recorded MISSED or caught up by their misfire policy)`,
      );
    }
    await setAsideUnplannable(this.#options, unplannable);
    if (outOfRange) await setAsideOutOfRange(this.#options);
    return { jobs: plans.size, missed, attempts };
  }
}
