import type { JobRecord } from '../store/types.js';
import { invalid, parseInstant } from './definition.js';
import { compileSchedule } from './schedule.js';

/** Limits of one backfill request, in one place so the schema, the docs and the code agree. */
export const BACKFILL_LIMITS = Object.freeze({
  /** Scheduled occurrences a range may hold: the default, and the most a request may allow. */
  maxOccurrences: { default: 1_000, max: 10_000 },
  /**
   * Between two backfilled firings of one job: a backfill of 10,000 occurrences at the
   * shortest interval takes 100 s, so a target never sees more than 100 a second from it.
   */
  intervalMs: { default: 1_000, min: 10, max: 3_600_000 },
});

/** The body of a backfill request (shape and number ranges already checked by the API's schema). */
export interface BackfillBody {
  readonly from: string;
  readonly to: string;
  readonly maxOccurrences?: number;
  readonly intervalMs?: number;
}

export interface BackfillRange {
  readonly from: Date;
  readonly to: Date;
  readonly intervalMs: number;
  /** The job's scheduled occurrences in [from, to), oldest first. */
  readonly occurrences: Date[];
}

/**
 * The occurrences a backfill covers: those of the job's current schedule, read in its time
 * zone by the cron engine (daylight-saving gaps and repeats as for scheduled firings), from
 * `from` included to `to` excluded; a one-time job's runAt when it lies in the range. The
 * range must lie in the past (later occurrences are the schedule's to fire) and hold at most
 * maxOccurrences of them. Errors are 400s naming the field.
 */
export function backfillRange(body: BackfillBody, job: Pick<JobRecord, 'schedule' | 'runAt' | 'timezone'>, now: Date): BackfillRange {
  const from = parseInstant(body.from, 'from');
  const to = parseInstant(body.to, 'to');
  if (to <= from) throw invalid('to', `to (${to.toISOString()}) must be later than from (${from.toISOString()}): the range is [from, to)`);
  if (to > now) {
    throw invalid('to', `to (${to.toISOString()}) must not be later than now (${now.toISOString()}): occurrences still ahead are fired by the schedule`);
  }
  const limit = body.maxOccurrences ?? BACKFILL_LIMITS.maxOccurrences.default;
  const occurrences: Date[] = [];
  if (job.schedule === null) {
    if (job.runAt !== null && job.runAt >= from && job.runAt < to) occurrences.push(job.runAt);
  } else {
    const schedule = compileSchedule(job.schedule, job.timezone);
    for (let at = schedule.next(new Date(from.getTime() - 1)); at !== null && at < to; at = schedule.next(at)) {
      if (occurrences.length === limit) {
        throw invalid(
          'to',
          `to: the range holds more than ${limit} scheduled occurrences (maxOccurrences); narrow from..to, or raise maxOccurrences (at most ${BACKFILL_LIMITS.maxOccurrences.max})`,
        );
      }
      occurrences.push(at);
    }
  }
  return { from, to, intervalMs: body.intervalMs ?? BACKFILL_LIMITS.intervalMs.default, occurrences };
}
