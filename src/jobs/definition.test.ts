import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../errors.js';
import { JOB_LIMITS } from './defaults.js';
import { newJobFromBody, type JobBody } from './definition.js';

const targets = { allowedTargets: [] };
const now = new Date('2026-03-02T08:00:00Z');
const MINIMAL: JobBody = { schedule: '0 30 9 * * *', api: 'http://localhost:4444/foo', type: 'ATLEAST_ONCE' };

function refusal(body: JobBody, prefix?: string): { code: string; property: unknown } | null {
  try {
    newJobFromBody(body, { targets, now, prefix });
    return null;
  } catch (error) {
    if (!isJobSchedulerError(error)) throw error;
    return { code: error.code, property: error.details?.property };
  }
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { inner: value };
  return value;
}

describe('a new job from a create body', () => {
  it('fills in the defaults, the canonical type and the first run after now', () => {
    const job = newJobFromBody(MINIMAL, { targets, now });
    expect(job).toMatchObject({ type: 'AT_LEAST_ONCE', timezone: 'UTC', method: 'POST', paused: false, isActive: true });
    expect(job.nextRunAt).toEqual(new Date('2026-03-02T09:30:00Z'));
  });

  it('gives the jobs of one request ids that sort in the order of the request', () => {
    const ids = Array.from({ length: 1000 }, () => newJobFromBody(MINIMAL, { targets, now }).id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('keeps text with emoji (paired surrogates) and refuses a lone surrogate or NUL, naming the field', () => {
    expect(newJobFromBody({ ...MINIMAL, name: 'rocket 🚀', payload: { '🚀': ['ok 🚀'] } }, { targets, now }).name).toBe('rocket 🚀');
    expect(refusal({ ...MINIMAL, payload: { list: ['fine', 'broken \udc00'] } }, 'jobs[4].')).toEqual({
      code: 'VALIDATION_FAILED',
      property: 'jobs[4].payload.list[1]',
    });
    expect(refusal({ ...MINIMAL, headers: { 'x-a': 'a\u0000b' } })).toEqual({ code: 'VALIDATION_FAILED', property: 'headers.x-a' });
  });

  it('accepts a payload nested to the limit and refuses one nested deeper, naming the field', () => {
    expect(refusal({ ...MINIMAL, payload: nested(JOB_LIMITS.payloadDepth) as JobBody['payload'] })).toBeNull();
    expect(refusal({ ...MINIMAL, payload: nested(JOB_LIMITS.payloadDepth + 1) as JobBody['payload'] }, 'jobs[2].')).toEqual({
      code: 'VALIDATION_FAILED',
      property: 'jobs[2].payload',
    });
  });
});
