/**
 * Awaitable events of the engine. Tests wait for what the engine did ("an attempt settled",
 * "a claim round finished") instead of sleeping; operators' code may listen as well.
 */
export class Signals<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const listeners = this.#listeners.get(name);
    if (!listeners) return;
    for (const listener of [...listeners]) (listener as (payload: Events[K]) => void)(payload);
  }

  /** Calls `listener` on every `name` event until the returned function is called. */
  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let listeners = this.#listeners.get(name);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(name, listeners);
    }
    listeners.add(listener as (payload: never) => void);
    return () => {
      listeners.delete(listener as (payload: never) => void);
    };
  }

  /** Resolves with the next `name` event that satisfies `predicate` (every one when omitted). */
  next<K extends keyof Events>(name: K, predicate: (payload: Events[K]) => boolean = () => true): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (payload) => {
        if (!predicate(payload)) return;
        off();
        resolve(payload);
      });
    });
  }
}
