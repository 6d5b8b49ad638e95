import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock } from '../time/clock.js';

/** V8's young generation: bytes taken by objects, and bytes left before it must be collected. */
export interface YoungGenerationSpace {
  readonly used: number;
  readonly available: number;
}

/** What the pacer needs of the runtime. */
export interface YoungGeneration {
  space(): YoungGenerationSpace;
  /** Young-generation collections so far, V8's own and those asked for. */
  collections(): number;
  /** Collects it now. */
  collect(): void;
}

export interface ScavengePacerOptions {
  readonly clock: Clock;
  readonly youngGeneration: YoungGeneration;
}

/** The next burst's estimated allocation, times this, must fit in what is left of the young generation. */
const HEADROOM = 1.5;
/** No collection when the next attempt falls due sooner: a collection of a quiet heap takes a few ms. */
const MIN_QUIET_MS = 25;
/** At most one look at the heap this often (a node firing sparse jobs goes quiet after each). */
const MIN_CHECK_INTERVAL_MS = 100;
/** How fast the estimate of a burst's allocation forgets a larger burst, per look. */
const ESTIMATE_DECAY = 0.9;

/**
 * Moves V8's young-generation collection (a scavenge) from the middle of a burst of firings
 * to the quiet time after it.
 *
 * A node allocates almost only while it fires: when thousands of occurrences share an instant,
 * their requests, answers and history rows are made within a few hundred milliseconds, then
 * little until the next instant. So the young generation fills up, and V8 scavenges, in the
 * middle of a burst: the main thread stops (8 to 17 ms at 1,000 firings a second) while the
 * burst's last requests wait, and the objects of every request in flight are copied. Collected
 * once the burst has ended and its history is written, the generation holds only what the node
 * keeps (the attempts held for the next instants), and the next burst starts with room for all
 * it allocates. The collection costs about what V8's own did: it moves, it does not shrink.
 *
 * Invariant: the pacer collects only when nothing is in flight or waiting to be written (the
 * caller's word), the next attempt falls due at least MIN_QUIET_MS later, the next burst
 * (estimated from the growth between quiet moments) would not fit in what is left, and it
 * would fit in an emptied young generation. Past that size (tens of thousands of firings a
 * second) bursts are scavenged during their course whatever happens, and an extra collection
 * would only add one.
 */
export class ScavengePacer {
  readonly #clock: Clock;
  readonly #young: YoungGeneration;
  #lastCheckAt = Number.NEGATIVE_INFINITY;
  /** Bytes used, and collections made, at the last look: what was allocated until the next one. */
  #lastUsed = 0;
  #lastCollections = -1;
  /** Largest allocation seen between two looks with no collection between them, decaying. */
  #burstBytes = 0;

  constructor(options: ScavengePacerOptions) {
    this.#clock = options.clock;
    this.#young = options.youngGeneration;
  }

  /** The node has nothing in flight and nothing to write; its next attempt falls due at `nextDueAt` (clock time, Infinity for none). */
  quiet(nextDueAt: number): void {
    const young = this.#young;
    const now = this.#clock.now();
    if (now - this.#lastCheckAt < MIN_CHECK_INTERVAL_MS) return;
    this.#lastCheckAt = now;
    const space = young.space();
    const collections = young.collections();
    // Across a collection the difference in used bytes measures nothing: V8 scavenges a node
    // whose bursts outgrow the young generation during each of them, so it never gets an
    // estimate and is left alone.
    if (collections === this.#lastCollections && space.used >= this.#lastUsed) {
      this.#burstBytes = Math.max(space.used - this.#lastUsed, this.#burstBytes * ESTIMATE_DECAY);
    }
    this.#lastUsed = space.used;
    this.#lastCollections = collections;
    const needed = this.#burstBytes * HEADROOM;
    if (needed === 0 || space.available >= needed || needed > space.used + space.available) return;
    if (nextDueAt - now < MIN_QUIET_MS) return;
    young.collect();
    this.#lastUsed = young.space().used;
    this.#lastCollections = young.collections();
  }
}

/**
 * V8's young generation in this process, with a collection on demand. The collection is had
 * without the process being started with --expose-gc: the flag is set only while a fresh
 * context is made to read `gc` from, then cleared, so no other code sees a global `gc`.
 * V8's own collections are counted from Node's GC notifications, which arrive after the fact
 * (a scavenge in the last moments may be missed, and then the drop in used bytes tells it);
 * those asked for here are counted as they are made, and not again when notified.
 * Null if the runtime does not provide a collection on demand.
 */
export function v8YoungGeneration(): YoungGeneration | null {
  const collect = minorCollection();
  if (collect === null) return null;
  const counter = scavengeCounter();
  return {
    space: youngGenerationSpace,
    collections: () => counter.count,
    collect: () => {
      collect();
      counter.count++;
    },
  };
}

function youngGenerationSpace(): YoungGenerationSpace {
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') return { used: space.space_used_size, available: space.space_available_size };
  }
  return { used: 0, available: 0 };
}

function minorCollection(): (() => void) | null {
  setFlagsFromString('--expose-gc');
  let gc: unknown;
  try {
    gc = runInNewContext('gc');
  } catch {
    gc = null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  if (typeof gc !== 'function') return null;
  const collect = gc as (options: { type: 'minor' }) => void;
  return () => collect({ type: 'minor' });
}

/** One counter per process, however many schedulers it runs. */
let scavenges: { count: number } | null = null;

function scavengeCounter(): { count: number } {
  if (scavenges !== null) return scavenges;
  const counter = { count: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (isV8Scavenge(entry)) counter.count++;
  }).observe({ entryTypes: ['gc'] });
  scavenges = counter;
  return counter;
}

/** Whether a `gc` performance entry reports a scavenge V8 made of its own accord (not one asked for). */
export function isV8Scavenge(entry: PerformanceEntry): boolean {
  const { detail } = entry as { detail?: { kind?: number; flags?: number } };
  const forced = ((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
  return detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR && !forced;
}
