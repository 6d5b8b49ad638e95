import type { JobBound, JobDefinition } from '../store/types.js';

/**
 * The time bounds of a recurring job, as one rule shared by the API (create, PATCH, preview)
 * and the engine's planner:
 *  - startAt: no occurrence before it; an occurrence exactly at startAt fires;
 *  - endAt: no occurrence after it; an occurrence exactly at endAt fires;
 *  - maxRuns: at most this many scheduled occurrences are handed to a node to fire (whatever
 *    their outcome); manual runs and occurrences recorded MISSED do not count.
 * Pure: no clock, no I/O.
 */

export type Bounds = Pick<JobDefinition, 'startAt' | 'endAt' | 'maxRuns'>;

/** A cron schedule: the first occurrence strictly after `after`, or null for never. */
export interface NextOccurrence {
  next(after: Date): Date | null;
}

export const NO_BOUNDS: Bounds = Object.freeze({ startAt: null, endAt: null, maxRuns: null });

/** Whether any bound is set. */
export function hasBounds(bounds: Bounds): boolean {
  return bounds.startAt !== null || bounds.endAt !== null || bounds.maxRuns !== null;
}

/** The instant to search after so that an occurrence exactly at startAt is found. */
export function searchFrom(after: Date, startAt: Date | null): Date {
  return startAt !== null && startAt.getTime() - 1 > after.getTime() ? new Date(startAt.getTime() - 1) : after;
}

/** The first occurrence strictly after `after` within startAt..endAt; null when none is left. */
export function nextWithin(schedule: NextOccurrence, after: Date, bounds: Pick<Bounds, 'startAt' | 'endAt'>): Date | null {
  const next = schedule.next(searchFrom(after, bounds.startAt));
  return next !== null && bounds.endAt !== null && next > bounds.endAt ? null : next;
}

/** Scheduled occurrences the job may still fire: Infinity without maxRuns. */
export function runsLeft(job: Pick<Bounds, 'maxRuns'> & { readonly runCount: number }): number {
  return job.maxRuns === null ? Infinity : Math.max(0, job.maxRuns - job.runCount);
}

/** The pausedReason of a job its bound ended. */
export function endedReason(by: JobBound, bounds: Bounds): string {
  return by === 'maxRuns' ? `ended: maxRuns ${bounds.maxRuns} reached` : `ended: no occurrence left before endAt ${bounds.endAt?.toISOString()}`;
}

/** Up to `count` occurrences strictly after `from` within the bounds (and the runs left), none after `horizon`. */
export function occurrencesWithin(
  schedule: NextOccurrence,
  job: Bounds & { readonly runCount: number },
  options: { readonly count: number; readonly from: Date; readonly horizon: Date },
): Date[] {
  const limit = Math.min(options.count, runsLeft(job));
  const runs: Date[] = [];
  for (let at = nextWithin(schedule, options.from, job); at !== null && at <= options.horizon && runs.length < limit; at = nextWithin(schedule, at, job)) {
    runs.push(at);
  }
  return runs;
}
