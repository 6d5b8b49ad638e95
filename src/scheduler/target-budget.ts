import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import type { Clock } from '../time/clock.js';
import { Loop } from './loop.js';
import { Signals } from './signals.js';
import type { TargetLimiter } from './target-limiter.js';
import { allocateShares } from './target-shares.js';

export interface TargetBudgetEvents {
  /** A budget round finished: the policies in force and how many of them this node has a share of. */
  budget: { readonly policies: number; readonly shared: number };
}

export interface TargetBudgetOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly nodeId: string;
  readonly limiter: TargetLimiter;
  readonly intervalMs: number;
  /** The pause while no policy exists anywhere: a policy written wakes the loop (Store.watchWakeUps). */
  readonly idleIntervalMs: number;
  readonly nodeTimeoutMs: number;
  /** Asked before every round; false (no valid lease, shutting down) skips it. */
  readonly mayRun: () => boolean;
}

/**
 * The database's part in the target policies: every interval (the claim interval) the node
 * reports its demand for each policy and takes its share (target-shares.ts), in one transaction
 * whatever the number of policies or requests, and hands policies and shares to the limiter.
 * Nothing is asked of the database per request. While the database does not answer, the node
 * keeps the shares it has for half a node timeout (they never exceed what the others left it at
 * the last round), then sends nothing more under any policy until a round succeeds.
 */
export class TargetBudget {
  readonly signals = new Signals<TargetBudgetEvents>();
  readonly #options: TargetBudgetOptions;
  readonly #loop: Loop;
  #failing = false;
  #lastRoundAt: number;
  #policies = 0;

  constructor(options: TargetBudgetOptions) {
    this.#options = options;
    this.#lastRoundAt = options.clock.now();
    this.#loop = new Loop({
      name: 'target budget',
      clock: options.clock,
      logger: options.logger,
      intervalMs: options.intervalMs,
      run: () => this.round(),
      // With no policy there is nothing to share: most deployments. A policy created on any node wakes every node's loop.
      nextDelay: () => (this.#policies === 0 && !this.#failing ? Math.max(options.intervalMs, options.idleIntervalMs) : undefined),
    });
  }

  /** A target policy may have changed. */
  wake(): void {
    this.#loop.wake();
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One budget round now. */
  async round(): Promise<void> {
    const { store, clock, logger, nodeId, limiter, nodeTimeoutMs } = this.#options;
    if (!this.#options.mayRun()) return;
    try {
      const { policies, shares } = await store.targetBudgetExchange({
        nodeId,
        nodeTimeoutMs,
        demand: limiter.demand(),
        allocate: (current, others) => {
          // Read and applied in the same turn of the event loop, inside the locked round: what
          // is reported in flight is exact, and until the round commits no request starts
          // beyond the lower of the old and the new share, so no other node can read a report
          // this node has already outgrown.
          const demand = limiter.demand();
          const mine = allocateShares({ nodeId, policies: current, others, demand, turn: Math.floor(clock.now() / 1000) });
          limiter.lower(mine);
          return mine;
        },
      });
      limiter.update(policies, shares);
      this.#policies = policies.length;
      this.#lastRoundAt = clock.now();
      if (this.#failing) logger.info({ nodeId }, 'target budget rounds work again');
      this.#failing = false;
      this.signals.emit('budget', { policies: policies.length, shared: shares.filter((s) => s.grantedConcurrent > 0 || s.grantedPerSecond > 0).length });
    } catch (error) {
      if (!this.#failing) logger.warn({ err: error, nodeId }, 'target budget round failed; keeping the current shares and trying again every interval');
      this.#failing = true;
      // Other nodes stop counting this node's report once it is a node timeout old: its shares
      // end well before that, so it never sends on a share the others no longer see.
      if (clock.now() - this.#lastRoundAt > nodeTimeoutMs / 2) limiter.lower([]);
    }
  }
}
