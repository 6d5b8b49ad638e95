/**
 * What a node's garbage collector did during the window, from the lines gc-observer.mjs wrote
 * (`npm run bench -- --gc`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The observer module, for a child's `--import`. */
export const GC_OBSERVER = fileURLToPath(new URL('./gc-observer.mjs', import.meta.url));

interface GcEvent {
  readonly at: number;
  readonly kind: string;
  readonly forced: boolean;
  readonly pauseMs: number;
  readonly youngBytes: number;
  readonly oldBytes: number;
}

export interface GcFigures {
  /** Young-generation collections (scavenges) V8 made of its own accord. */
  readonly youngCollections: number;
  /** Young-generation collections asked for (the engine's scavenge pacer). */
  readonly youngCollectionsAsked: number;
  /** Full collections (mark-compact) of the whole heap. */
  readonly fullCollections: number;
  /** Main-thread pauses of all collections, ms per second of window (marking done on helper threads is not in it). */
  readonly pauseMsPerSecond: number;
  /**
   * How fast the old generation grew between full collections, MiB per second of window: the
   * objects young collections promoted, and those allocated old. A full collection is due when
   * that growth reaches V8's limit, so this sets how often they come.
   */
  readonly oldGrowthMiBPerSecond: number;
  /** The old generation just after the window's last full collection (MiB), null without one. */
  readonly oldAfterFullMiB: number | null;
}

const MIB = 1024 * 1024;

/** The window's figures from one observer log; `null` when the log is missing or empty. */
export function gcFigures(logFile: string, windowStart: number, windowEnd: number): GcFigures | null {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  const events = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as GcEvent);
  if (events.length === 0) return null;
  const inWindow = (event: GcEvent): boolean => event.at >= windowStart && event.at < windowEnd;
  let youngCollections = 0;
  let youngCollectionsAsked = 0;
  let fullCollections = 0;
  let pauseMs = 0;
  let oldGrowth = 0;
  let oldAfterFull: number | null = null;
  // The old generation's size as of the event before: a growth counts once it is seen again after a collection.
  let previousOld: number | null = null;
  for (const event of events) {
    if (inWindow(event)) {
      pauseMs += event.pauseMs;
      if (event.kind === 'young') {
        if (event.forced) youngCollectionsAsked++;
        else youngCollections++;
      } else if (event.kind === 'full') {
        fullCollections++;
        oldAfterFull = event.oldBytes / MIB;
      }
      if (event.kind !== 'full' && previousOld !== null) oldGrowth += Math.max(0, event.oldBytes - previousOld);
    }
    previousOld = event.oldBytes;
  }
  const seconds = (windowEnd - windowStart) / 1000;
  return {
    youngCollections,
    youngCollectionsAsked,
    fullCollections,
    pauseMsPerSecond: pauseMs / seconds,
    oldGrowthMiBPerSecond: oldGrowth / MIB / seconds,
    oldAfterFullMiB: oldAfterFull,
  };
}
