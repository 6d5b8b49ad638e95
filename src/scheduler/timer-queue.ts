import type { Clock, TimerHandle } from '../time/clock.js';

interface Entry<T> {
  readonly dueAt: number;
  /** Insertion order, so items due at the same instant leave in the order they came. */
  readonly seq: number;
  readonly item: T;
}

/**
 * The attempts a node owns and has not sent yet, ordered by due time in a binary heap.
 * Exactly one Clock timer is armed, for the earliest item: a million queued attempts cost
 * a million heap entries and still one timer. When the timer fires, every item due by then
 * leaves together as one batch.
 */
export class TimerQueue<T> {
  readonly #clock: Clock;
  readonly #dueAtOf: (item: T) => number;
  readonly #onDue: (items: T[]) => void;
  readonly #heap: Entry<T>[] = [];
  #seq = 0;
  #timer: TimerHandle | null = null;
  #armedFor = Infinity;
  #closed = false;

  constructor(options: { clock: Clock; dueAtOf: (item: T) => number; onDue: (items: T[]) => void }) {
    this.#clock = options.clock;
    this.#dueAtOf = options.dueAtOf;
    this.#onDue = options.onDue;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Due time of the earliest item, or null when empty. */
  peekDueAt(): number | null {
    return this.#heap[0]?.dueAt ?? null;
  }

  push(item: T): void {
    if (this.#closed) throw new Error('TimerQueue: push after close');
    const entry: Entry<T> = { dueAt: this.#dueAtOf(item), seq: this.#seq++, item };
    this.#heap.push(entry);
    this.#siftUp(this.#heap.length - 1);
    if (entry.dueAt < this.#armedFor) this.#arm();
  }

  /** Removes and returns every item (not yet due ones included), earliest first. */
  drain(): T[] {
    const items: T[] = [];
    while (this.#heap.length > 0) items.push(this.#pop().item);
    this.#disarm();
    return items;
  }

  /** Drains and refuses further pushes. */
  close(): T[] {
    this.#closed = true;
    return this.drain();
  }

  #arm(): void {
    this.#disarm();
    const first = this.#heap[0];
    if (!first) return;
    this.#armedFor = first.dueAt;
    this.#timer = this.#clock.setTimer(first.dueAt - this.#clock.now(), () => this.#fire());
  }

  #disarm(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#armedFor = Infinity;
  }

  #fire(): void {
    this.#timer = null;
    this.#armedFor = Infinity;
    const now = this.#clock.now();
    const due: T[] = [];
    while (this.#heap.length > 0 && this.#heap[0]!.dueAt <= now) due.push(this.#pop().item);
    // Re-arm before handing the batch over: the handler may push (retries) and must find a
    // consistent queue.
    this.#arm();
    if (due.length > 0) this.#onDue(due);
  }

  #pop(): Entry<T> {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      swap(heap, i, smallest);
      i = smallest;
    }
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}

/** Through a local rather than a destructuring pair, which made an array per step: a dozen per attempt leaving the queue. */
function swap<T>(heap: T[], i: number, j: number): void {
  const held = heap[i]!;
  heap[i] = heap[j]!;
  heap[j] = held;
}
