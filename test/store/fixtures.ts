import { uuidv7 } from '../../src/ids.js';
import type { Queryable } from '../../src/store/db.js';
import type { ExecutionInsert, JobCreateParams } from '../../src/store/types.js';

/*
 * Benches build their jobs from these fixtures too, so this module imports nothing from the
 * test runner.
 */

let clock = Date.UTC(2026, 0, 1);

/** A valid cron job; ids made in sequence sort in creation order. */
export function jobParams(overrides: Partial<JobCreateParams> = {}): JobCreateParams {
  clock += 1;
  return fixtureJob({ id: uuidv7(clock), ...overrides });
}

/**
 * The same valid cron job with the id the caller gives: for callers that make their own ids,
 * so the fixture's sequence does not interleave with theirs.
 */
export function fixtureJob(overrides: Partial<JobCreateParams> & Pick<JobCreateParams, 'id'>): JobCreateParams {
  return {
    name: 'nightly report',
    description: null,
    schedule: '0 0 * * * *',
    runAt: null,
    timezone: 'UTC',
    api: 'https://example.com/hook',
    method: 'POST',
    headers: { 'x-team': 'ops' },
    payload: { report: 'daily', sizes: [1, 2, 3] },
    timeoutMs: 5000,
    type: 'AT_LEAST_ONCE',
    retry: { maxAttempts: 3, minBackoffMs: 1000, maxBackoffMs: 60000 },
    misfirePolicy: 'skip',
    overlapPolicy: 'allow',
    onFailure: null,
    isActive: true,
    paused: false,
    pauseAfterFailures: null,
    startAt: null,
    endAt: null,
    maxRuns: null,
    jitterMs: 0,
    nextRunAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

export function attempt(jobId: string, scheduledAt: Date, overrides: Partial<ExecutionInsert> = {}): ExecutionInsert {
  return {
    id: uuidv7(),
    jobId,
    scheduledAt,
    trigger: 'schedule',
    attempt: 1,
    dueAt: scheduledAt,
    status: 'SCHEDULED',
    ownerNode: null,
    ...overrides,
  };
}

export function at(iso: string): Date {
  return new Date(iso);
}

export interface LeaseRow {
  readonly id: string;
  readonly owner_node: string;
  readonly due_until: Date;
  /** Each attempt it lists: [id, jobId, scheduledAt, dueAt]. */
  readonly attempts: [string, string, Date, Date][];
}

/** The claim leases stored, oldest first. */
export async function leaseRows(db: Queryable): Promise<LeaseRow[]> {
  const { rows } = await db.query<{ id: string; owner_node: string; due_until: Date; execution_ids: string[]; job_ids: string[]; scheduled_ms: unknown[]; due_ms: unknown[] }>(
    'SELECT id, owner_node, due_until, execution_ids, job_ids, scheduled_ms, due_ms FROM claim_leases ORDER BY created_at, id',
  );
  return rows.map((row) => ({
    id: row.id,
    owner_node: row.owner_node,
    due_until: row.due_until,
    attempts: row.execution_ids.map((id, i) => [id, row.job_ids[i]!, new Date(Number(row.scheduled_ms[i])), new Date(Number(row.due_ms[i]))]),
  }));
}
