import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORBIDDEN_HEADERS } from '../jobs/defaults.js';
import type { ExecutionRecord } from '../store/types.js';
import { attemptRequest, backfillWithdrawal, idempotencyKey, requestTemplate } from './attempt.js';
import type { OutgoingRequest } from './dispatcher.js';
import { scheduledJob } from '../../test/scheduler/fixtures.js';

const job = scheduledJob({ headers: { 'X-Tenant': 'a', Accept: 'application/json' }, payload: { n: 1 } });

function execution(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: '0196f3a0-0000-7000-8000-0000000000e1',
    jobId: job.id,
    scheduledAt: new Date('2026-03-01T12:00:00Z'),
    trigger: 'manual',
    attempt: 1,
    dueAt: new Date('2026-03-01T12:00:00Z'),
    status: 'SCHEDULED',
    ownerNode: 'node-a',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    httpStatus: null,
    error: null,
    override: null,
    createdAt: new Date(0),
    ...overrides,
  };
}

/** The request's headers (the job's, then the engine's) as name -> values, names lower-cased. */
function headerValues(request: OutgoingRequest): Map<string, string[]> {
  const flat = [...(request.headers as readonly string[]), ...(request.engineHeaders ?? [])];
  const byName = new Map<string, string[]>();
  for (let i = 0; i < flat.length; i += 2) byName.set(flat[i]!.toLowerCase(), [...(byName.get(flat[i]!.toLowerCase()) ?? []), flat[i + 1]!]);
  return byName;
}

describe('an attempt\'s request with a run-now override', () => {
  it('sends the override\'s payload and headers over the job\'s and leaves the shared template as it was', () => {
    const template = requestTemplate(job);
    const before = structuredClone(template);
    const request = attemptRequest({ job, execution: execution({ override: { payload: { n: 2 }, headers: { 'x-tenant': 'b', 'X-Reason': 'replay' } } }) }, template);
    expect(request.body).toBe('{"n":2}');
    const headers = headerValues(request);
    expect(headers.get('x-tenant')).toEqual(['b']);
    expect(headers.get('x-reason')).toEqual(['replay']);
    expect(headers.get('accept')).toEqual(['application/json']);
    expect(template).toEqual(before);
    expect(attemptRequest({ job, execution: execution() }, template).body).toBe('{"n":1}');
  });

  it('never lets an override forge the headers the scheduler sets', () => {
    const request = attemptRequest({ job, execution: execution({ override: { headers: { 'Idempotency-Key': 'forged', 'X-Job-Id': 'forged' } } }) });
    const headers = headerValues(request);
    expect(headers.get('idempotency-key')).toEqual([idempotencyKey(execution())]);
    expect(headers.get('x-job-id')).toEqual([job.id]);
  });

  it('sends no body for a null payload, and the job\'s body when only headers are overridden', () => {
    expect(attemptRequest({ job, execution: execution({ override: { payload: null } }) }).body).toBeNull();
    expect(attemptRequest({ job, execution: execution({ override: { headers: { 'X-Reason': 'r' } } }) }).body).toBe('{"n":1}');
  });

  it('for any job and override headers, sends each override header once and no job header it replaces', () => {
    // Reserved names are refused when a job or an override is written, so none reach an attempt.
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/).filter((n) => !FORBIDDEN_HEADERS.has(n.toLowerCase()));
    const headers = fc.dictionary(name, fc.stringMatching(/^[ -~]{0,8}$/), { maxKeys: 6 });
    fc.assert(
      fc.property(headers, headers, (jobHeaders, overrideHeaders) => {
        const request = attemptRequest({ job: { ...job, headers: jobHeaders }, execution: execution({ override: { headers: overrideHeaders } }) });
        const sent = headerValues(request);
        const overridden = new Set(Object.keys(overrideHeaders).map((key) => key.toLowerCase()));
        for (const [key, value] of Object.entries(overrideHeaders)) expect(sent.get(key.toLowerCase())).toContain(value);
        for (const [key, value] of Object.entries(jobHeaders)) {
          if (!overridden.has(key.toLowerCase())) expect(sent.get(key.toLowerCase())).toContain(value);
        }
        expect(sent.get('x-job-id')).toEqual([job.id]);
      }),
    );
  });
});

describe('a backfilled attempt', () => {
  it('carries the scheduled occurrence\'s idempotency key', () => {
    expect(idempotencyKey(execution({ trigger: 'backfill' }))).toBe(idempotencyKey(execution({ trigger: 'schedule' })));
    expect(idempotencyKey(execution({ trigger: 'manual' }))).not.toBe(idempotencyKey(execution({ trigger: 'schedule' })));
  });

  it('is withdrawn when its job is paused, inactive or deleted, but not a retry of it', () => {
    const backfilled = execution({ trigger: 'backfill' });
    expect(backfillWithdrawal({ job, execution: backfilled })).toBeNull();
    expect(backfillWithdrawal({ job: { ...job, paused: true }, execution: backfilled })).toContain('paused');
    expect(backfillWithdrawal({ job: { ...job, isActive: false }, execution: backfilled })).toContain('inactive');
    expect(backfillWithdrawal({ job: { ...job, isActive: false, deletedAt: new Date() }, execution: backfilled })).toContain('deleted');
    expect(backfillWithdrawal({ job: { ...job, paused: true }, execution: { ...backfilled, attempt: 2 } })).toBeNull();
    expect(backfillWithdrawal({ job: { ...job, paused: true }, execution: execution({ trigger: 'manual' }) })).toBeNull();
  });
});
