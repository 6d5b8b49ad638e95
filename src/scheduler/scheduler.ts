import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { createMetrics, type Metrics } from '../metrics.js';
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/system-clock.js';
import type { ClaimedAttempt, Store } from '../store/types.js';
import { version } from '../version.js';
import { sortOrphans } from './adoption.js';
import type { HeldAttempt } from './attempt.js';
import type { BackoffStrategy } from './backoff.js';
import { AutoPauseReports } from './auto-pause.js';
import { EngineHealth, watchEngine } from './engine-health.js';
import { targetRefusal } from '../jobs/targets.js';
import { Claimer, type ClaimerEvents } from './claimer.js';
import { TargetBudget, type TargetBudgetEvents } from './target-budget.js';
import { TargetLimiter } from './target-limiter.js';
import { Dispatcher, type LookupFunction } from './dispatcher.js';
import { Firing, type FiringEvents } from './firing.js';
import { Membership, type MembershipEvents } from './membership.js';
import type { ScheduleOf } from './planner.js';
import { Recorder, type RecorderEvents } from './recorder.js';
import { ScavengePacer, type YoungGeneration } from './scavenge-pacer.js';
import { cachedCronSchedules } from './schedules.js';
import { Signals } from './signals.js';
import { createWebhookSigner } from './signing.js';

export type SchedulerSettings = Pick<
  Config,
  | 'lookaheadMs'
  | 'claimIntervalMs'
  | 'claimBatchSize'
  | 'heartbeatIntervalMs'
  | 'nodeTimeoutMs'
  | 'maxConcurrentPerHost'
  | 'shutdownGraceMs'
  | 'signingSecret'
> &
  Partial<Pick<Config, 'allowedTargets'>>;

export interface SchedulerOptions {
  readonly store: Store;
  readonly settings: SchedulerSettings;
  readonly nodeId: string;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** Recorded with the node's registration ('all' or 'scheduler'). */
  readonly role?: string;
  /** How late an occurrence may be and still fire rather than count as a misfire (default 1 s). */
  readonly misfireGraceMs?: number;
  readonly backoff?: BackoffStrategy;
  readonly random?: () => number;
  readonly scheduleOf?: ScheduleOf;
  /** Resolves target host names; lets the node refuse forbidden addresses. */
  readonly lookup?: LookupFunction;
  /**
   * V8's young generation, collected between bursts of firings (see scavenge-pacer.ts);
   * absent or null, V8 alone decides when to collect it.
   */
  readonly youngGeneration?: YoungGeneration | null;
  readonly recorder?: {
    readonly flushIntervalMs?: number;
    readonly maxBatchRows?: number;
    /** History rows waiting to be written beyond which the node claims nothing (default 50,000). */
    readonly maxBacklogRows?: number;
  };
}

export interface SchedulerEvents extends ClaimerEvents, FiringEvents, MembershipEvents, RecorderEvents, TargetBudgetEvents {
  /** The lease ran out: held attempts were set aside, to be released once the database answers. */
  fenced: { readonly attempts: number };
  /** Attempts handed back to any node (shutdown, or after a lost lease). */
  released: { readonly attempts: number };
  stopped: Record<string, never>;
}

export type SchedulerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * One node's engine: membership (heartbeat, skew, reaping), the claimer, the timer queue
 * and dispatcher (Firing), and the recorder. See docs/architecture.md for the life of an
 * occurrence and why each guarantee holds.
 */
