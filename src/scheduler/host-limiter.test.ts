import { describe, expect, it } from 'vitest';
import { HostLimiter } from './host-limiter.js';

const A = 'http://a.test';

describe('HostLimiter', () => {
  it('lets at most the limit through per origin and starts the waiting ones in arrival order', async () => {
    const limiter = new HostLimiter(2);
    const started: number[] = [];
    let holding = 0;
    const all = Array.from({ length: 2000 }, (_, i) =>
      limiter.acquire(A).then(() => {
        started.push(i);
        holding++;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.waiting).toBe(1998);
    while (started.length < 2000) {
      limiter.release(A);
      holding--;
      await new Promise((resolve) => setImmediate(resolve));
      expect(holding).toBeLessThanOrEqual(2);
    }
    await Promise.all(all);
    expect(started).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    for (; holding > 0; holding--) limiter.release(A);
    expect(limiter.waiting).toBe(0);
    expect(limiter.tryAcquire(A)).toBe(true);
  });

  it('does not hold requests to one origin behind another origin at its limit', async () => {
    const limiter = new HostLimiter(1);
    await limiter.acquire('http://slow.test');
    let other = false;
    void limiter.acquire('http://fast.test').then(() => (other = true));
    await Promise.resolve();
    expect(other).toBe(true);
    expect(limiter.waiting).toBe(0);
  });

  it('takes a free slot at once with tryAcquire, and queues nothing when none is free', async () => {
    const limiter = new HostLimiter(1);
    expect(limiter.tryAcquire(A)).toBe(true);
    expect(limiter.tryAcquire(A)).toBe(false);
    expect(limiter.waiting).toBe(0);
    const queued = limiter.acquire(A);
    limiter.release(A);
    await queued;
    // The released slot went to the waiter: still none free.
    expect(limiter.tryAcquire(A)).toBe(false);
    limiter.release(A);
    expect(limiter.tryAcquire(A)).toBe(true);
  });

  it('refuses a release for an origin with no slot taken', () => {
    const limiter = new HostLimiter(1);
    expect(() => limiter.release(A)).toThrow(/release without a slot taken/);
    expect(limiter.tryAcquire(A)).toBe(true);
    limiter.release(A);
    expect(() => limiter.release(A)).toThrow(/release without a slot taken/);
    expect(limiter.tryAcquire(A)).toBe(true);
    expect(limiter.tryAcquire(A)).toBe(false);
  });
});
