/**
 * A map from ids (of attempts or jobs) to values, for entries that come and go with every
 * firing. The entries are properties of an object without prototype, which V8 keeps as a
 * dictionary from the start.
 *
 * Why not a Map: V8 links each table a Map outgrows or shrinks from to its replacement, so one
 * table that lived into the old generation keeps every later one, and every entry they held,
 * alive through young-generation collections until the next full one (see LinkedList). A
 * dictionary drops an outgrown table without linking it, so a dead table keeps alive at most
 * what it held itself. There is no iteration: walking a dictionary copies its keys first.
 */
export class IdMap<V> {
  readonly #entries: Record<string, V> = Object.create(null) as Record<string, V>;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(id: string): boolean {
    return id in this.#entries;
  }

  get(id: string): V | undefined {
    return this.#entries[id];
  }

  set(id: string, value: V): void {
    if (!(id in this.#entries)) this.#size++;
    this.#entries[id] = value;
  }

  /** Takes the entry out; false when there was none. */
  delete(id: string): boolean {
    if (!(id in this.#entries)) return false;
    delete this.#entries[id];
    this.#size--;
    return true;
  }
}
