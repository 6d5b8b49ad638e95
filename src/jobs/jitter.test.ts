import { describe, expect, it } from 'vitest';
import { jitterDelayMs, occurrenceHash } from './jitter.js';

const JOB = '01900000-0000-7000-8000-000000000001';
const HOUR = Date.UTC(2026, 2, 1, 12, 0, 0);
/** Computed once by this implementation; a change here moves every jittered firing of every job. */
const PINNED_HASHES = [3_499_256_022, 1_762_925_353];

describe('the delay jitter adds to an occurrence', () => {
  it('is the same for the same job and occurrence in every process and version (pinned values)', () => {
    expect(occurrenceHash(JOB, HOUR)).toBe(occurrenceHash(JOB, HOUR));
    expect([occurrenceHash(JOB, HOUR), occurrenceHash(JOB, HOUR + 1000)]).toEqual([PINNED_HASHES[0], PINNED_HASHES[1]]);
    expect(jitterDelayMs(JOB, HOUR, 60_000)).toBe(Math.floor((PINNED_HASHES[0]! / 2 ** 32) * 60_000));
  });

  it('is 0 without jitter, and always within [0, jitterMs) and below the gap to the next occurrence', () => {
    expect(jitterDelayMs(JOB, HOUR, 0)).toBe(0);
    expect(jitterDelayMs(JOB, HOUR, 1)).toBe(0);
    for (let i = 0; i < 2000; i++) {
      const id = `01900000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
      const delay = jitterDelayMs(id, HOUR + i * 1000, 5000);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(5000);
      expect(jitterDelayMs(id, HOUR, 5000, 700)).toBeLessThan(700);
    }
  });

  it('spreads 10,000 jobs sharing one instant evenly over the window, none in the same millisecond as many others', () => {
    const buckets = new Array<number>(10).fill(0);
    const perMs = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = `0190${i.toString(16).padStart(4, '0')}-0000-7000-8000-00000000abcd`;
      const delay = jitterDelayMs(id, HOUR, 60_000);
      buckets[Math.floor(delay / 6000)]!++;
      perMs.set(delay, (perMs.get(delay) ?? 0) + 1);
    }
    // 1,000 expected in each tenth of the window; a fair spread stays well within +-15%.
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(4);
  });

  it('differs between the occurrences of one job, so no job is always the last one', () => {
    const delays = new Set<number>();
    for (let i = 0; i < 100; i++) delays.add(jitterDelayMs(JOB, HOUR + i * 3_600_000, 60_000));
    expect(delays.size).toBeGreaterThan(90);
  });
});