export class Scheduler {
  readonly signals = new Signals<SchedulerEvents>();
  /** Whether claims and history writes go through, for /ready. */
  readonly health = new EngineHealth();
  readonly nodeId: string;
  readonly #options: SchedulerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #membership: Membership;
  readonly #recorder: Recorder;
  readonly #dispatcher: Dispatcher;
  readonly #firing: Firing;
  readonly #claimer: Claimer;
  readonly #autoPauses: AutoPauseReports;
  readonly #targetBudget: TargetBudget;
  readonly #pacer: ScavengePacer | null;
  /** Set while a look for a quiet moment waits for its turn (see #offerQuiet). */
  #quietOffered = false;
  /** Attempts this node owns but will not send: handed back once the database answers. */
  /** Attempts to hand back: id -> scheduledAt. */
  readonly #toRelease = new Map<string, Date>();
  #state: SchedulerState = 'idle';
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #fenced = false;
  #releasing: Promise<boolean> | null = null;
  #lifeStartedAt = 0;
  #lastSweepAt = 0;
  /** Stops the wake-ups of the claim and budget loops (Store.watchWakeUps). */
  #stopWatching: () => void = () => undefined;
  readonly #maxBacklogRows: number;
  /** Set while claims wait for the history to be written (see #historyKeepsUp). */
  #claimsHeldBack = false;
  /** While an adoption query runs: the attempts that left this node's hands meanwhile. */
  #leaving: Set<string> | null = null;

