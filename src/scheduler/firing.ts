import type { Logger } from 'pino';
import { uuidv7 } from '../ids.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../time/clock.js';
import type { ExecutionCompletion, ExecutionRecord, ExecutionStatus } from '../store/types.js';
import { attemptRequest, backfillWithdrawal, failureNotification, occurrenceKey, RequestTemplates, type HeldAttempt } from './attempt.js';
import { backoffDelay, type BackoffStrategy } from './backoff.js';
import type { Dispatcher, OnSend, RequestOutcome } from './dispatcher.js';
import { IdMap } from './id-map.js';
import type { Recorder } from './recorder.js';
import { LogBudget } from './log-budget.js';
import { Signals } from './signals.js';
import { TimerQueue } from './timer-queue.js';

export interface FiringEvents {
  /** An attempt's request left. */
  sent: { readonly executionId: string; readonly jobId: string; readonly attempt: number; readonly latenessMs: number };
  /** An attempt finished (its row is buffered for the next history write). */
  settled: {
    readonly executionId: string;
    readonly jobId: string;
    readonly scheduledAt: Date;
    readonly attempt: number;
    readonly status: ExecutionStatus;
    /** When the next attempt is due, for a failure that will be retried. */
    readonly retryDueAt: Date | null;
  };
  /** Attempts this node stopped holding without sending them (lease lost, or shutdown). */
  unsent: { readonly executionIds: readonly string[]; readonly scheduledAt: readonly Date[] };
}

/** Attempts of one due batch started before the event loop gets a turn (see #fireFrom). */
const FIRE_SLICE = 256;
/** At most one warning this often about attempts recorded MISSED for being overdue. */
const MISS_WARNING_INTERVAL_MS = 10_000;
/** Lines about single occurrences (final failures, failed notifications): at most this many per 10 s. */
const OCCURRENCE_LINES_PER_INTERVAL = 10;
const OCCURRENCE_LINES_INTERVAL_MS = 10_000;

export interface FiringOptions {
  readonly nodeId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly dispatcher: Dispatcher;
  readonly recorder: Recorder;
  readonly backoff: BackoffStrategy;
  readonly random: () => number;
  /** Asked just before each request leaves: false holds it back (see `unsent`). */
  readonly maySend: () => boolean;
  /**
   * How late past its due time a first scheduled attempt of a `skip` job may leave. Later
   * than that it is recorded MISSED instead of sent (see #overdue).
   */
  readonly misfireGraceMs: number;
  /**
   * Of these first attempts of overlap-forbidding jobs, the ids whose job has another
   * occurrence in progress on some other node. Absent: only this node's are known.
   */
  readonly findOverlaps?: (attempts: readonly HeldAttempt[]) => Promise<ReadonlySet<string>>;
  /** Called each time the last send, notification or due batch in progress settles. */
  readonly onQuiet?: () => void;
}

/**
 * Fires the attempts this node owns: holds them in the timer queue, sends each batch that
 * falls due, and settles every outcome: success, a retry (a new attempt row, due after the
 * backoff, held by this node) or a final failure (logged, onFailure notified).
 */
export class Firing {
  readonly signals = new Signals<FiringEvents>();
  readonly #options: FiringOptions;
  readonly #queue: TimerQueue<HeldAttempt>;
  readonly #templates = new RequestTemplates();
  /** Occurrences in progress here (first request sent, last attempt not settled), per job. */
  readonly #inProgress = new IdMap<Set<string>>();
  /** Sends, notifications and parts of a due batch not settled yet (see #begin). */
  #unsettled = 0;
  readonly #whenSettled: (() => void)[] = [];
  /** Attempts handed to `fire` and not yet settled or given up (a count: nothing reads them). */
  #active = 0;
  /** Every attempt held, queued or active, with the clock time this node took it on. */
  readonly #held = new IdMap<number>();
  #accepting = true;
  /** Parts of due batches waiting for their turn (see #fireFrom). */
  #slicesPending = 0;
  /** Overdue attempts recorded MISSED since the last warning about them (see #miss). */
  #missedSinceWarning = 0;
  #lastMissWarningAt = Number.NEGATIVE_INFINITY;
  readonly #failureLines = new LogBudget(OCCURRENCE_LINES_PER_INTERVAL, OCCURRENCE_LINES_INTERVAL_MS);
  readonly #notificationLines = new LogBudget(OCCURRENCE_LINES_PER_INTERVAL, OCCURRENCE_LINES_INTERVAL_MS);
  /** Of fire_once jobs, the first scheduled attempts held here, per job (see #overdue). */
  readonly #fireOnceHeld = new IdMap<Set<ExecutionRecord>>();

