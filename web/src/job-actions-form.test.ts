import { describe, expect, it } from 'vitest';
import { buildBackfill, buildRunOverride } from './job-actions-form.js';

describe('the run-with-overrides form', () => {
  it('sends only what was filled in, so an empty form is a plain run', () => {
    expect(buildRunOverride({ payload: '', headers: '' })).toEqual({ body: {}, errors: {} });
    expect(buildRunOverride({ payload: '{"n": 2}', headers: 'X-Reason: replay\n\nX-Tenant: b' })).toEqual({
      body: { payload: { n: 2 }, headers: { 'X-Reason': 'replay', 'X-Tenant': 'b' } },
      errors: {},
    });
  });

  it('keeps null as a payload (send no body) and names the field of a mistake', () => {
    expect(buildRunOverride({ payload: 'null', headers: '' }).body).toEqual({ payload: null });
    expect(buildRunOverride({ payload: '{oops', headers: 'no colon' }).errors).toEqual({
      payload: 'Not valid JSON (write null to send no body).',
      headers: 'Line 1: write each header as "Name: value".',
    });
  });
});

describe('the backfill form', () => {
  it('turns the browser-time range into instants and leaves defaults to the server', () => {
    const { body, errors } = buildBackfill({ from: '2026-03-01T00:00:00', to: '2026-03-02T00:00:00', intervalMs: '', maxOccurrences: '' });
    expect(errors).toEqual({});
    expect(body).toEqual({ from: new Date('2026-03-01T00:00:00').toISOString(), to: new Date('2026-03-02T00:00:00').toISOString() });
    expect(buildBackfill({ from: '2026-03-01T00:00:00', to: '2026-03-02T00:00:00', intervalMs: '250', maxOccurrences: '10' }).body).toMatchObject({
      intervalMs: 250,
      maxOccurrences: 10,
    });
  });

  it('names each field that is missing, reversed or out of its limits', () => {
    expect(buildBackfill({ from: '', to: '', intervalMs: '', maxOccurrences: '' }).errors).toMatchObject({ from: expect.any(String), to: expect.any(String) });
    expect(buildBackfill({ from: '2026-03-02T00:00:00', to: '2026-03-01T00:00:00', intervalMs: '', maxOccurrences: '' }).errors).toEqual({
      to: 'The end must come after the start.',
    });
    const limits = buildBackfill({ from: '2026-03-01T00:00:00', to: '2026-03-02T00:00:00', intervalMs: '5', maxOccurrences: '10001' });
    expect(limits.body).toBeNull();
    expect(limits.errors).toEqual({ intervalMs: 'A whole number of ms from 10 to 3600000.', maxOccurrences: 'A whole number from 1 to 10000.' });
  });
});