  constructor(options: SchedulerOptions) {
    const { store, settings } = options;
    this.#options = options;
    this.nodeId = options.nodeId;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger.child({ nodeId: options.nodeId });
    const metrics = options.metrics ?? createMetrics({ defaultMetrics: false });
    const clock = this.#clock;
    const logger = this.#logger;

    this.#membership = new Membership({
      store,
      clock,
      logger,
      metrics,
      node: { id: options.nodeId, hostname: hostname(), pid: process.pid, role: options.role ?? 'scheduler', version },
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      nodeTimeoutMs: settings.nodeTimeoutMs,
    });
    const { maxBacklogRows, ...recorderOptions } = options.recorder ?? {};
    this.#recorder = new Recorder({ store, clock, logger, ...recorderOptions, yieldTo: () => this.#firing.sending });
    this.#maxBacklogRows = maxBacklogRows ?? MAX_HISTORY_BACKLOG_ROWS;
    const targets = new TargetLimiter(clock);
    this.#dispatcher = new Dispatcher({
      targets,
      clock,
      maxConcurrentPerHost: settings.maxConcurrentPerHost,
      signer: settings.signingSecret ? createWebhookSigner(settings.signingSecret) : null,
      userAgent: `jobscheduler/${version}`,
      refuse: (url) => targetRefusal(url, { allowedTargets: settings.allowedTargets ?? [] }),
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    this.#pacer = options.youngGeneration ? new ScavengePacer({ clock, youngGeneration: options.youngGeneration }) : null;
    this.#firing = new Firing({
      nodeId: options.nodeId,
      clock,
      logger,
      metrics,
      dispatcher: this.#dispatcher,
      recorder: this.#recorder,
      backoff: options.backoff ?? 'full',
      random: options.random ?? Math.random,
      maySend: () => this.#state === 'running' && this.#membership.leaseValid(),
      misfireGraceMs: options.misfireGraceMs ?? DEFAULT_MISFIRE_GRACE_MS,
      findOverlaps: async (attempts) => {
        const candidates = attempts.map(({ execution }) => ({
          id: execution.id,
          jobId: execution.jobId,
          scheduledAt: execution.scheduledAt,
          trigger: execution.trigger,
        }));
        return new Set(await store.executionFindOverlaps({ candidates, now: new Date(clock.now()) }));
      },
      onQuiet: () => this.#offerQuiet(),
    });
    this.#autoPauses = new AutoPauseReports({ dispatcher: this.#dispatcher, logger, metrics, nodeId: options.nodeId });
    this.#claimer = new Claimer({
      store,
      clock,
      logger,
      metrics,
      nodeId: options.nodeId,
      lookaheadMs: settings.lookaheadMs,
      intervalMs: settings.claimIntervalMs,
      batchSize: settings.claimBatchSize,
      misfireGraceMs: options.misfireGraceMs ?? DEFAULT_MISFIRE_GRACE_MS,
      scheduleOf: options.scheduleOf ?? cachedCronSchedules(),
      canClaim: () => this.#state === 'running' && this.#membership.leaseValid() && this.#historyKeepsUp(),
      onClaimed: (attempts) => this.#firing.accept(attempts),
      yieldTo: () => this.#firing.sending,
      afterRound: () => this.#sweep(),
      share: () => this.#membership.share,
    });

    this.#targetBudget = new TargetBudget({
      store,
      clock,
      logger,
      nodeId: options.nodeId,
      limiter: targets,
      intervalMs: settings.claimIntervalMs,
      idleIntervalMs: settings.lookaheadMs / 2,
      nodeTimeoutMs: settings.nodeTimeoutMs,
      mayRun: () => this.#state === 'running' && this.#membership.leaseValid(),
    });

    forward(this.#claimer.signals, this.signals, ['claimFailed', 'claimed']);
    forward(this.#targetBudget.signals, this.signals, ['budget']);
    forward(this.#firing.signals, this.signals, ['sent', 'settled', 'unsent']);
    forward(this.#membership.signals, this.signals, ['heartbeat', 'reaped']);
    forward(this.#recorder.signals, this.signals, ['flushed', 'failed', 'autoPaused']);
    this.#recorder.signals.on('autoPaused', ({ jobs }) => this.#autoPauses.report(jobs));
    this.#firing.signals.on('unsent', ({ executionIds, scheduledAt }) => {
      executionIds.forEach((id, index) => this.#toRelease.set(id, scheduledAt[index]!));
      this.#left(executionIds);
    });
    this.#firing.signals.on('settled', ({ executionId }) => this.#left([executionId]));
    this.#recorder.signals.on('flushed', ({ completedIds }) => {
      this.#left(completedIds);
      this.#offerQuiet();
    });
    this.#membership.signals.on('heartbeat', ({ ok }) => this.#afterHeartbeat(ok));
    watchEngine(this.health, this.signals, () => clock.now());
  }

  get state(): SchedulerState {
    return this.#state;
  }

  /** Registers the node and starts claiming and firing. Idempotent. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Graceful shutdown: stop claiming, hand back what has not started, let requests in flight
   * finish within the grace period (then interrupt them), write the history, leave the
   * cluster. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** One claim round now (tests; the loop claims on its own). */
  claimNow(): Promise<void> {
    return this.#claimer.claimOnce();
  }

  /** One target budget round now (tests; the loop runs on its own). */
  targetBudgetNow(): Promise<void> {
    return this.#targetBudget.round();
  }

  /** One heartbeat and reap round now (tests; the loop beats on its own). */
  heartbeatNow(): Promise<void> {
    return this.#membership.beat();
  }

  /** Writes buffered history now. */
  flush(): Promise<void> {
    return this.#recorder.flush();
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    this.#lifeStartedAt = this.#clock.now();
    this.#lastSweepAt = this.#lifeStartedAt;
    try {
      await this.#membership.start();
      await this.#adopt(END_OF_TIME);
    } catch (error) {
      await this.#membership.stop();
      this.#state = 'stopped';
      throw error;
    }
    this.#state = 'running';
    // The target policies are known before anything is claimed: a claim that ran first would
    // send with no limits until the budget loop's first round, as many requests as were due.
    await this.#targetBudget.round();
    this.#stopWatching = await this.#options.store.watchWakeUps(() => {
      this.#claimer.wake();
      this.#targetBudget.wake();
    });
    this.#claimer.start();
    this.#targetBudget.start();
    this.health.running();
    this.#logger.info(
      { lookaheadMs: this.#options.settings.lookaheadMs, claimIntervalMs: this.#options.settings.claimIntervalMs, store: this.#options.store.kind },
      'scheduler started',
    );
  }

  async #stop(): Promise<void> {
    this.health.stopping();
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      await this.#dispatcher.close();
      return;
    }
    const { shutdownGraceMs } = this.#options.settings;
    const deadline = this.#clock.now() + shutdownGraceMs;
    this.#state = 'stopping';
    this.#logger.info({ graceMs: shutdownGraceMs }, 'scheduler stopping');
    this.#stopWatching();
    await Promise.all([this.#claimer.stop(), this.#targetBudget.stop()]);
    for (const attempt of this.#firing.close()) this.#toRelease.set(attempt.execution.id, attempt.execution.scheduledAt);
    // A database that takes neither the hand-back nor heartbeats gets one more try at the
    // history below, not FINAL_WRITE_MS of them: the stop stays within its budget.
    const answering = (await this.#release(deadline)) && this.#membership.answering;

    if (!(await this.#within(this.#firing.settled(), deadline))) {
      this.#logger.warn({ inFlight: this.#firing.active }, 'requests still in flight after the grace period; interrupting them');
      this.#dispatcher.abortAll('node shutting down');
      await this.#firing.settled();
    }
    this.#firing.reportSuppressedLogs();
    if (answering) await this.#release(deadline);
    this.#recorder.stop();
    await this.#recorder.drain(answering ? Math.max(deadline, this.#clock.now() + FINAL_WRITE_MS) : this.#clock.now());
    await this.#autoPauses.settled();
    await this.#membership.stop();
    await this.#dispatcher.close();
    this.#state = 'stopped';
    this.#logger.info('scheduler stopped');
    this.signals.emit('stopped', {});
  }

  /**
   * Takes charge of attempts this node owns in the database but does not hold (see
   * adoption.ts): at start, and then between claim rounds. An attempt that leaves this node's
   * hands while the query runs (settled, written, set aside, handed back) may still look open
   * in the query's snapshot: such attempts are remembered and never taken for orphans.
   */
  async #adopt(dueBefore: Date): Promise<void> {
    const leftMeanwhile = new Set<string>();
    this.#leaving = leftMeanwhile;
    let owned: ClaimedAttempt[];
    try {
      owned = await this.#options.store.executionListOwned({ nodeId: this.nodeId, dueBefore, limit: ADOPT_LIMIT });
    } finally {
      this.#leaving = null;
    }
    if (this.#fenced || this.#toRelease.size > 0) return;
    const orphans = owned.filter(
      ({ execution: { id } }) => !this.#firing.holds(id) && !leftMeanwhile.has(id) && !this.#recorder.hasPendingCompletion(id),
    );
    if (orphans.length === 0) return;
    const { adopt, lost } = sortOrphans(orphans, this.#lifeStartedAt, this.#clock.now());
    if (lost.length > 0) this.#recorder.write({ completions: lost });
    this.#firing.accept(adopt);
    this.#logger.warn({ adopted: adopt.length, lost: lost.length }, 'took charge of attempts this node owned but did not hold');
  }

  async #sweep(): Promise<void> {
    const now = this.#clock.now();
    if (now - this.#lastSweepAt < SWEEP_INTERVAL_MS || this.#fenced || this.#toRelease.size > 0) return;
    this.#lastSweepAt = now;
    await this.#adopt(new Date(now - SWEEP_MIN_AGE_MS));
  }

  /**
   * False while more history rows wait to be written than the backlog limit: the node takes
   * on no new work until the database has caught up with the work it did (a database too
   * slow, or a node too busy to write). The occurrences it leaves are claimed by another
   * node, or recorded MISSED by the claim that finds them past the grace; either way the
   * node's memory stays bounded.
   */
  #historyKeepsUp(): boolean {
    const pending = this.#recorder.pending;
    if (pending < this.#maxBacklogRows) {
      if (this.#claimsHeldBack) this.#logger.info({ pending }, 'history caught up; claiming again');
      this.#claimsHeldBack = false;
      return true;
    }
    if (!this.#claimsHeldBack) {
      this.#logger.warn({ pending, limit: this.#maxBacklogRows }, 'history rows are waiting to be written beyond the limit; claiming nothing until they are');
    }
    this.#claimsHeldBack = true;
    return false;
  }

  /**
   * Offers the pacer a quiet moment (see scavenge-pacer.ts): no request in flight and no
   * history row waiting to be written. Looked at on the next turn, once the answers just
   * settled or the rows just written are no longer held by the code that handled them, so a
   * collection then finds only what the node keeps: the attempts it holds for later.
   */
  #offerQuiet(): void {
    const pacer = this.#pacer;
    if (pacer === null || this.#quietOffered) return;
    this.#quietOffered = true;
    setImmediate(() => {
      this.#quietOffered = false;
      if (this.#firing.idle && this.#recorder.pending === 0) pacer.quiet(this.#firing.nextDueAt);
    });
  }

  #left(ids: Iterable<string>): void {
    if (!this.#leaving) return;
    for (const id of ids) this.#leaving.add(id);
  }

  #afterHeartbeat(ok: boolean): void {
    if (this.#state !== 'running') return;
    if (!ok && !this.#fenced && !this.#membership.leaseValid()) {
      // Other nodes may now take over what this node holds: send none of it.
      this.#fenced = true;
      const held: HeldAttempt[] = this.#firing.takeQueued();
      for (const attempt of held) this.#toRelease.set(attempt.execution.id, attempt.execution.scheduledAt);
      this.#left(held.map((attempt) => attempt.execution.id));
      this.#logger.error({ attempts: held.length }, 'lost contact with the database for longer than the node timeout; holding back all work');
      this.signals.emit('fenced', { attempts: held.length });
    }
    if (ok) {
      this.#fenced = false;
      if (this.#toRelease.size > 0 && !this.#releasing) {
        this.#releasing = this.#release(this.#clock.now() + FINAL_WRITE_MS).finally(() => (this.#releasing = null));
      }
    }
  }

  /**
   * Hands back every set-aside attempt; the rows they depend on (retries) are written first.
   * False when the database did not take them.
   */
  async #release(deadline: number): Promise<boolean> {
    if (this.#toRelease.size === 0) return true;
    const ids = [...this.#toRelease.keys()];
    const scheduledAt = [...this.#toRelease.values()];
    try {
      if ((await this.#recorder.drain(deadline)) > 0) return false;
      await this.#options.store.executionRelease({ nodeId: this.nodeId, ids, scheduledAt });
      for (const id of ids) this.#toRelease.delete(id);
      this.#logger.info({ attempts: ids.length }, 'released attempts for any node to take');
      this.signals.emit('released', { attempts: ids.length });
      return true;
    } catch (error) {
      this.#logger.warn({ err: error, attempts: ids.length }, 'could not release attempts; they are settled when this node is found stopped');
      return false;
    }
  }

  /** Resolves true when `work` settles before `deadline` (clock time), false otherwise. */
  async #within(work: Promise<void>, deadline: number): Promise<boolean> {
    const controller = new AbortController();
    const timeout = this.#clock.sleep(Math.max(0, deadline - this.#clock.now()), controller.signal).then(
      () => false,
      () => true,
    );
    const done = work.then(() => true);
    const result = await Promise.race([done, timeout]);
    controller.abort();
    return result;
  }
}

const DEFAULT_MISFIRE_GRACE_MS = 1000;
/** History rows waiting beyond which a node claims nothing: about 5 s of 10,000 firings/s. */
const MAX_HISTORY_BACKLOG_ROWS = 50_000;
/** Writing the last history after the grace period may take this much longer. */
export const FINAL_WRITE_MS = 5000;
/** How often a node looks for attempts it owns but does not hold. */
const SWEEP_INTERVAL_MS = 30_000;
/** Only attempts overdue by this much count: anything younger may still be on its way here. */
const SWEEP_MIN_AGE_MS = 30_000;
const END_OF_TIME = new Date('9999-12-31T00:00:00Z');
/** Most orphans taken in charge at once. */
const ADOPT_LIMIT = 10_000;

function forward<E extends object, K extends keyof E & keyof SchedulerEvents>(
  from: Signals<E>,
  to: Signals<SchedulerEvents>,
  names: readonly K[],
): void {
  for (const name of names) from.on(name, (payload) => to.emit(name, payload as unknown as SchedulerEvents[K]));
}
