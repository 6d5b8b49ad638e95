import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { makeScheduler, T0 } from './engine-harness.js';
import { useEngineWorld } from './engine-world.js';

/** The store, counting the calls of the methods named. */
function counting(store: Store, methods: readonly (keyof Store)[]): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>(methods.map((method) => [method, 0]));
  const wrapped = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      const name = property as string;
      if (!calls.has(name)) return bound;
      return (...args: unknown[]) => {
        calls.set(name, calls.get(name)! + 1);
        return bound(...args);
      };
    },
  });
  return { store: wrapped, calls };
}

describe('an idle node', () => {
  const world = useEngineWorld('idle');

  it('looks once every half look-ahead and a half interval, and claims nothing, while nothing is due', async () => {
    const counted = counting(world.context.store, ['claimHorizon', 'jobClaimDue', 'executionClaimDue', 'targetBudgetExchange']);
    world.scheduler = makeScheduler(counted.store, world.clock);
    const started = world.scheduler.signals.next('claimed');
    await world.scheduler.start();
    await started;
    await world.clock.set(T0 + 10_000);
    // Look-ahead 2 s, interval 250 ms: every 1,125 ms, where a fixed rhythm asked 40 times.
    const looks = counted.calls.get('claimHorizon')!;
    expect(looks).toBeGreaterThanOrEqual(9);
    expect(looks).toBeLessThanOrEqual(10);
    expect(counted.calls.get('jobClaimDue')).toBe(0);
    expect(counted.calls.get('executionClaimDue')).toBe(0);
    // With no target policy anywhere, the budget rounds slow down as much.
    expect(counted.calls.get('targetBudgetExchange')).toBeLessThanOrEqual(11);
  });

  it('sleeps until a job\'s claim window opens, then claims it', async () => {
    const jobId = await world.createJob({ schedule: null, runAt: world.at(5000), nextRunAt: world.at(5000) });
    const counted = counting(world.context.store, ['jobClaimDue']);
    world.scheduler = makeScheduler(counted.store, world.clock);
    await world.scheduler.start();
    const claimedAt: number[] = [];
    world.scheduler.signals.on('claimed', ({ jobs }) => {
      if (jobs > 0) claimedAt.push(world.clock.now() - T0);
    });
    while (claimedAt.length === 0 && world.clock.now() < T0 + 5000) await world.clock.advance(25);
    // Its window opens half a look-ahead (1 s) before it is due, at 4 s; the node looks half an
    // interval in. The looks before found nothing due and claimed nothing.
    expect(counted.calls.get('jobClaimDue')).toBe(1);
    expect(claimedAt[0]).toBeGreaterThanOrEqual(4125);
    expect(claimedAt[0]).toBeLessThan(4250);
    await world.settleAt(5000);
    await world.scheduler.flush();
    expect((await world.history(jobId)).map((row) => [row.scheduledAt.getTime() - T0, row.status])).toEqual([[5000, 'SUCCEEDED']]);
  });

  it('claims a job created while it sleeps within one interval, woken by the store', async () => {
    await world.startScheduler();
    // The first round found nothing: the next look is 1,125 ms away.
    await world.clock.advance(100);
    const jobId = await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000) });
    const claimed = world.scheduler!.signals.next('claimed');
    await world.clock.advance(150);
    expect(await claimed).toMatchObject({ jobs: 1 });
    expect(world.clock.now() - T0).toBe(250);
    await world.settleAt(1000);
    await world.scheduler!.flush();
    expect((await world.history(jobId)).map((row) => [row.scheduledAt.getTime() - T0, row.startedAt!.getTime() - T0, row.status])).toEqual([[1000, 1000, 'SUCCEEDED']]);
  });
});
