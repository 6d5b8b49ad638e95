/** A FIFO mutex: callers run one at a time, in arrival order, whatever each outcome. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    // The next caller waits for this one to settle, success or failure alike.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
