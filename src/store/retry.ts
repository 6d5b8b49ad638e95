import type { Clock } from '../time/clock.js';
import { transience } from './errors.js';

export interface RetryOptions {
  /** Tries after the first one. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly clock: Pick<Clock, 'sleep'>;
  /** Source of randomness for the jitter (tests pass a fixed one). */
  readonly random?: () => number;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Delay before retry number `attempt` (1-based): "full jitter" exponential backoff, a random
 * point in [0, min(max, base * 2^(attempt-1))], so retrying clients spread out instead of
 * hitting a recovering server together.
 */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `fn`, trying again on transient database errors. An operation that is not
 * idempotent is retried only when the failed try certainly wrote nothing.
 */
export async function withRetry<T>(fn: () => Promise<T>, idempotent: boolean, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const kind = transience(error);
      const retryable = kind === 'rolled-back' || (kind === 'unknown-outcome' && idempotent);
      if (!retryable || attempt > options.retries) throw error;
      const delay = backoffDelay(attempt, options, random);
      options.onRetry?.(error, attempt, delay);
      await options.clock.sleep(delay);
    }
  }
}
