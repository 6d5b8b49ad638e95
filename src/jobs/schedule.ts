import { parseCron, type CronSchedule } from '../cron/index.js';
import { JobSchedulerError, isJobSchedulerError } from '../errors.js';
import type { JobDefinition, ScheduledJob } from '../store/types.js';
import { NO_BOUNDS, nextWithin, occurrencesWithin, type Bounds } from './bounds.js';
import { jitterDelayMs } from './jitter.js';

/**
 * Parsed schedules by (zone, expression). Parsing is pure and the result immutable, and
 * real workloads reuse a handful of expressions across thousands of jobs (a batch create
 * of 1,000 jobs usually carries one or two), so the API parses each pair once.
 */
const CACHE_SIZE = 512;
const cache = new Map<string, CronSchedule>();

/** Names of the request fields an expression and its zone came from, for error details. */
export interface ScheduleFields {
  readonly expression: string;
  readonly timezone: string;
}

const JOB_FIELDS: ScheduleFields = { expression: 'schedule', timezone: 'timezone' };

/**
 * The schedule of `expression` in `timezone`. Throws CRON_INVALID or TIMEZONE_INVALID with
 * the request field added to the details as `property`, so a client learns what to fix.
 */
export function compileSchedule(expression: string, timezone: string, fields: ScheduleFields = JOB_FIELDS): CronSchedule {
  const key = `${timezone}\u0000${expression}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let schedule: CronSchedule;
  try {
    schedule = parseCron(expression, { timezone });
  } catch (error) {
    if (isJobSchedulerError(error, 'CRON_INVALID') || isJobSchedulerError(error, 'TIMEZONE_INVALID')) {
      const about = error.code === 'CRON_INVALID' ? fields.expression : fields.timezone;
      throw new JobSchedulerError(error.code, `${about}: ${error.message}`, { ...error.details, property: about });
    }
    throw error;
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, schedule);
  return schedule;
}

/**
 * How far ahead a preview lists firings. Each year a search passes through costs about a
 * millisecond of offsets per zone the first time, so a preview of 1,000 yearly firings used to
 * block the event loop for most of a second: this bounds one preview's cost, whatever its count.
 */
export const PREVIEW_YEARS = 100;
const PREVIEW_HORIZON_MS = PREVIEW_YEARS * 365.25 * 86_400_000;

/**
 * Up to `count` firings strictly after `from`, and none more than PREVIEW_YEARS after it;
 * with a job's bounds, none outside startAt..endAt and no more than its maxRuns leave.
 */
export function upcomingRuns(
  schedule: CronSchedule,
  count: number,
  from: Date,
  bounds: Bounds & { readonly runCount: number } = { ...NO_BOUNDS, runCount: 0 },
): Date[] {
  return occurrencesWithin(schedule, bounds, { count, from, horizon: new Date(from.getTime() + PREVIEW_HORIZON_MS) });
}

/**
 * The first occurrence of a job strictly after `now`: the cron schedule's next firing within
 * the job's startAt..endAt, or the instant of a one-time job (even a past one: the engine's
 * misfire policy decides what happens to it). Null when a cron schedule never fires again.
 */
export function nextRunAt(
  job: Pick<JobDefinition, 'schedule' | 'runAt' | 'timezone'> & Partial<Pick<JobDefinition, 'startAt' | 'endAt'>>,
  now: Date,
  fields: ScheduleFields = JOB_FIELDS,
): Date | null {
  if (job.schedule !== null) return nextWithin(compileSchedule(job.schedule, job.timezone, fields), now, { startAt: job.startAt ?? null, endAt: job.endAt ?? null });
  return job.runAt;
}

/** The next firings of a job from `now`: its schedule's within its bounds, or its runAt while ahead. */
export function jobPreview(job: ScheduledJob, count: number, now: Date): Date[] {
  if (job.schedule !== null) return upcomingRuns(compileSchedule(job.schedule, job.timezone), count, now, job);
  return job.runAt !== null && job.runAt > now ? [job.runAt] : [];
}

type Jittered = Pick<JobDefinition, 'schedule' | 'timezone' | 'jitterMs'> & { readonly id: string };

/**
 * When occurrence `at` of a job is due to be sent: `at` plus its jitter (src/jobs/jitter.ts),
 * bounded by the gap to the following occurrence as the engine bounds it.
 */
export function dueAtOf(job: Jittered, at: Date): Date {
  if (job.jitterMs === 0) return at;
  const following = job.schedule === null ? null : compileSchedule(job.schedule, job.timezone).next(at);
  const gapMs = following === null ? Number.POSITIVE_INFINITY : following.getTime() - at.getTime();
  return new Date(at.getTime() + jitterDelayMs(job.id, at.getTime(), job.jitterMs, gapMs));
}

/** Gaps between consecutive firings examined when a jitter is given (two months of a daily job). */
const GAP_SAMPLES = 64;

/** The shortest gap between two consecutive firings among the next GAP_SAMPLES after `from`, or null with fewer than two. */
export function shortestGap(schedule: CronSchedule, from: Date): { readonly gapMs: number; readonly from: Date; readonly to: Date } | null {
  let shortest: { gapMs: number; from: Date; to: Date } | null = null;
  let previous = schedule.next(from);
  for (let i = 0; i < GAP_SAMPLES && previous !== null; i++) {
    const next = schedule.next(previous);
    if (next === null) break;
    const gapMs = next.getTime() - previous.getTime();
    if (shortest === null || gapMs < shortest.gapMs) shortest = { gapMs, from: previous, to: next };
    previous = next;
  }
  return shortest;
}
