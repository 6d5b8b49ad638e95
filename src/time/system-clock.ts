import { sleepWith, type Clock, type TimerHandle } from './clock.js';

/** The real clock. Timers are unref'd so a pending timer never keeps the process alive on its own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return new NodeTimer(timer);
  },
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(systemClock, delayMs, signal);
  },
};

/** A timer's handle as one object (no closure): the engine arms one per request. */
class NodeTimer implements TimerHandle {
  constructor(readonly timer: NodeJS.Timeout) {}

  cancel(): void {
    clearTimeout(this.timer);
  }
}
