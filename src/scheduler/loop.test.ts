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
