import { describe, expect, it } from 'vitest';
import type { TargetUsage } from '../store/types.js';
import { FakeClock } from '../time/fake-clock.js';
import { TargetLimiter, type TargetPermit } from './target-limiter.js';
import { targetPolicy } from '../../test/scheduler/fixtures.js';

const T0 = Date.UTC(2026, 2, 1);
const shares = (grantedConcurrent: number, grantedPerSecond: number): TargetUsage[] => [
  { policyId: 'p1', nodeId: 'node-a', wanted: 0, inFlight: 0, grantedConcurrent, grantedPerSecond },
];

describe('the per-node target limiter', () => {
  it('lets requests to a target without a policy through without asking anything', () => {
    const limiter = new TargetLimiter(new FakeClock(T0));
    expect(limiter.policyOf('https://api.example.com/x')).toBeNull();
    limiter.update([targetPolicy(1, null)], shares(1, 0));
    expect(limiter.policyOf('https://other.example.com/x')).toBeNull();
    expect(limiter.policyOf('https://api.example.com/x')?.name).toBe('api');
  });

  it('keeps at most its concurrent share in flight, the rest waiting in order', async () => {
    const limiter = new TargetLimiter(new FakeClock(T0));
    limiter.update([targetPolicy(2, null)], shares(2, 0));
    const state = limiter.policyOf('https://api.example.com/')!;
    const started: number[] = [];
    const permits: TargetPermit[] = [];
    for (let i = 0; i < 4; i++) void limiter.acquire(state).then((permit) => (started.push(i), permits.push(permit)));
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.demand().get('p1')).toEqual({ wanted: 4, inFlight: 2 });
    permits[0]!.release();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    permits[1]!.refund();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('starts requests at its per-second share, on the clock, and holds them while its share is 0', async () => {
    const clock = new FakeClock(T0);
    const limiter = new TargetLimiter(clock);
    limiter.update([targetPolicy(null, 10)], shares(0, 0));
    const state = limiter.policyOf('https://api.example.com/')!;
    const startedAt: number[] = [];
    for (let i = 0; i < 25; i++) void limiter.acquire(state).then(() => startedAt.push(clock.now() - T0));
    await clock.advance(1000);
    expect(startedAt).toEqual([]);
    limiter.update([targetPolicy(null, 10)], shares(0, 10));
    await clock.advance(2000);
    // A tenth of a second apart once the share arrives, as the share allows.
    expect(startedAt.length).toBe(20);
    expect(startedAt.slice(0, 3)).toEqual([1100, 1200, 1300]);
  });

  it('lets every waiter go when its policy is deleted', async () => {
    const limiter = new TargetLimiter(new FakeClock(T0));
    limiter.update([targetPolicy(1, null)], shares(0, 0));
    const state = limiter.policyOf('https://api.example.com/')!;
    let started = 0;
    for (let i = 0; i < 3; i++) void limiter.acquire(state).then(() => started++);
    limiter.update([], []);
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toBe(3);
    expect(limiter.policyOf('https://api.example.com/')).toBeNull();
  });
});
