import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffStrategy } from './backoff.js';

const policy = fc
  .tuple(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 0, max: 3_600_000 }))
  .map(([a, b]) => ({ minBackoffMs: Math.min(a, b), maxBackoffMs: Math.max(a, b) }));

describe('the wait before a retry', () => {
  it('always lies between minBackoffMs and maxBackoffMs, whatever the strategy, attempt and randomness', () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom<BackoffStrategy>('full', 'decorrelated'),
        fc.option(fc.integer({ min: 0, max: 10_000_000 })),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ minBackoffMs, maxBackoffMs }, retry, strategy, previousDelayMs, unit) => {
          const delay = backoffDelay({ retry, minBackoffMs, maxBackoffMs, strategy, previousDelayMs, random: () => unit });
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(minBackoffMs);
          expect(delay).toBeLessThanOrEqual(maxBackoffMs);
        },
      ),
    );
  });

  it('doubles its ceiling with each retry under full jitter until it reaches the maximum', () => {
    const ceiling = (retry: number): number =>
      backoffDelay({ retry, minBackoffMs: 1000, maxBackoffMs: 60_000, strategy: 'full', random: () => 1 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(ceiling)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('spreads the waits of occurrences that failed together across the whole jitter range', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 1000 }, () =>
      backoffDelay({ retry: 4, minBackoffMs: 1000, maxBackoffMs: 60_000, strategy: 'full', random }),
    );
    expect(Math.min(...delays)).toBeLessThan(2000);
    expect(Math.max(...delays)).toBeGreaterThan(7000);
    expect(new Set(delays).size).toBeGreaterThan(500);
  });

  it('grows from the previous wait under decorrelated jitter, up to three times it', () => {
    const upper = backoffDelay({ retry: 3, minBackoffMs: 500, maxBackoffMs: 60_000, strategy: 'decorrelated', previousDelayMs: 4000, random: () => 1 });
    const lower = backoffDelay({ retry: 3, minBackoffMs: 500, maxBackoffMs: 60_000, strategy: 'decorrelated', previousDelayMs: 4000, random: () => 0 });
    expect([lower, upper]).toEqual([500, 12_000]);
  });

  it('retries at once when the job allows no wait at all', () => {
    expect(backoffDelay({ retry: 5, minBackoffMs: 0, maxBackoffMs: 0, strategy: 'full', random: () => 0.7 })).toBe(0);
  });
});
