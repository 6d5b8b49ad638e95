import { describe, expect, it } from 'vitest';
import { HostLimiter } from './host-limiter.js';

describe('HostLimiter', () => {
  it('lets at most the limit through per origin and starts the waiting ones in arrival order', async () => {
    const limiter = new HostLimiter(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const all = Array.from({ length: 2000 }, (_, i) =>
      limiter.acquire('http://a.test').then((release) => {
        started.push(i);
        releases.push(release);
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.waiting).toBe(1998);
    while (started.length < 2000) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
      expect(releases.length).toBeLessThanOrEqual(2);
    }
    await Promise.all(all);
    expect(started).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    releases.forEach((release) => release());
    expect(limiter.waiting).toBe(0);
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

  it('hands out a free slot at once with tryAcquire, and null without queueing when none is free', async () => {
    const limiter = new HostLimiter(1);
    const release = limiter.tryAcquire('http://a.test');
    expect(release).toBeTypeOf('function');
    expect(limiter.tryAcquire('http://a.test')).toBeNull();
    expect(limiter.waiting).toBe(0);
    const queued = limiter.acquire('http://a.test');
    release!();
    const next = await queued;
    expect(limiter.tryAcquire('http://a.test')).toBeNull();
    next();
    expect(limiter.tryAcquire('http://a.test')).toBeTypeOf('function');
  });
});
