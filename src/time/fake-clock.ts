import { sleepWith, type Clock, type TimerHandle } from './clock.js';

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A clock for tests: time stands still until `advance` or `set` moves it, and timers
 * fire in due order (ties in creation order) as time passes them.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 0;
  #timers: PendingTimer[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: PendingTimer = { id: this.#nextId++, at: this.#now + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return { cancel: () => this.#remove(timer.id) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, delayMs, signal);
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, each at
   * its own instant, and letting promise callbacks run between them.
   */
  async advance(ms: number): Promise<void> {
    await this.set(this.#now + ms);
  }

  async set(target: number | Date): Promise<void> {
    const end = typeof target === 'number' ? target : target.getTime();
    for (;;) {
      const due = this.#earliestDue(end);
      if (!due) break;
      this.#remove(due.id);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await flushMicrotasks();
    }
    this.#now = Math.max(this.#now, end);
    await flushMicrotasks();
  }

  #earliestDue(end: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at <= end && (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id))) best = timer;
    }
    return best;
  }

  #remove(id: number): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== id);
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
