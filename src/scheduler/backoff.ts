/**
 * How long an AT_LEAST_ONCE occurrence waits before its next attempt. Pure: the caller
 * passes the randomness, so every property can be checked exhaustively.
 *
 * Both strategies grow exponentially from the job's minBackoffMs and add jitter, so the
 * retries of many occurrences that failed together (a target went down) spread out instead
 * of returning as one wave. Every delay lies in [minBackoffMs, maxBackoffMs].
 */

export type BackoffStrategy = 'full' | 'decorrelated';

export interface BackoffParams {
  /** 1 for the wait before the second attempt, 2 before the third, ... */
  readonly retry: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly strategy: BackoffStrategy;
  /** The wait before the failed attempt (decorrelated jitter grows from it); unknown for a first attempt. */
  readonly previousDelayMs?: number | null;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/** The exponential base when a job allows retrying at once (minBackoffMs 0). */
const ZERO_MIN_BASE_MS = 1000;

export function backoffDelay(params: BackoffParams): number {
  const { minBackoffMs: min, maxBackoffMs: max } = params;
  if (max <= min) return min;
  const base = min > 0 ? min : Math.min(ZERO_MIN_BASE_MS, max);
  const unit = clampUnit(params.random());
  if (params.strategy === 'decorrelated') {
    // "Decorrelated jitter": uniform between the base and three times the previous wait.
    const previous = params.previousDelayMs != null && params.previousDelayMs > 0 ? params.previousDelayMs : base;
    const upper = Math.min(max, Math.max(min, previous * 3));
    return Math.round(min + unit * (upper - min));
  }
  // "Full jitter": uniform between the minimum and an exponentially growing ceiling.
  const exponent = Math.min(Math.max(params.retry, 1) - 1, 52);
  const ceiling = Math.min(max, Math.max(min, base * 2 ** exponent));
  return Math.round(min + unit * (ceiling - min));
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
