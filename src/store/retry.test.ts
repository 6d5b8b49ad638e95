import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.js';
import { DbConnectionError, DbTimeoutError } from './db.js';
import { backoffDelay, withRetry, type RetryOptions } from './retry.js';

function sqlError(code: string): Error & { code: string } {
  return Object.assign(new Error(`sqlstate ${code}`), { code });
}

/** Fails with each given error in turn, then succeeds; counts calls. */
function flaky(errors: unknown[]): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return 'done';
    },
    calls: () => calls,
  };
}

function options(clock: FakeClock, delays: number[] = []): RetryOptions {
  return { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, clock, random: () => 0.5, onRetry: (_e, _a, delay) => delays.push(delay) };
}

/** Runs `promise` to completion, moving the fake clock through every backoff pause. */
async function settle<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => (done = true));
  // The caller looks at the outcome after the loop; until then it is noted, not unhandled.
  watched.catch(() => undefined);
  while (!done) await clock.advance(1000);
  return watched;
}

describe('backoff', () => {
  it('doubles the ceiling each retry up to the maximum and picks a random point below it', () => {
    const bounds = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, bounds, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, bounds, () => 0)).toBe(0);
  });
});

describe('retrying database operations', () => {
  it('retries serialization failures and deadlocks, then returns the result', async () => {
    const clock = new FakeClock();
    const delays: number[] = [];
    const op = flaky([sqlError('40001'), sqlError('40P01')]);
    expect(await settle(clock, withRetry(op.fn, false, options(clock, delays)))).toBe('done');
    expect(op.calls()).toBe(3);
    expect(delays).toEqual([50, 100]);
  });

  it('gives up after the configured number of retries with the last error', async () => {
    const clock = new FakeClock();
    const op = flaky(Array.from({ length: 10 }, () => sqlError('40001')));
    await expect(settle(clock, withRetry(op.fn, true, options(clock)))).rejects.toMatchObject({ code: '40001' });
    expect(op.calls()).toBe(4);
  });

  it('retries a lost connection only for an operation that is safe to repeat', async () => {
    const clock = new FakeClock();
    const lost = new DbConnectionError('connection terminated', 'unknown');
    const idempotent = flaky([lost]);
    expect(await settle(clock, withRetry(idempotent.fn, true, options(clock)))).toBe('done');
    const once = flaky([lost]);
    await expect(settle(clock, withRetry(once.fn, false, options(clock)))).rejects.toBe(lost);
    expect(once.calls()).toBe(1);
  });

  it('retries any operation when the connection failed before the statement reached the server', async () => {
    const clock = new FakeClock();
    const op = flaky([new DbConnectionError('connect ECONNREFUSED', 'no')]);
    expect(await settle(clock, withRetry(op.fn, false, options(clock)))).toBe('done');
  });

  it('does not try again at once a call that got no answer in time, even one safe to repeat', async () => {
    const clock = new FakeClock();
    for (const silence of [new DbTimeoutError('no answer from the database within 6000 ms', 6000, 'no'), sqlError('57014')]) {
      const op = flaky([silence]);
      await expect(settle(clock, withRetry(op.fn, true, options(clock)))).rejects.toBe(silence);
      expect(op.calls()).toBe(1);
    }
  });

  it('does not retry errors that would repeat, such as a unique violation', async () => {
    const clock = new FakeClock();
    const op = flaky([sqlError('23505')]);
    await expect(settle(clock, withRetry(op.fn, true, options(clock)))).rejects.toMatchObject({ code: '23505' });
    expect(op.calls()).toBe(1);
  });
});
