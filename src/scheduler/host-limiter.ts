import { Fifo } from './fifo.js';

interface HostSlots {
  active: number;
  readonly waiting: Fifo<() => void>;
}

/**
 * At most `limit` requests in flight per target origin; the rest wait in arrival order.
 * One slow or overloaded target then delays only its own requests, and never receives more
 * than the operator allowed at once.
 */
export class HostLimiter {
  readonly #limit: number;
  readonly #hosts = new Map<string, HostSlots>();

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Resolves with a release function once a slot for `origin` is free. */
  acquire(origin: string): Promise<() => void> {
    const release = this.tryAcquire(origin);
    if (release) return Promise.resolve(release);
    const host = this.#hosts.get(origin)!;
    // The slot passes directly from the releasing request to the next waiter (active stays).
    return new Promise((resolve) => host.waiting.push(() => resolve(this.#releaser(origin, host))));
  }

  /** A release function when a slot for `origin` is free now, else null (nothing is queued). */
  tryAcquire(origin: string): (() => void) | null {
    let host = this.#hosts.get(origin);
    if (!host) {
      host = { active: 0, waiting: new Fifo() };
      this.#hosts.set(origin, host);
    }
    if (host.active >= this.#limit) return null;
    host.active++;
    return this.#releaser(origin, host);
  }

  #releaser(origin: string, host: HostSlots): () => void {
    return once(() => {
      const next = host.waiting.shift();
      if (next) {
        next();
        return;
      }
      host.active--;
      if (host.active === 0) this.#hosts.delete(origin);
    });
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
