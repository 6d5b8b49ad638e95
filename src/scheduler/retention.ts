import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import type { Clock } from '../time/clock.js';
import { Loop } from './loop.js';
import { Signals } from './signals.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionEvents {
  /** A sweep finished: `deleted` finished attempts created before `before` are gone. */
  swept: { readonly deleted: number; readonly before: Date };
}

export interface RetentionOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** History older than this is deleted (config.historyRetentionDays). */
  readonly retentionDays: number;
  /** Time between sweeps; default 10 minutes. */
  readonly intervalMs?: number;
  /** Rows per DELETE; small enough that each statement holds its locks only briefly. */
  readonly batchSize?: number;
}

/**
 * Deletes old execution history. Each sweep deletes in bounded batches until a batch comes
 * back short, so one sweep catches up however far behind it is, and no statement locks many
 * rows at once. Every node may run it: the store lets concurrent sweeps skip each other's rows.
 */
export class Retention {
  readonly signals = new Signals<RetentionEvents>();
  readonly #options: RetentionOptions;
  readonly #batchSize: number;
  readonly #loop: Loop;
  #stopping = false;

  constructor(options: RetentionOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 5000;
    this.#loop = new Loop({
      name: 'retention',
      clock: options.clock,
      logger: options.logger,
      intervalMs: options.intervalMs ?? 10 * 60 * 1000,
      run: async () => {
        await this.sweep();
      },
    });
  }

  start(): void {
    this.#stopping = false;
    this.#loop.start();
  }

  /** Idempotent; resolves once a sweep in progress has finished its current batch. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop.stop();
  }

  /** One sweep; returns how many rows it deleted. */
  async sweep(): Promise<number> {
    const before = new Date(this.#options.clock.now() - this.#options.retentionDays * DAY_MS);
    let deleted = 0;
    for (;;) {
      const count = await this.#options.store.executionDeleteOlderThan({ before, limit: this.#batchSize });
      deleted += count;
      if (count < this.#batchSize || this.#stopping) break;
    }
    if (deleted > 0) this.#options.logger.info({ deleted, before }, 'old execution history deleted');
    this.signals.emit('swept', { deleted, before });
    return deleted;
  }
}