  constructor(options: FiringOptions) {
    this.#options = options;
    this.#queue = new TimerQueue<HeldAttempt>({
      clock: options.clock,
      dueAtOf: (attempt) => attempt.execution.dueAt.getTime(),
      onDue: (attempts) => this.#fire(attempts),
    });
  }

  /** Attempts waiting for their instant. */
  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Whether attempts that fell due are still waiting to leave: part of a due batch not
   * started yet, or requests waiting for a slot to their host. Background work (claims,
   * history writes) waits while this holds, for a bounded time, so that when thousands of
   * occurrences share one instant their requests leave first.
   */
  get sending(): boolean {
    return this.#slicesPending > 0 || this.#options.dispatcher.waiting > 0;
  }

  /** Whether no send, notification or due batch is in progress. */
  get idle(): boolean {
    return this.#unsettled === 0;
  }

  /** When the earliest queued attempt falls due (clock time), Infinity when none is queued. */
  get nextDueAt(): number {
    return this.#queue.peekDueAt() ?? Number.POSITIVE_INFINITY;
  }

  /** Attempts sent or waiting for a slot to their host. */
  get active(): number {
    return this.#active;
  }

  /** Whether this node holds the attempt (queued, waiting for a slot, or in flight). */
  holds(executionId: string): boolean {
    return this.#held.has(executionId);
  }

  accept(attempts: readonly HeldAttempt[]): void {
    if (!this.#accepting) {
      this.signals.emit('unsent', { executionIds: attempts.map((a) => a.execution.id), scheduledAt: attempts.map((a) => a.execution.scheduledAt) });
      return;
    }
    const now = this.#options.clock.now();
    for (const attempt of attempts) {
      const { execution, job } = attempt;
      if (this.#held.has(execution.id)) continue;
      this.#held.set(execution.id, now);
      this.#options.dispatcher.hold(job.api, 1);
      if (isFireOnceOccurrence(attempt)) {
        let held = this.#fireOnceHeld.get(job.id);
        if (!held) this.#fireOnceHeld.set(job.id, (held = new Set()));
        held.add(execution);
      }
      this.#queue.push(attempt);
    }
    this.#options.metrics.dueBacklog.set(this.#queue.size);
  }

  /** Takes every attempt out of the queue without sending it (lease lost, or shutdown). */
  takeQueued(): HeldAttempt[] {
    const taken = this.#queue.drain();
    // A retry taken away ends its occurrence here; whoever takes the retry continues it.
    for (const attempt of taken) {
      this.#letGo(attempt);
      this.#endOccurrence(attempt);
    }
    this.#options.metrics.dueBacklog.set(0);
    return taken;
  }

  /** No more attempts are queued; retries of failures are left to any node. */
  close(): HeldAttempt[] {
    this.#accepting = false;
    return this.takeQueued();
  }

  /** Resolves when every send and notification in progress has settled. */
  settled(): Promise<void> {
    if (this.#unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenSettled.push(resolve));
  }

  // A count rather than a set of promises: a promise and a callback less per firing.
  #begin(): void {
    this.#unsettled++;
  }

  #end(): void {
    if (--this.#unsettled > 0) return;
    for (const resolve of this.#whenSettled.splice(0)) resolve();
    this.#options.onQuiet?.();
  }

  #track(work: Promise<void>): void {
    this.#begin();
    const end = (): void => this.#end();
    void work.then(end, end);
  }

  #start(attempt: HeldAttempt): void {
    this.#begin();
    this.#send(attempt);
  }

  #fire(due: HeldAttempt[]): void {
    this.#options.metrics.dueBacklog.set(this.#queue.size);
    this.#fireFrom(due, 0);
  }

  /**
   * Starts the sends of one slice of a due batch, then lets the event loop run (the requests
   * just started leave, answers come in) before the next slice: with 10,000 attempts due at
   * one instant, the first requests leave at once instead of after all of them are prepared.
   */
  #fireFrom(due: HeldAttempt[], from: number): void {
    const to = Math.min(due.length, from + FIRE_SLICE);
    if (to < due.length) {
      this.#begin();
      this.#slicesPending++;
      setImmediate(() => {
        this.#slicesPending--;
        this.#fireFrom(due, to);
        this.#end();
      });
    }
    const free: HeldAttempt[] = [];
    const checked: HeldAttempt[] = [];
    const now = this.#options.clock.now();
    for (let i = from; i < to; i++) {
      const attempt = due[i]!;
      this.#active++;
      const withdrawn = backfillWithdrawal(attempt);
      if (this.#overdue(attempt, now)) this.#miss(attempt, now);
      else if (withdrawn !== null) this.#skip(attempt, withdrawn);
      else if (attempt.job.overlapPolicy !== 'forbid' || attempt.execution.attempt > 1) free.push(attempt);
      else if (this.#runningHere(attempt)) this.#skip(attempt);
      else checked.push(attempt);
    }
    for (const attempt of free) this.#start(attempt);
    if (checked.length === 0) return;
    const { findOverlaps } = this.#options;
    if (!findOverlaps) {
      for (const attempt of checked) this.#start(attempt);
      return;
    }
    this.#track(
      findOverlaps(checked).then(
        (overlapping) => {
          for (const attempt of checked) {
            if (overlapping.has(attempt.execution.id) || this.#runningHere(attempt)) this.#skip(attempt);
            else this.#start(attempt);
          }
        },
        (error: unknown) => {
          // Cannot tell whether another node still runs the previous occurrence: go by what
          // this node knows rather than hold the firing back.
          this.#options.logger.warn({ err: error }, 'overlap check failed; firing by this node\'s knowledge');
          for (const attempt of checked) {
            if (this.#runningHere(attempt)) this.#skip(attempt);
            else this.#start(attempt);
          }
        },
      ),
    );
  }

  #runningHere(attempt: HeldAttempt): boolean {
    const running = this.#inProgress.get(attempt.job.id);
    if (!running) return false;
    const key = occurrenceKey(attempt.execution);
    for (const other of running) if (other !== key) return true;
    return false;
  }

  /**
   * Whether the attempt is too late to send: a first attempt of a scheduled occurrence of a
   * `skip` job that has waited in this node longer than the misfire grace since it fell due
   * (or since the node took it on, for one that came already late: planned late within the
   * grace, or adopted from a node that stopped). The claim records occurrences MISSED that no
   * node took on in time; this is the same rule for the time an attempt then spends here (an
   * event loop too busy to keep up, or a target whose connection slots are all taken).
   * Without it an overloaded node would keep every late attempt in memory and send it ever
   * later; with it the backlog is bounded by what falls due within the grace, and each
   * dropped occurrence is in history. Retries, manual runs, backfills and catch-up policies (fire_once,
   * fire_all) are sent however late: their users asked for them. An attempt a target policy
   * held back past the grace follows its job's misfire policy: skip records it MISSED,
   * fire_once sends only the latest occurrence of the job held here, fire_all sends each.
   */
  #overdue(attempt: HeldAttempt, now: number, heldBy: string | null = null): boolean {
    const { execution, job } = attempt;
    if (execution.attempt !== 1 || execution.trigger !== 'schedule' || job.misfirePolicy === 'fire_all') return false;
    if (this.#waitedMs(attempt, now) <= this.#options.misfireGraceMs) return false;
    if (job.misfirePolicy === 'skip') return true;
    // fire_once, held back by a target policy past the grace: only the latest of its
    // occurrences due by now is sent late, the older ones are recorded MISSED, as after an outage.
    if (heldBy === null) return false;
    for (const other of this.#fireOnceHeld.get(job.id) ?? []) {
      if (other.scheduledAt > execution.scheduledAt && other.dueAt.getTime() <= now) return true;
    }
    return false;
  }

  /** The attempt is no longer held here (sent and settled, recorded, or handed back). */
  #letGo(attempt: HeldAttempt): void {
    this.#held.delete(attempt.execution.id);
    this.#options.dispatcher.hold(attempt.job.api, -1);
    if (!isFireOnceOccurrence(attempt)) return;
    const held = this.#fireOnceHeld.get(attempt.job.id);
    held?.delete(attempt.execution);
    if (held?.size === 0) this.#fireOnceHeld.delete(attempt.job.id);
  }

  /** How long the attempt has waited here since it fell due (or since it came, if later). */
  #waitedMs(attempt: HeldAttempt, now: number): number {
    const { id, dueAt } = attempt.execution;
    return now - Math.max(dueAt.getTime(), this.#held.get(id) ?? now);
  }

  #miss(attempt: HeldAttempt, now: number, heldBy: string | null = null): void {
    const { execution, job } = attempt;
    const waitedMs = this.#waitedMs(attempt, now);
    const why =
      heldBy === null
        ? `waited ${waitedMs} ms in the node after falling due`
        : `held back ${waitedMs} ms by target policy "${heldBy}" after falling due (misfire policy ${job.misfirePolicy})`;
    this.#options.recorder.write({
      completions: [
        {
          id: execution.id,
          scheduledAt: execution.scheduledAt,
          status: 'MISSED',
          startedAt: null,
          finishedAt: new Date(now),
          durationMs: null,
          httpStatus: null,
          error: `not sent: ${why}, longer than the misfire grace of ${this.#options.misfireGraceMs} ms`,
          leased: attempt.leased,
        },
      ],
    });
    this.#options.metrics.firingTally(job.type, 'MISSED').inc();
    this.#active--;
    this.#letGo(attempt);
    this.#emitSettled(attempt, 'MISSED', null);
    // One warning per interval, however many: under overload thousands fall here each second.
    this.#missedSinceWarning++;
    if (now - this.#lastMissWarningAt < MISS_WARNING_INTERVAL_MS) return;
    this.#options.logger.warn(
      { missed: this.#missedSinceWarning, waitedMs, graceMs: this.#options.misfireGraceMs, waitingForHostSlot: this.#options.dispatcher.waiting },
      'occurrences recorded MISSED instead of sent: they waited in this node past the misfire grace (node overloaded, or a target\'s connection slots all taken)',
    );
    this.#missedSinceWarning = 0;
    this.#lastMissWarningAt = now;
  }

  #skip(attempt: HeldAttempt, reason = 'the previous occurrence was still running (overlap policy forbid)'): void {
    const now = this.#options.clock.now();
    const completion: ExecutionCompletion = {
      id: attempt.execution.id,
      scheduledAt: attempt.execution.scheduledAt,
      status: 'SKIPPED',
      startedAt: null,
      finishedAt: new Date(now),
      durationMs: null,
      httpStatus: null,
      error: reason,
      leased: attempt.leased,
    };
    this.#options.recorder.write({ completions: [completion] });
    this.#options.metrics.firingTally(attempt.job.type, 'SKIPPED').inc();
    this.#active--;
    this.#letGo(attempt);
    this.#emitSettled(attempt, 'SKIPPED', null);
  }

  /** One attempt's request, from its slot to its outcome; ends what #start began. */
  #send(attempt: HeldAttempt): void {
    const { dispatcher, recorder, metrics } = this.#options;
    const signals = this.signals;
    const { execution, job } = attempt;
    let overdueAt: number | null = null;
    let overdueHeldBy: string | null = null;
    const onSend: OnSend = (startedAt, heldBy) => {
      if (!this.#options.maySend()) return false;
      if (this.#overdue(attempt, startedAt, heldBy)) {
        overdueAt = startedAt;
        overdueHeldBy = heldBy;
        return false;
      }
      recorder.markRunning(execution.id, execution.scheduledAt, startedAt, attempt.leased);
      this.#startOccurrence(attempt);
      const latenessMs = startedAt - execution.dueAt.getTime();
      metrics.lateness.observe(Math.max(0, latenessMs) / 1000);
      signals.emit('sent', { executionId: execution.id, jobId: job.id, attempt: execution.attempt, latenessMs });
      return true;
    };
    dispatcher.sendThen(attemptRequest(attempt, this.#templates.of(job)), onSend, (outcome) => {
      try {
        if (overdueAt !== null) this.#miss(attempt, overdueAt, overdueHeldBy);
        else if (outcome.sent) this.#settle(attempt, outcome);
        else {
          this.#active--;
          this.#letGo(attempt);
          signals.emit('unsent', { executionIds: [execution.id], scheduledAt: [execution.scheduledAt] });
        }
      } finally {
        this.#end();
      }
    });
  }

  #settle(attempt: HeldAttempt, outcome: RequestOutcome): void {
    const { recorder, metrics, logger } = this.#options;
    const { execution, job } = attempt;
    const status: ExecutionStatus = outcome.ok ? 'SUCCEEDED' : 'FAILED';
    const retryable = !outcome.ok && job.type === 'AT_LEAST_ONCE' && execution.attempt < job.retry.maxAttempts;
    const completion: ExecutionCompletion = {
      id: execution.id,
      scheduledAt: execution.scheduledAt,
      status,
      startedAt: new Date(outcome.startedAt),
      finishedAt: new Date(outcome.finishedAt),
      durationMs: outcome.finishedAt - outcome.startedAt,
      httpStatus: outcome.httpStatus,
      error: outcome.error,
      // The occurrence's last attempt moves the job's failure count, only for jobs that pause on one.
      streak: retryable || job.pauseAfterFailures === null ? undefined : status,
      leased: attempt.leased,
    };
    metrics.attemptDuration.observe((outcome.finishedAt - outcome.startedAt) / 1000);
    this.#options.metrics.firingTally(job.type, status).inc();
    this.#active--;
    this.#letGo(attempt);

    if (!retryable) {
      recorder.write({ completions: [completion] });
      this.#endOccurrence(attempt);
      if (!outcome.ok) this.#finalFailure(attempt, outcome);
      // Checked first: at thousands a second, building the line when it goes nowhere costs.
      else if (logger.isLevelEnabled('debug')) {
        logger.debug({ jobId: job.id, executionId: execution.id, attempt: execution.attempt, httpStatus: outcome.httpStatus, durationMs: completion.durationMs }, 'attempt succeeded');
      }
      this.#emitSettled(attempt, status, null);
      return;
    }
    const retry = this.#retryOf(execution, attempt, outcome.finishedAt);
    // The failure and its retry reach the database in one write: never one without the other.
    recorder.write({ completions: [completion], inserts: [retry] });
    metrics.retries.inc();
    logger.debug({ jobId: job.id, executionId: execution.id, attempt: execution.attempt, retryDueAt: retry.dueAt, error: outcome.error }, 'attempt failed; retrying');
    if (this.#accepting) {
      this.accept([{ execution: retry, job }]);
    } else {
      // Shutting down: the retry is written unowned, for any node to take when due.
      this.#endOccurrence(attempt);
    }
    this.#emitSettled(attempt, status, retry.dueAt);
  }

  #retryOf(execution: ExecutionRecord, attempt: HeldAttempt, failedAt: number): ExecutionRecord {
    const { job } = attempt;
    const previousDelayMs = execution.attempt > 1 ? execution.dueAt.getTime() - execution.createdAt.getTime() : null;
    const delay = backoffDelay({
      retry: execution.attempt,
      minBackoffMs: job.retry.minBackoffMs,
      maxBackoffMs: job.retry.maxBackoffMs,
      strategy: this.#options.backoff,
      previousDelayMs,
      random: this.#options.random,
    });
    return {
      id: uuidv7(failedAt),
      jobId: execution.jobId,
      scheduledAt: execution.scheduledAt,
      trigger: execution.trigger,
      attempt: execution.attempt + 1,
      dueAt: new Date(failedAt + delay),
      status: 'SCHEDULED',
      ownerNode: this.#accepting ? this.#options.nodeId : null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      httpStatus: null,
      error: null,
      // A retry sends what the failed attempt sent, run-now overrides included.
      override: execution.override,
      createdAt: new Date(failedAt),
    };
  }

  #finalFailure(attempt: HeldAttempt, outcome: RequestOutcome): void {
    const { logger, dispatcher, nodeId, clock } = this.#options;
    const { execution, job } = attempt;
    const suppressed = this.#failureLines.take(clock.now());
    if (suppressed !== null) {
      logger.error(
        {
          jobId: job.id,
          executionId: execution.id,
          scheduledAt: execution.scheduledAt.toISOString(),
          attempt: execution.attempt,
          type: job.type,
          httpStatus: outcome.httpStatus,
          error: outcome.error,
          ...(suppressed > 0 ? { notLogged: suppressed } : {}),
        },
        suppressed > 0
          ? `occurrence failed after its last attempt (and ${suppressed} more not logged one by one; see the history and jobscheduler_firings_total)`
          : 'occurrence failed after its last attempt',
      );
    }
    if (!job.onFailure) return;
    const notification = failureNotification({ attempt, ...outcome, nodeId }, job.onFailure);
    this.#track(
      dispatcher.send(notification).then((result) => {
        if (result.ok) return;
        const left = this.#notificationLines.take(clock.now());
        if (left === null) return;
        logger.warn({ jobId: job.id, executionId: execution.id, error: result.error, ...(left > 0 ? { notLogged: left } : {}) }, 'onFailure notification failed');
      }),
    );
  }

  /** Logs how many occurrence lines were left out since the last one (at stop). */
  reportSuppressedLogs(): void {
    const failures = this.#failureLines.takeSuppressed();
    const notifications = this.#notificationLines.takeSuppressed();
    if (failures + notifications === 0) return;
    this.#options.logger.warn({ failures, notifications }, 'lines about failed occurrences and notifications left out since the last one logged');
  }

  // Only jobs that forbid overlaps ever ask #runningHere, so only theirs are tracked. A job
  // switched to forbid while an occurrence of it runs here is covered by findOverlaps, which
  // sees that occurrence's open row in the database.
  #startOccurrence(attempt: HeldAttempt): void {
    if (attempt.job.overlapPolicy !== 'forbid') return;
    let running = this.#inProgress.get(attempt.job.id);
    if (!running) {
      running = new Set();
      this.#inProgress.set(attempt.job.id, running);
    }
    running.add(occurrenceKey(attempt.execution));
  }

  #endOccurrence(attempt: HeldAttempt): void {
    if (attempt.job.overlapPolicy !== 'forbid') return;
    const running = this.#inProgress.get(attempt.job.id);
    if (!running) return;
    running.delete(occurrenceKey(attempt.execution));
    if (running.size === 0) this.#inProgress.delete(attempt.job.id);
  }

  #emitSettled(attempt: HeldAttempt, status: ExecutionStatus, retryDueAt: Date | null): void {
    const { execution } = attempt;
    this.signals.emit('settled', {
      executionId: execution.id,
      jobId: execution.jobId,
      scheduledAt: execution.scheduledAt,
      attempt: execution.attempt,
      status,
      retryDueAt,
    });
  }
}

/** A first scheduled attempt of a fire_once job: what #overdue compares among. */
function isFireOnceOccurrence({ execution, job }: HeldAttempt): boolean {
  return job.misfirePolicy === 'fire_once' && execution.trigger === 'schedule' && execution.attempt === 1;
}
