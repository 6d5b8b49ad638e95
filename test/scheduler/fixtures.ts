import type { ScheduledJob, TargetPolicyRecord } from '../../src/store/types.js';
import type { Schedule, ScheduleOf } from '../../src/scheduler/planner.js';
import { jobParams } from '../store/fixtures.js';

/** A schedule firing every `periodMs`, aligned to the epoch (every second for 1000). */
export function everyMs(periodMs: number): Schedule {
  return { next: (after) => new Date(Math.floor(after.getTime() / periodMs) * periodMs + periodMs) };
}

/** Reads "every <n>ms" expressions; enough for tests that are not about cron syntax. */
export const periodicSchedules: ScheduleOf = (expression) => {
  const match = /^every (\d+)ms$/.exec(expression);
  if (!match) throw new Error(`test schedule "${expression}" is not "every <n>ms"`);
  return everyMs(Number(match[1]));
};

/** A stored job as the engine sees it: the store's fixture job, firing every second. */
export function scheduledJob(overrides: Partial<ScheduledJob> = {}): ScheduledJob {
  const created = new Date(Date.UTC(2026, 0, 1));
  return {
    ...jobParams({
      id: '01900000-0000-7000-8000-000000000001',
      name: 'test job',
      schedule: 'every 1000ms',
      api: 'http://127.0.0.1:9/hook',
      headers: {},
      payload: null,
      nextRunAt: created,
    }),
    runCount: 0,
    version: 1,
    createdAt: created,
    updatedAt: created,
    deletedAt: null,
    ...overrides,
  };
}

/** The policy 'api' on api.example.com with these limits (null: that limit is off). */
export function targetPolicy(maxConcurrent: number | null, maxPerSecond: number | null): TargetPolicyRecord {
  return {
    id: 'p1',
    name: 'api',
    pattern: 'api.example.com',
    maxConcurrent,
    maxPerSecond,
    version: 1,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}
