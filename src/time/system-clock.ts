import { performance } from 'node:perf_hooks';
import { sleepWith, type Clock, type TimerHandle } from './clock.js';

/**
 * The real clock. Timers are unref'd so a pending timer never keeps the process alive on its own.
 *
 * Invariant: a timer never calls back before `delayMs` has passed since `setTimer` was called.
 * Node counts a timeout in whole milliseconds of the event loop's clock, so a bare `setTimeout`
 * often fires up to a millisecond early by a finer clock: a request given 300 ms could be cut
 * off, and recorded as lasting, 299 ms.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    return new NodeTimer(Math.max(0, delayMs), callback);
  },
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(systemClock, delayMs, signal);
  },
};

/**
 * A timer's handle as one object (no closure): the engine arms one per request. Its due time is
 * read on the monotonic clock, so a change to the wall clock neither fires it early nor holds it.
 */
class NodeTimer implements TimerHandle {
  readonly dueAt: number;
  timeout: NodeJS.Timeout;

  constructor(
    delayMs: number,
    readonly callback: () => void,
  ) {
    this.dueAt = performance.now() + delayMs;
    this.timeout = arm(this, delayMs);
  }

  cancel(): void {
    clearTimeout(this.timeout);
  }
}

function arm(timer: NodeTimer, delayMs: number): NodeJS.Timeout {
  const timeout = setTimeout(fire, delayMs, timer);
  timeout.unref();
  return timeout;
}

function fire(timer: NodeTimer): void {
  const left = timer.dueAt - performance.now();
  if (left > 0) timer.timeout = arm(timer, Math.ceil(left));
  else timer.callback();
}
