import { parseCron } from '../cron/index.js';
import type { Schedule, ScheduleOf } from './planner.js';

/**
 * Parsed schedules, kept between claims: a claim plans thousands of jobs inside its
 * transaction and must not parse each expression again. Bounded so a churn of distinct
 * expressions cannot grow it without end (the oldest entry leaves first).
 */
export function cachedCronSchedules(maxEntries = 10_000): ScheduleOf {
  const cache = new Map<string, Schedule>();
  return (expression, timezone) => {
    const key = `${timezone}\u0000${expression}`;
    let schedule = cache.get(key);
    if (!schedule) {
      schedule = parseCron(expression, { timezone });
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(key, schedule);
    }
    return schedule;
  };
}
