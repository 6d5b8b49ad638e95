import type { Logger } from 'pino';
import type { Clock } from '../time/clock.js';

/**
 * A background loop with the lifecycle every engine service shares: start, stop (idempotent,
 * resolves once the round in progress has finished), one round per interval. Rounds never
 * overlap; a round that throws is logged and the loop goes on.
 */
export class Loop {
  readonly #options: LoopOptions;
  #controller: AbortController | null = null;
  #running: Promise<void> | null = null;

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
      try {
        await this.#options.run();
      } catch (error) {
        logger.error({ err: error, loop: name }, 'background round failed');
      }
      const wait = this.#options.nextDelay?.() ?? startedAt + intervalMs - clock.now();
      if (wait <= 0) {
        // Behind (a backlog, or a round longer than the interval): go again at once, after
        // letting other work of the process run.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      try {
        await clock.sleep(wait, signal);
      } catch {
        return;
      }
    }
  }
}

/** How often a yielding loop looks again whether it may run. */
const YIELD_POLL_MS = 5;

export interface LoopOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly run: () => Promise<void>;
  /** Overrides the wait before the next round (e.g. 0 while a backlog remains). */
  readonly nextDelay?: () => number | undefined;
  /** While this returns true a round waits before it starts, at most `maxYieldMs`. */
  readonly yieldTo?: () => boolean;
  readonly maxYieldMs?: number;
}
