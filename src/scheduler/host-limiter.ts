import { Fifo } from './fifo.js';

/**
 * At most `limit` requests in flight per target origin; the rest wait in arrival order.
 * One slow or overloaded target then delays only its own requests, and never receives more
 * than the operator allowed at once.
 */
export class HostLimiter {
  readonly #limit: number;
  readonly #hosts = new Map<string, { active: number; waiting: Fifo<() => void> }>();

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Resolves with a release function once a slot for `origin` is free. */
  acquire(origin: string): Promise<() => void> {
    let host = this.#hosts.get(origin);
    if (!host) {
      host = { active: 0, waiting: new Fifo() };
      this.#hosts.set(origin, host);
    }
    const entry = host;
    const release = once(() => {
      const next = entry.waiting.shift();
      if (next) {
        next();
        return;
      }
      entry.active--;
      if (entry.active === 0) this.#hosts.delete(origin);
    });
    if (entry.active < this.#limit) {
      entry.active++;
      return Promise.resolve(release);
    }
    // The slot passes directly from the releasing request to the next waiter (active stays).
    return new Promise((resolve) => entry.waiting.push(() => resolve(release)));
  }

  /** Requests waiting for a slot, over all origins. */
  get waiting(): number {
    let total = 0;
    for (const host of this.#hosts.values()) total += host.waiting.length;
    return total;
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
