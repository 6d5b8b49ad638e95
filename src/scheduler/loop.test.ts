import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logging.js';
import { FakeClock } from '../time/fake-clock.js';
import { Loop } from './loop.js';

/** A loop of one round per second that records when each round starts. */
function recordingLoop(yieldTo: () => boolean): { loop: Loop; clock: FakeClock; rounds: number[] } {
  const clock = new FakeClock(0);
  const rounds: number[] = [];
  const loop = new Loop({
    name: 'test',
    clock,
    logger: silentLogger(),
    intervalMs: 1000,
    run: async () => void rounds.push(clock.now()),
    yieldTo,
    maxYieldMs: 300,
  });
  return { loop, clock, rounds };
}

describe('Loop', () => {
  it('holds a round back while yieldTo asks, and starts it when asked no more', async () => {
    let busy = true;
    const { loop, clock, rounds } = recordingLoop(() => busy);
    loop.start();
    await clock.advance(100);
    expect(rounds).toEqual([]);
    busy = false;
    await clock.advance(5);
    expect(rounds).toEqual([105]);
    await clock.advance(1000);
    expect(rounds).toEqual([105, 1105]);
    await loop.stop();
  });

  it('starts the round after maxYieldMs however long yieldTo asks, and stops while yielding', async () => {
    const { loop, clock, rounds } = recordingLoop(() => true);
    loop.start();
    await clock.advance(2000);
    expect(rounds).toEqual([300, 1600]);
    await loop.stop();
    await clock.advance(2000);
    expect(rounds).toEqual([300, 1600]);
  });
});

describe('Loop pauses', () => {
  /** Rounds asking for `pauseMs` after each, at least the interval of 250 ms apart. */
  function pausingLoop(pauseMs: () => number | undefined): { loop: Loop; clock: FakeClock; rounds: number[] } {
    const clock = new FakeClock(0);
    const rounds: number[] = [];
    const loop = new Loop({ name: 'test', clock, logger: silentLogger(), intervalMs: 250, run: async () => void rounds.push(clock.now()), nextDelay: pauseMs });
    return { loop, clock, rounds };
  }

  it('pauses as long as the round asked when nothing wakes it', async () => {
    const { loop, clock, rounds } = pausingLoop(() => 1000);
    loop.start();
    await clock.advance(0);
    await clock.advance(2500);
    expect(rounds).toEqual([0, 1000, 2000]);
    await loop.stop();
  });

  it('a wake cuts a long pause short, one interval after the last round began', async () => {
    const { loop, clock, rounds } = pausingLoop(() => 1000);
    loop.start();
    await clock.advance(0);
    await clock.advance(100);
    loop.wake();
    await clock.advance(0);
    expect(rounds).toEqual([0]);
    await clock.advance(150);
    expect(rounds).toEqual([0, 250]);
    await clock.advance(500);
    loop.wake();
    await clock.advance(0);
    expect(rounds).toEqual([0, 250, 750]);
    await clock.advance(2000);
    expect(rounds).toEqual([0, 250, 750, 1750, 2750]);
    await loop.stop();
  });

  it('a wake during a round holds the next pause to the interval', async () => {
    const clock = new FakeClock(0);
    const rounds: number[] = [];
    let loop: Loop | null = null;
    loop = new Loop({
      name: 'test',
      clock,
      logger: silentLogger(),
      intervalMs: 250,
      run: async () => {
        rounds.push(clock.now());
        if (rounds.length === 1) loop!.wake();
      },
      nextDelay: () => 1000,
    });
    loop.start();
    await clock.advance(0);
    await clock.advance(1500);
    expect(rounds).toEqual([0, 250, 1250]);
    await loop.stop();
  });

  it('stops during a long pause, and the pause is never cut short by wakes after the stop', async () => {
    const { loop, clock, rounds } = pausingLoop(() => 60_000);
    loop.start();
    await clock.advance(0);
    await clock.advance(10);
    await loop.stop();
    loop.wake();
    await clock.advance(120_000);
    expect(rounds).toEqual([0]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('without a longer pause asked, a wake changes nothing', async () => {
    const { loop, clock, rounds } = pausingLoop(() => undefined);
    loop.start();
    await clock.advance(0);
    await clock.advance(100);
    loop.wake();
    await clock.advance(400);
    expect(rounds).toEqual([0, 250, 500]);
    await loop.stop();
  });
});
