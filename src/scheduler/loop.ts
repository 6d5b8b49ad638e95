import type { Logger } from 'pino';
import type { Clock } from '../time/clock.js';

/**
 * A background loop with the lifecycle every engine service shares: start, stop (idempotent,
 * resolves once the round in progress has finished), one round per interval. Rounds never
 * overlap; a round that throws is logged and the loop goes on.
 *
 * A round may ask for a longer pause (`nextDelay`) when it knows nothing is due sooner; `wake`
 * then cuts that pause short, so the next round starts one interval after the last one began.
 * Rounds never come closer together than the interval because of wakes.
 */
export class Loop {
  readonly #options: LoopOptions;
  #controller: AbortController | null = null;
  #running: Promise<void> | null = null;
  /** Ends the pause in progress early; null while no pause longer than the interval runs. */
  #cutPause: (() => void) | null = null;
  /** A wake arrived while a round ran: what that round saw may already be out of date. */
  #wokenDuringRound = false;

  constructor(options: LoopOptions) {
    this.#options = options;
  }

  get started(): boolean {
    return this.#controller !== null;
  }

  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = this.#run(controller.signal);
  }

  async stop(): Promise<void> {
    const controller = this.#controller;
    if (!controller) return;
    controller.abort(new Error(`${this.#options.name} loop stopped`));
    await this.#running;
    this.#controller = null;
    this.#running = null;
  }

  /** Something may be due sooner than the last round saw: a longer pause ends one interval after that round began. */
  wake(): void {
    if (this.#cutPause) this.#cutPause();
    else this.#wokenDuringRound = true;
  }

  /** Waits while `yieldTo` asks it to (bounded); false when the loop was stopped meanwhile. */
  async #yield(signal: AbortSignal): Promise<boolean> {
    const { clock, yieldTo, maxYieldMs = 0 } = this.#options;
    if (!yieldTo) return true;
    const until = clock.now() + maxYieldMs;
    while (yieldTo() && clock.now() < until) {
      try {
        await clock.sleep(YIELD_POLL_MS, signal);
      } catch {
        return false;
      }
    }
    return !signal.aborted;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { clock, intervalMs, logger, name } = this.#options;
    while (!signal.aborted) {
      if (!(await this.#yield(signal))) return;
      const startedAt = clock.now();
      this.#wokenDuringRound = false;
      try {
        await this.#options.run();
      } catch (error) {
        logger.error({ err: error, loop: name }, 'background round failed');
      }
      const regular = startedAt + intervalMs - clock.now();
      const asked = this.#options.nextDelay?.() ?? regular;
      const wait = this.#wokenDuringRound ? Math.min(asked, regular) : asked;
      if (wait <= 0) {
        // Behind (a backlog, or a round longer than the interval): go again at once, after
        // letting other work of the process run.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      try {
        if (wait > regular) await this.#pause(wait, startedAt + intervalMs, signal);
        else await clock.sleep(wait, signal);
      } catch {
        return;
      }
    }
  }

  /** Sleeps `waitMs`, or until `earliest` once woken; rejects when the loop stops. */
  async #pause(waitMs: number, earliest: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    if (signal.aborted) throw signal.reason;
    const cut = new AbortController();
    const stop = (): void => cut.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    this.#cutPause = () => cut.abort(WOKEN);
    try {
      await clock.sleep(waitMs, cut.signal);
    } catch (error) {
      if (error !== WOKEN) throw error;
      const left = earliest - clock.now();
      if (left > 0) await clock.sleep(left, signal);
    } finally {
      this.#cutPause = null;
      signal.removeEventListener('abort', stop);
    }
  }
}

/** The reason a woken pause is cut short with. */
const WOKEN = Symbol('woken');

/** How often a yielding loop looks again whether it may run. */
const YIELD_POLL_MS = 5;

export interface LoopOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  /**
   * Overrides the wait before the next round, from the end of the round just run: 0 while a
   * backlog remains, longer than the interval when nothing is due sooner (`wake` cuts it short).
   */
  readonly nextDelay?: () => number | undefined;
  /** While this returns true a round waits before it starts, at most `maxYieldMs`. */
  readonly yieldTo?: () => boolean;
  readonly maxYieldMs?: number;
}
