/**
 * Awaitable events of the engine. Tests wait for what the engine did ("an attempt settled",
 * "a claim round finished") instead of sleeping; operators' code may listen as well.
 */
export class Signals<Events extends object> {
  /**
   * Per event, its listeners as an array replaced (never changed) when one is added or
   * removed: an emit walks the array it found, so listeners added or removed by a listener
   * take effect from the next emit, with no copy made at each of the engine's thousands a second.
   */
  readonly #listeners = new Map<keyof Events, readonly ((payload: never) => void)[]>();

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const listeners = this.#listeners.get(name);
    if (!listeners) return;
    for (let i = 0; i < listeners.length; i++) (listeners[i] as (payload: Events[K]) => void)(payload);
  }

  /** Calls `listener` on every `name` event until the returned function is called. */
  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    const added = listener as (payload: never) => void;
    const current = this.#listeners.get(name) ?? [];
    // A listener is called once per emit however often it was added, as a set of them would.
    if (!current.includes(added)) this.#listeners.set(name, [...current, added]);
    return () => {
      const remaining = (this.#listeners.get(name) ?? []).filter((other) => other !== added);
      if (remaining.length > 0) this.#listeners.set(name, remaining);
      else this.#listeners.delete(name);
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
