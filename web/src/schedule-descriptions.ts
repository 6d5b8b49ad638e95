import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import type { Job } from './types.js';

/**
 * Plain-language descriptions of cron expressions, asked of the server's preview endpoint
 * once per distinct (expression, zone) and remembered for the life of the page: a table of
 * a thousand jobs usually has a handful of distinct schedules.
 */
const cache = new Map<string, Promise<string | null>>();

const keyOf = (expression: string, timezone: string): string => `${timezone} ${expression}`;

function describe(expression: string, timezone: string): Promise<string | null> {
  const key = keyOf(expression, timezone);
  let found = cache.get(key);
  if (!found) {
    found = api.previewSchedule({ expression, timezone, count: 1 }).then(
      (preview) => preview.description,
      () => null,
    );
    cache.set(key, found);
  }
  return found;
}

/** The description of each job's schedule, filled in as the answers arrive. */
export function useScheduleDescriptions(jobs: readonly Job[] | undefined): ReadonlyMap<string, string> {
  const [descriptions, setDescriptions] = useState<ReadonlyMap<string, string>>(new Map());
  const signature = [...new Set((jobs ?? []).map(scheduleKey))].join('\n');
  useEffect(() => {
    let live = true;
    for (const job of jobs ?? []) {
      if (job.schedule === null) continue;
      const key = keyOf(job.schedule, job.timezone);
      void describe(job.schedule, job.timezone).then((text) => {
        if (!live || text === null) return;
        setDescriptions((previous) => (previous.get(key) === text ? previous : new Map(previous).set(key, text)));
      });
    }
    return () => {
      live = false;
    };
  }, [signature]);
  return descriptions;
}

export function scheduleKey(job: Pick<Job, 'schedule' | 'timezone'>): string {
  return job.schedule === null ? '' : keyOf(job.schedule, job.timezone);
}
