import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import type { Clock } from '../time/clock.js';
import { Loop } from './loop.js';
import { Signals } from './signals.js';

const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Partitions kept ready past the one holding the present. */
export const PARTITIONS_AHEAD = 3;

export interface RetentionSweep {
  /** Partitions created ahead of the present by this sweep. */
  readonly created: readonly string[];
  /** Partitions dropped whole because their range lay before `before`. */
  readonly dropped: readonly string[];
  /** Rows deleted one by one from the partitions never dropped whole (default, or without lower bound). */
  readonly deleted: number;
  /** The retention cutoff; null when history is kept forever. */
  readonly before: Date | null;
  /** Another node was doing the partition work, or a table lock was not granted in time: the next sweep tries again. */
  readonly busy: boolean;
}

export interface RetentionEvents {
  swept: RetentionSweep;
}

export interface RetentionOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** History scheduled longer ago than this goes; null keeps it forever. */
  readonly retentionMs: number | null;
  /** Width of one partition (config.historyPartitionMinutes). */
  readonly partitionMs: number;
  /** Time between sweeps; default a quarter of a partition, at most 10 minutes. */
  readonly intervalMs?: number;
  /** Rows per DELETE where rows are deleted one by one; small enough to hold locks briefly. */
  readonly batchSize?: number;
  /** Longest wait for a table lock before a partition change gives up until the next sweep. */
  readonly lockTimeoutMs?: number;
}

/** Retention in milliseconds from the configuration: minutes when given, else days; null for forever. */
export function retentionMs(config: { readonly historyRetentionDays: number; readonly historyRetentionMinutes: number | null }): number | null {
  if (config.historyRetentionMinutes !== null) return config.historyRetentionMinutes * MINUTE_MS;
  return config.historyRetentionDays === 0 ? null : config.historyRetentionDays * DAY_MS;
}

/**
 * Keeps the execution history's partitions: creates them ahead of the present and drops
 * those older than the retention period, whole, so the hot path never pays for deleting rows.
 * The only rows deleted one by one are those of the partitions that are never dropped whole
 * (see Store.executionDeleteOlderThan), off the hot path. Every engine node runs it; the store
 * lets one node at a time change partitions, and the others skip that part of their sweep.
 */
export class Retention {
  readonly signals = new Signals<RetentionEvents>();
  readonly #options: RetentionOptions;
  readonly #batchSize: number;
  readonly #lockTimeoutMs: number;
  readonly #loop: Loop;
  #stopping = false;

  constructor(options: RetentionOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 5000;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 500;
    this.#loop = new Loop({
      name: 'retention',
      clock: options.clock,
      logger: options.logger,
      intervalMs: options.intervalMs ?? Math.min(10 * MINUTE_MS, Math.max(1000, options.partitionMs / 4)),
      run: async () => {
        await this.sweep();
      },
    });
  }

  start(): void {
    this.#stopping = false;
    this.#loop.start();
  }

  /** Idempotent; resolves once a sweep in progress has finished its current step. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop.stop();
  }

  /**
   * Creates the partitions missing ahead of the present. A node calls it before it starts
   * claiming; a failure is only logged, since rows no partition covers go to the default one.
   */
  async prepare(): Promise<readonly string[]> {
    try {
      const { created } = await this.#prepare();
      return created;
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'could not create history partitions ahead; rows go to the default partition meanwhile');
      return [];
    }
  }

  async #prepare(): ReturnType<Store['executionPartitionsPrepare']> {
    const result = await this.#options.store.executionPartitionsPrepare({
      now: new Date(this.#options.clock.now()),
      partitionMs: this.#options.partitionMs,
      ahead: PARTITIONS_AHEAD,
      lockTimeoutMs: this.#lockTimeoutMs,
    });
    if (result.created.length > 0) this.#options.logger.info({ partitions: result.created }, 'history partitions created');
    return result;
  }

  /** One sweep: partitions ahead, then the expired ones dropped, then stray expired rows deleted. */
  async sweep(): Promise<RetentionSweep> {
    const { store, clock, logger } = this.#options;
    const prepared = await this.#prepare();
    if (this.#options.retentionMs === null) {
      const sweep = { created: prepared.created, dropped: [], deleted: 0, before: null, busy: prepared.busy };
      this.signals.emit('swept', sweep);
      return sweep;
    }
    const before = new Date(clock.now() - this.#options.retentionMs);
    const { dropped, busy } = await store.executionPartitionsDrop({ before, lockTimeoutMs: this.#lockTimeoutMs });
    if (dropped.length > 0) logger.info({ partitions: dropped, before }, 'expired history partitions dropped');
    let deleted = 0;
    while (!this.#stopping) {
      const count = await store.executionDeleteOlderThan({ before, limit: this.#batchSize });
      deleted += count;
      if (count < this.#batchSize) break;
    }
    if (deleted > 0) logger.info({ deleted, before }, 'expired history rows outside the dropped partitions deleted');
    const sweep = { created: prepared.created, dropped, deleted, before, busy: prepared.busy || busy };
    this.signals.emit('swept', sweep);
    return sweep;
  }
}
