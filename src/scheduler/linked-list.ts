/** An item of a LinkedList: the list's links are fields of the item itself. */
export interface Linked<T> {
  listPrevious: T | null;
  listNext: T | null;
}

/**
 * A doubly linked list through its items' own fields, in the order they were put in: adding at
 * either end and taking any item out are O(1) and allocate nothing.
 *
 * Why not a Set, for objects of a burst that come and go within it (requests in flight): V8
 * replaces a Set's or Map's table as it grows or shrinks and links the old table to its
 * replacement. Once one of those tables has lived into the old generation, the chain from it
 * keeps every later table, and every item any of them held, alive through young-generation
 * collections until the next full one. At 1,000 firings a second that kept a few seconds of
 * dead requests alive, to be copied, promoted and marked (docs/benchmarks.md, eleventh round).
 * An item taken out of this list has its links cleared, so a dead item holds no other.
 */
export class LinkedList<T extends Linked<T>> implements Iterable<T> {
  #first: T | null = null;
  #last: T | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The item at the front (of those pushed, the earliest still in), or null when empty. */
  get first(): T | null {
    return this.#first;
  }

  /** Adds `item`, which must not be in a list, at the back. */
  push(item: T): void {
    this.#insertBetween(item, this.#last, null);
  }

  /** Adds `item`, which must not be in a list, at the front. */
  unshift(item: T): void {
    this.#insertBetween(item, null, this.#first);
  }

  /** Takes `item` out; false when it was not in this list. */
  delete(item: T): boolean {
    if (!this.has(item)) return false;
    if (item.listPrevious) item.listPrevious.listNext = item.listNext;
    else this.#first = item.listNext;
    if (item.listNext) item.listNext.listPrevious = item.listPrevious;
    else this.#last = item.listPrevious;
    item.listPrevious = null;
    item.listNext = null;
    this.#size--;
    return true;
  }

  #insertBetween(item: T, previous: T | null, next: T | null): void {
    item.listPrevious = previous;
    item.listNext = next;
    if (previous) previous.listNext = item;
    else this.#first = item;
    if (next) next.listPrevious = item;
    else this.#last = item;
    this.#size++;
  }

  /** Whether `item` is in this list (an item is in one list at most). */
  has(item: T): boolean {
    return item.listPrevious !== null || this.#first === item;
  }

  /**
   * The items front to back, as they are when the walk starts; any of them may be taken out
   * meanwhile, and is then not visited (interrupting one request may end others).
   */
  *[Symbol.iterator](): IterableIterator<T> {
    const items: T[] = [];
    for (let item = this.#first; item; item = item.listNext) items.push(item);
    for (const item of items) if (this.has(item)) yield item;
  }
}
