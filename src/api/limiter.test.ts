import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../errors.js';
import { FakeClock } from '../time/fake-clock.js';
import { CostLimiter } from './limiter.js';

function limiter(overrides: Partial<ConstructorParameters<typeof CostLimiter>[0]> = {}): { limiter: CostLimiter; clock: FakeClock } {
  const clock = new FakeClock();
  return { clock, limiter: new CostLimiter({ budget: 2000, maxWaiting: 2, maxWaitMs: 30_000, clock, ...overrides }) };
}

describe('the API request limiter', () => {
  it('runs requests while their cost fits the budget and admits waiting ones in arrival order as others finish', async () => {
    const { limiter: limit } = limiter();
    await limit.acquire(1000);
    await limit.acquire(1000);
    const admitted: string[] = [];
    const big = limit.acquire(1000).then(() => admitted.push('big'));
    const small = limit.acquire(1).then(() => admitted.push('small'));
    await Promise.resolve();
    expect(admitted).toEqual([]);
    expect(limit.waiting).toBe(2);

    limit.release(1000);
    await big;
    expect(admitted).toEqual(['big']);
    limit.release(1000);
    await small;
    expect(admitted).toEqual(['big', 'small']);
    expect(limit.inProgress).toBe(1001);
  });

  it('runs a request costing more than the whole budget once nothing else runs', async () => {
    const { limiter: limit } = limiter({ budget: 10 });
    await limit.acquire(1000);
    expect(limit.inProgress).toBe(1000);
  });

  it('answers SERVER_BUSY at once when too many already wait', async () => {
    const { limiter: limit } = limiter({ budget: 1 });
    await limit.acquire(1);
    void limit.acquire(1).catch(() => undefined);
    void limit.acquire(1).catch(() => undefined);
    const third = await limit.acquire(1).catch((error: unknown) => error);
    expect(isJobSchedulerError(third, 'SERVER_BUSY')).toBe(true);
  });

  it('answers SERVER_BUSY to a request that waited its longest, and lets the next one in', async () => {
    const { limiter: limit, clock } = limiter({ budget: 1, maxWaitMs: 5000 });
    await limit.acquire(1);
    const late = limit.acquire(1).catch((error: unknown) => error);
    await clock.advance(5000);
    expect(isJobSchedulerError(await late, 'SERVER_BUSY')).toBe(true);
    expect(limit.waiting).toBe(0);
    limit.release(1);
    await limit.acquire(1);
    expect(limit.inProgress).toBe(1);
  });
});
