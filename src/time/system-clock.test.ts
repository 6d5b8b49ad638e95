import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { systemClock } from './system-clock.js';

/** Keeps the event loop busy, as a turn that fires a batch of thousands does. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('systemClock timers', () => {
  it('never call back before their delay has passed, however the arming falls within a millisecond', async () => {
    const elapsed: Promise<number>[] = [];
    for (let i = 0; i < 200; i++) {
      block(0.07);
      const armedAt = performance.now();
      elapsed.push(new Promise((resolve) => systemClock.setTimer(20, () => resolve(performance.now() - armedAt))));
    }
    // Bare 20 ms timeouts armed this way fire early about four times in ten.
    expect((await Promise.all(elapsed)).filter((ms) => ms < 20)).toEqual([]);
  });

  it('do not call back once cancelled', async () => {
    let called = false;
    systemClock.setTimer(10, () => (called = true)).cancel();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(called).toBe(false);
  });

  it('stay cancellable after re-arming for the rest of their delay', async () => {
    let called = false;
    await new Promise<void>((resolve) => setImmediate(resolve));
    block(40);
    const timer = systemClock.setTimer(50, () => (called = true));
    // The bare timeout falls due about 10 ms from here, the timer itself about 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 30));
    timer.cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(called).toBe(false);
  });
});
