import type { LeasedAttempt } from '../store/types.js';
import { IdMap } from './id-map.js';
import { LinkedList, type Linked } from './linked-list.js';

/** A sent attempt's start, waiting to be written; scheduledAt names its partition. */
export class RunningMark implements Linked<RunningMark> {
  listPrevious: RunningMark | null = null;
  listNext: RunningMark | null = null;

  constructor(
    readonly id: string,
    readonly scheduledAt: Date,
    readonly startedAt: number,
    readonly leased: LeasedAttempt | undefined,
  ) {}
}

/**
 * The RUNNING marks of attempts sent and not written yet, in the order they started (the
 * clock's), so the old enough ones are always at the front. A mark comes and goes with every
 * firing: kept in a LinkedList and an IdMap rather than a Map, which would keep a burst's dead
 * entries alive through young-generation collections (see LinkedList).
 */
export class RunningMarks {
  readonly #inOrder = new LinkedList<RunningMark>();
  readonly #byId = new IdMap<RunningMark>();

  get size(): number {
    return this.#inOrder.size;
  }

  /** The mark that started first. */
  get oldest(): RunningMark | null {
    return this.#inOrder.first;
  }

  /** Adds the mark of an attempt that just started (after every mark held). */
  add(mark: RunningMark): void {
    this.delete(mark.id);
    this.#inOrder.push(mark);
    this.#byId.set(mark.id, mark);
  }

  /** Drops the attempt's mark (its outcome came first); false when there was none. */
  delete(id: string): boolean {
    const mark = this.#byId.get(id);
    if (!mark) return false;
    this.#byId.delete(id);
    this.#inOrder.delete(mark);
    return true;
  }

  /** Takes out the marks of attempts started at or before `startedBy` (clock time), oldest first. */
  takeStartedBy(startedBy: number): RunningMark[] {
    const taken: RunningMark[] = [];
    for (let mark = this.#inOrder.first; mark && mark.startedAt <= startedBy; mark = this.#inOrder.first) {
      this.#inOrder.delete(mark);
      this.#byId.delete(mark.id);
      taken.push(mark);
    }
    return taken;
  }

  /** Takes out every mark, oldest first. */
  takeAll(): RunningMark[] {
    return this.takeStartedBy(Number.POSITIVE_INFINITY);
  }

  /**
   * Puts back marks taken out (a write that failed), in front of those added since: they
   * started earlier. Those whose attempt has ended meanwhile (`ended`) or is marked again stay out.
   */
  restore(marks: readonly RunningMark[], ended: (id: string) => boolean): void {
    for (let i = marks.length - 1; i >= 0; i--) {
      const mark = marks[i]!;
      if (ended(mark.id) || this.#byId.has(mark.id)) continue;
      this.#inOrder.unshift(mark);
      this.#byId.set(mark.id, mark);
    }
  }
}
