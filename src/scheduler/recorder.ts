import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { AutoPausedJob, ClaimLease, ExecutionCompletion, ExecutionInsert, LeasedAttempt, Store } from '../store/types.js';
import { Fifo } from './fifo.js';
import { IdMap } from './id-map.js';
import { RunningMark, RunningMarks } from './running-marks.js';
import { Signals } from './signals.js';

/**
 * Rows that must reach the database together: a failed attempt's completion and the retry
 * that replaces it are one unit, so a crash can never leave the failure without its retry.
 */
export interface RecordUnit {
  readonly inserts?: readonly ExecutionInsert[];
  readonly completions?: readonly ExecutionCompletion[];
}

export interface RecorderEvents {
  /** A batch reached the database. */
  flushed: { readonly inserts: number; readonly completions: number; readonly running: number; readonly completedIds: readonly string[] };
  /** A write paused jobs that reached their pauseAfterFailures (see auto-pause.ts). */
  autoPaused: { readonly jobs: readonly AutoPausedJob[] };
  /** A write failed; the rows stay buffered and are tried again. */
  failed: { readonly error: unknown; readonly rows: number };
}

export interface RecorderOptions {
  readonly store: Pick<Store, 'executionWrite' | 'executionMarkRunning'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A buffered row waits at most this long (unless the database is unreachable). */
  readonly flushIntervalMs?: number;
  /** A batch this large is written at once, and no write carries more (whole units aside). */
  readonly maxBatchRows?: number;
  /**
   * A request still running this long after it left is marked RUNNING in the history
   * (default 1 s). Most requests finish sooner and go from SCHEDULED to their outcome in one
   * write: marking every one of them would update every attempt row twice.
   */
  readonly runningMarkAfterMs?: number;
  /**
   * While true (requests of due attempts still leaving) background writes wait, so a burst's
   * requests leave before its history is serialised; none is held back longer than MAX_YIELD_MS
   * after it arrived. flush() and drain() never wait.
   */
  readonly yieldTo?: () => boolean;
}

/** Longest a background write waits for a burst of requests to leave (see yieldTo). */
const MAX_YIELD_MS = 500;
const YIELD_POLL_MS = 5;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * Writes attempt outcomes, retries and RUNNING marks in batches: a few statements per 50 ms
 * or per 1,000 rows instead of a transaction per firing. Writes are serialised and in order;
 * a failed write keeps its rows at the head of the buffer and is retried with backoff, so an
 * outage of the database delays history but loses none of it while the process lives.
 */
export class Recorder {
  readonly signals = new Signals<RecorderEvents>();
  readonly #store: RecorderOptions['store'];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #maxRows: number;
  readonly #markAfterMs: number;
  readonly #units = new Fifo<BufferedUnit>();
  #unitRows = 0;
  /** Completions buffered or being written, by attempt id. */
  readonly #pendingCompletions = new IdMap<true>();
  /** Attempts sent whose RUNNING mark is not written yet. */
  readonly #running = new RunningMarks();
  #timer: TimerHandle | null = null;
  /** Clock time #timer fires at. */
  #timerAt = Infinity;
  #writing: Promise<void> | null = null;
  #failures = 0;
  /**
   * Outcomes written so far of each lease's attempts. A lease is removed in the write of its
   * last outcome: by then every attempt it lists has a row. One whose attempts did not all end
   * here (handed back, adopted) is never removed by this count, and the hand-back or adoption
   * turns it into rows instead; weak, so its entry goes with the lease object.
   */
  readonly #leaseOutcomes = new WeakMap<ClaimLease, number>();
  /** Leased attempts whose RUNNING mark went into a write: their rows may exist (see mayHaveRow). */
  readonly #markedLeased = new WeakSet<LeasedAttempt>();
  readonly #yieldTo: () => boolean;

  constructor(options: RecorderOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#intervalMs = options.flushIntervalMs ?? 50;
    this.#maxRows = options.maxBatchRows ?? 1000;
    this.#markAfterMs = options.runningMarkAfterMs ?? 1000;
    this.#yieldTo = options.yieldTo ?? (() => false);
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.#unitRows + this.#running.size;
  }

  write(unit: RecordUnit): void {
    const rows = rowsOf(unit);
    if (rows === 0) return;
    for (const completion of unit.completions ?? []) {
      this.#running.delete(completion.id);
      this.#pendingCompletions.set(completion.id, true);
    }
    this.#units.push({ unit, arrivedAt: this.#clock.now() });
    this.#unitRows += rows;
    this.#schedule();
  }

