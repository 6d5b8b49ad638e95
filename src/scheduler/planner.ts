import { endedReason, runsLeft } from '../jobs/bounds.js';
import { jitterDelayMs } from '../jobs/jitter.js';
import type { JobBound, OccurrencePlan, ScheduledJob } from '../store/types.js';

/**
 * What a claim does with one due job: a pure function of the job, "now" and the look-ahead
 * window, run inside the claim transaction (so it must stay fast: its work is bounded by
 * the constants below whatever the job's backlog).
 *
 * Occurrences from job.nextRunAt up to `until` are planned. Those due no more than
 * `graceMs` ago fire (late, but fire); older ones fell due while no node ran or the job was
 * paused, and the misfire policy decides:
 *  - skip: each is recorded MISSED; the next occurrence fires on time;
 *  - fire_once: the most recent fires now, the others are MISSED;
 *  - fire_all: the most recent MAX_CATCH_UP fire, one every CATCH_UP_SPACING_MS from now,
 *    oldest first; any older ones are MISSED.
 *
 * A recurring job's endAt and maxRuns bound what is planned: no occurrence after endAt, and
 * no more firings than its maxRuns leave (MISSED ones do not count). The plan that hands over
 * its last occurrence (or finds none left) ends the job: inactive, with the bound and reason.
 * nextRunAt never lies before startAt (the API sets it so), so startAt needs nothing here.
 *
 * With jitter, an occurrence is due at its scheduled time plus its delay (src/jobs/jitter.ts):
 * the window and the grace are measured against that due time, since it is when the
 * occurrence was meant to leave. Delays keep the order of occurrences, so due times grow as
 * the scheduled times do.
 */

/** A parsed cron schedule: the first occurrence strictly after `after`, or null for never. */
export interface Schedule {
  next(after: Date): Date | null;
}

export type ScheduleOf = (expression: string, timezone: string) => Schedule;

export interface PlanWindow {
  readonly now: Date;
  /** Occurrences at or before this instant are planned (now + look-ahead). */
  readonly until: Date;
  /** How late an occurrence may be and still fire instead of counting as a misfire. */
  readonly graceMs: number;
}

/** Most catch-up firings for one job under fire_all. */
export const MAX_CATCH_UP = 100;
/** Catch-up firings are this far apart, so a recovering target is not hit by a burst. */
export const CATCH_UP_SPACING_MS = 100;
/**
 * Most misfired occurrences examined (and recorded MISSED) in one plan. A longer gap (an
 * every-second job paused for a day) jumps ahead: the occurrences past this many are neither
 * fired nor listed one by one, and the claimer logs the jump.
 */
export const MAX_MISFIRES_LISTED = 1000;
/** Most on-time firings in one plan; the rest are planned by the next claim. */
export const MAX_FIRINGS_PER_PLAN = 1000;

export interface Plan extends OccurrencePlan {
  /** Set when misfired occurrences were jumped over: the first one not listed. */
  readonly unlistedMisfiresFrom: Date | null;
}

