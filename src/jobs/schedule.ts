import { parseCron, type CronSchedule } from '../cron/index.js';
import { JobSchedulerError, isJobSchedulerError } from '../errors.js';
import type { JobDefinition } from '../store/types.js';

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
 * The first occurrence of a job strictly after `now`: the cron schedule's next firing, or
 * the instant of a one-time job (even a past one: the engine's misfire policy decides
 * what happens to it). Null when a cron schedule never fires again.
 */
export function nextRunAt(
  job: Pick<JobDefinition, 'schedule' | 'runAt' | 'timezone'>,
  now: Date,
  fields: ScheduleFields = JOB_FIELDS,
): Date | null {
  if (job.schedule !== null) return compileSchedule(job.schedule, job.timezone, fields).next(now);
  return job.runAt;
}