  /** Whether an outcome of this attempt waits to be written. */
  hasPendingCompletion(id: string): boolean {
    return this.#pendingCompletions.has(id);
  }

  markRunning(id: string, scheduledAt: Date, startedAt: number, leased?: LeasedAttempt): void {
    this.#running.add(new RunningMark(id, scheduledAt, startedAt, leased));
    this.#schedule();
  }

  /** Writes everything buffered now; resolves when it is in the database (or rejects when a write fails). */
  async flush(): Promise<void> {
    this.#cancelTimer();
    while (this.pending > 0 || this.#writing) {
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      await this.#writeOnce({ all: true, rethrow: true });
    }
  }

  /**
   * Writes what is buffered, trying until `deadline` (clock time) while the database fails;
   * returns how many rows could not be written.
   */
  async drain(deadline: number): Promise<number> {
    for (;;) {
      try {
        await this.flush();
        return 0;
      } catch {
        const wait = Math.min(this.#retryDelay(), deadline - this.#clock.now());
        if (wait <= 0) break;
        await this.#clock.sleep(wait);
      }
    }
    const lost = this.pending;
    if (lost > 0) this.#logger.error({ rows: lost }, 'history rows could not be written before shutdown');
    return lost;
  }

  /** Stops the flush timer; buffered rows stay (see drain). */
  stop(): void {
    this.#cancelTimer();
  }

  #schedule(): void {
    if (this.#writing) return;
    if (this.#unitRows >= this.#maxRows) {
      this.#cancelTimer();
      this.#writeInBackground();
      return;
    }
    const now = this.#clock.now();
    let at = now + this.#intervalMs;
    if (this.#units.length === 0) {
      // Only RUNNING marks wait: come back when the oldest is due.
      const oldest = this.#running.oldest;
      if (!oldest) return;
      at = Math.max(at, oldest.startedAt + this.#markAfterMs);
    }
    // While the database fails, the retry backoff decides (see #writeOnce).
    if (this.#timer && (this.#timerAt <= at || this.#failures > 0)) return;
    this.#arm(at - now);
  }

  #arm(delayMs: number): void {
    this.#cancelTimer();
    this.#timerAt = this.#clock.now() + delayMs;
    this.#timer = this.#clock.setTimer(delayMs, () => this.#writeInBackground());
  }

  #writeInBackground(): void {
    // Measured from the oldest row's arrival, so a node that is always sending (overloaded)
    // writes back to back instead of one batch per MAX_YIELD_MS.
    const oldest = this.#units.peek()?.arrivedAt ?? this.#clock.now();
    if (this.#failures === 0 && this.#yieldTo() && this.#clock.now() - oldest < MAX_YIELD_MS) {
      this.#arm(YIELD_POLL_MS);
      return;
    }
    void this.#writeOnce({ all: false, rethrow: false });
  }

  #cancelTimer(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  /**
   * One batch. In the background a failure is logged and retried later, and only RUNNING
   * marks older than runningMarkAfterMs go; flush() takes every mark (`all`) and sees the error.
   */
  async #writeOnce({ all, rethrow }: { all: boolean; rethrow: boolean }): Promise<void> {
    this.#timer = null;
    this.#timerAt = Infinity;
    if (this.#writing || this.pending === 0) return;
    const batch = this.#take(all);
    if (batch.rows === 0) {
      this.#schedule();
      return;
    }
    const done = this.#write(batch);
    this.#writing = done.then(
      () => undefined,
      () => undefined,
    );
    try {
      await done;
      if (this.#failures > 0) this.#logger.info({ failures: this.#failures }, 'history writes recovered');
      this.#failures = 0;
    } catch (error) {
      this.#restore(batch);
      this.#failures++;
      const log = { err: error, rows: batch.rows, attempt: this.#failures };
      if (this.#failures === 1) this.#logger.warn(log, 'history write failed; rows kept and retried');
      else this.#logger.debug(log, 'history write failed again');
      this.signals.emit('failed', { error, rows: batch.rows });
      if (rethrow) throw error;
    } finally {
      this.#writing = null;
      if (this.pending > 0) {
        if (this.#failures > 0) {
          if (!this.#timer) this.#arm(this.#retryDelay());
        } else {
          this.#schedule();
        }
      }
    }
  }

  #take(allMarks: boolean): Batch {
    const units: BufferedUnit[] = [];
    let rows = 0;
    while (this.#units.length > 0 && (rows === 0 || rows < this.#maxRows)) {
      const buffered = this.#units.shift()!;
      units.push(buffered);
      rows += rowsOf(buffered.unit);
    }
    this.#unitRows -= rows;
    const running = allMarks ? this.#running.takeAll() : this.#running.takeStartedBy(this.#clock.now() - this.#markAfterMs);
    for (const { leased } of running) if (leased) this.#markedLeased.add(leased);
    return { units, running, rows: rows + running.length };
  }

  #restore(batch: Batch): void {
    this.#units.unshiftAll(batch.units);
    this.#unitRows += batch.units.reduce((sum, { unit }) => sum + rowsOf(unit), 0);
    this.#running.restore(batch.running, (id) => this.#pendingCompletions.has(id));
  }

  async #write(batch: Batch): Promise<void> {
    const inserts = batch.units.flatMap(({ unit }) => unit.inserts ?? []);
    const completions: ExecutionCompletion[] = [];
    for (const { unit } of batch.units) for (const completion of unit.completions ?? []) completions.push(this.#withRowHint(completion));
    const leases = this.#leaseOutcomesAfter(completions);
    const leasesDone: string[] = [];
    for (const [lease, written] of leases) if (written >= lease.size) leasesDone.push(lease.id);
    // Inserts and completions first: a retry may already be running and its row must exist
    // before its RUNNING mark. Completed attempts are no longer in `running` (see write()).
    const paused = inserts.length > 0 || completions.length > 0 ? await this.#store.executionWrite({ inserts, completions, leasesDone }) : [];
    for (const completion of completions) this.#pendingCompletions.delete(completion.id);
    for (const [lease, written] of leases) {
      if (written >= lease.size) this.#leaseOutcomes.delete(lease);
      else this.#leaseOutcomes.set(lease, written);
    }
    if (paused.length > 0) this.signals.emit('autoPaused', { jobs: paused });
    const ids: string[] = [];
    const scheduledAt: Date[] = [];
    const starts: Date[] = [];
    const leased: LeasedAttempt[] = [];
    for (const mark of batch.running) {
      ids.push(mark.id);
      scheduledAt.push(mark.scheduledAt);
      starts.push(new Date(mark.startedAt));
      if (mark.leased) leased.push(mark.leased);
    }
    try {
      // One statement: attempts start at many different milliseconds, and a statement per
      // start time was a transaction (and a WAL flush) per millisecond under load.
      if (ids.length > 0) await this.#store.executionMarkRunning({ ids, scheduledAt, startedAt: starts, leased });
    } catch (error) {
      // The inserts and completions are in; only the marks are retried.
      batch.units.length = 0;
      throw error;
    }
    this.signals.emit('flushed', {
      inserts: inserts.length,
      completions: completions.length,
      running: batch.running.length,
      completedIds: completions.map((c) => c.id),
    });
  }

  /** The outcome, told that its leased row may exist when the attempt's RUNNING mark was taken into a write. */
  #withRowHint(completion: ExecutionCompletion): ExecutionCompletion {
    return completion.leased && this.#markedLeased.has(completion.leased) ? { ...completion, mayHaveRow: true } : completion;
  }

  /** Each lease these outcomes name, with its outcomes written once they are in. */
  #leaseOutcomesAfter(completions: readonly ExecutionCompletion[]): Map<ClaimLease, number> {
    const leases = new Map<ClaimLease, number>();
    for (const { leased } of completions) {
      if (!leased) continue;
      const { lease } = leased;
      leases.set(lease, (leases.get(lease) ?? this.#leaseOutcomes.get(lease) ?? 0) + 1);
    }
    return leases;
  }

  #retryDelay(): number {
    return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.#failures, 10));
  }
}

interface Batch {
  readonly units: BufferedUnit[];
  readonly running: readonly RunningMark[];
  readonly rows: number;
}

/** A unit waiting to be written, with the clock time it arrived (see #writeInBackground). */
interface BufferedUnit {
  readonly unit: RecordUnit;
  readonly arrivedAt: number;
}

function rowsOf(unit: RecordUnit): number {
  return (unit.inserts?.length ?? 0) + (unit.completions?.length ?? 0);
}
