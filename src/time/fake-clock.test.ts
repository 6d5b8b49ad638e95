import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires timers in due order, each at its own instant', async () => {
    const clock = new FakeClock(1_000);
    const seen: [string, number][] = [];
    clock.setTimer(300, () => seen.push(['late', clock.now()]));
    clock.setTimer(100, () => seen.push(['early', clock.now()]));
    await clock.advance(500);
    expect(seen).toEqual([
      ['early', 1_100],
      ['late', 1_300],
    ]);
    expect(clock.now()).toBe(1_500);
  });

  it('does not fire a cancelled timer', async () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimer(10, () => (fired = true)).cancel();
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves sleep when time passes and rejects it when aborted', async () => {
    const clock = new FakeClock();
    const slept = clock.sleep(50);
    await clock.advance(50);
    await expect(slept).resolves.toBeUndefined();

    const controller = new AbortController();
    const aborted = clock.sleep(50, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
  });

  it('fires a timer set by another timer when time reaches it', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    clock.setTimer(10, () => clock.setTimer(10, () => seen.push(clock.now())));
    await clock.advance(25);
    expect(seen).toEqual([20]);
  });
});