export function planOccurrences(job: ScheduledJob, window: PlanWindow, scheduleOf: ScheduleOf): Plan {
  const now = window.now.getTime();
  const lateCutoff = now - window.graceMs;
  const until = window.until.getTime();

  if (job.runAt !== null) return planOneTime(job, job.nextRunAt ?? job.runAt, now, lateCutoff, until);
  if (job.schedule === null || job.nextRunAt === null) return nothing(null, null);

  const left = runsLeft(job);
  if (left === 0) return ended('maxRuns', job);
  const endAt = job.endAt?.getTime() ?? Infinity;
  const next = new Occurrences(job, scheduleOf(job.schedule, job.timezone), job.nextRunAt);

  const late: Date[] = [];
  while (next.at !== null && next.dueMs < lateCutoff && next.at.getTime() <= endAt && late.length < MAX_MISFIRES_LISTED) {
    late.push(next.at);
    next.advance();
  }
  let unlistedMisfiresFrom: Date | null = null;
  if (next.at !== null && next.dueMs < lateCutoff && next.at.getTime() <= endAt) {
    unlistedMisfiresFrom = next.at;
    next.jumpPast(new Date(lateCutoff - 1));
  }

  const fire: { scheduledAt: Date; dueAt: Date }[] = [];
  const missed: Date[] = [];
  const policyCatchUp = job.misfirePolicy === 'fire_once' ? Math.min(1, late.length) : job.misfirePolicy === 'fire_all' ? Math.min(MAX_CATCH_UP, late.length) : 0;
  const catchUp = Math.min(policyCatchUp, left);
  missed.push(...late.slice(0, late.length - catchUp));
  late.slice(late.length - catchUp).forEach((scheduledAt, i) => {
    fire.push({ scheduledAt, dueAt: new Date(now + i * CATCH_UP_SPACING_MS) });
  });

  let onTime = 0;
  while (next.at !== null && next.dueMs <= until && next.at.getTime() <= endAt && fire.length < left && onTime < MAX_FIRINGS_PER_PLAN) {
    fire.push({ scheduledAt: next.at, dueAt: next.dueAt() });
    onTime++;
    next.advance();
  }
  const by: JobBound | null = fire.length >= left ? 'maxRuns' : next.at !== null && next.at.getTime() > endAt ? 'endAt' : null;
  if (by !== null) return { fire, missed, nextRunAt: null, deactivate: true, ended: { by, reason: endedReason(by, job) }, unlistedMisfiresFrom };
  const plan = { fire, missed, nextRunAt: next.at, deactivate: false, unlistedMisfiresFrom };
  return job.jitterMs > 0 ? { ...plan, nextDueAt: next.at && next.dueAt() } : plan;
}

/**
 * A job's occurrences from a given one on, each with the instant it is due. Without jitter
 * that is the occurrence itself and nothing more is computed; with jitter the delay is
 * bounded by the gap to the following occurrence, read one step ahead.
 */
class Occurrences {
  at: Date | null = null;
  dueMs = 0;
  #following: Date | null = null;

  constructor(
    private readonly job: ScheduledJob,
    private readonly schedule: Schedule,
    first: Date | null,
  ) {
    this.#moveTo(first);
  }

  advance(): void {
    this.#moveTo(this.job.jitterMs > 0 ? this.#following : this.schedule.next(this.at!));
  }

  /** To the first occurrence strictly after `instant`. */
  jumpPast(instant: Date): void {
    this.#moveTo(this.schedule.next(instant));
  }

  /** The due instant as a Date: the occurrence itself when it has no delay. */
  dueAt(): Date {
    return this.dueMs === this.at!.getTime() ? this.at! : new Date(this.dueMs);
  }

  #moveTo(at: Date | null): void {
    this.at = at;
    if (at === null) return;
    const atMs = at.getTime();
    if (this.job.jitterMs === 0) {
      this.dueMs = atMs;
      return;
    }
    this.#following = this.schedule.next(at);
    const gapMs = this.#following === null ? Number.POSITIVE_INFINITY : this.#following.getTime() - atMs;
    this.dueMs = atMs + jitterDelayMs(this.job.id, atMs, this.job.jitterMs, gapMs);
  }
}

/** Nothing left to fire within the job's bounds: it ends now. */
function ended(by: JobBound, job: ScheduledJob): Plan {
  return { fire: [], missed: [], nextRunAt: null, deactivate: true, ended: { by, reason: endedReason(by, job) }, unlistedMisfiresFrom: null };
}

function planOneTime(job: ScheduledJob, at: Date, now: number, lateCutoff: number, until: number): Plan {
  const dueMs = at.getTime() + jitterDelayMs(job.id, at.getTime(), job.jitterMs);
  const dueAt = dueMs === at.getTime() ? at : new Date(dueMs);
  if (dueMs > until) return nothing(at, dueAt);
  const done = { missed: [], nextRunAt: null, deactivate: true, unlistedMisfiresFrom: null };
  if (dueMs >= lateCutoff) return { ...done, fire: [{ scheduledAt: at, dueAt }] };
  if (job.misfirePolicy === 'skip') return { ...done, fire: [], missed: [at] };
  return { ...done, fire: [{ scheduledAt: at, dueAt: new Date(now) }] };
}

function nothing(nextRunAt: Date | null, nextDueAt: Date | null): Plan {
  return { fire: [], missed: [], nextRunAt, nextDueAt, deactivate: false, unlistedMisfiresFrom: null };
}
