import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInZone, isValidTimezone } from '../../src/cron/index.js';

describe('formatInZone', () => {
  it('writes RFC 3339 with the offset in force at that instant', () => {
    expect(formatInZone(new Date('2026-03-08T06:59:59Z'), 'America/New_York')).toBe('2026-03-08T01:59:59-05:00');
    expect(formatInZone(new Date('2026-03-08T07:00:00Z'), 'America/New_York')).toBe('2026-03-08T03:00:00-04:00');
    expect(formatInZone(new Date('2026-01-01T00:00:00Z'), 'Europe/London')).toBe('2026-01-01T00:00:00+00:00');
    expect(formatInZone(new Date('2026-01-01T00:00:00Z'), 'America/St_Johns')).toBe('2025-12-31T20:30:00-03:30');
    expect(formatInZone(new Date('2026-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBe('2026-01-01T05:45:00+05:45');
    expect(formatInZone(new Date('2026-01-01T00:00:00Z'), 'Pacific/Chatham')).toBe('2026-01-01T13:45:00+13:45');
    expect(formatInZone(new Date('2026-01-01T00:00:00Z'), 'Etc/GMT+5')).toBe('2025-12-31T19:00:00-05:00');
  });

  it('writes UTC with Z and adds milliseconds only when there are some', () => {
    expect(formatInZone(new Date('2026-01-01T00:00:00Z'), 'UTC')).toBe('2026-01-01T00:00:00Z');
    expect(formatInZone(new Date('2026-01-01T00:00:00.250Z'), 'UTC')).toBe('2026-01-01T00:00:00.250Z');
    expect(formatInZone(new Date('2026-01-01T00:00:00.007Z'), 'Asia/Tokyo')).toBe('2026-01-01T09:00:00.007+09:00');
  });

  it('always denotes exactly the instant it was given, in any zone and year', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'Asia/Kolkata', 'America/Sao_Paulo'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(1890, 0, 1), max: Date.UTC(2100, 0, 1) }), (zone, ms) => {
        expect(Date.parse(formatInZone(new Date(ms), zone))).toBe(ms);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an unknown zone', () => {
    expect(() => formatInZone(new Date(), 'Mars/Olympus_Mons')).toThrow(expect.objectContaining({ code: 'TIMEZONE_INVALID' }));
  });
});

describe('isValidTimezone', () => {
  it('accepts IANA zone names and refuses anything else', () => {
    expect(isValidTimezone('Europe/Paris')).toBe(true);
    expect(isValidTimezone('UTC')).toBe(true);
    expect(isValidTimezone('Australia/Lord_Howe')).toBe(true);
    expect(isValidTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimezone('')).toBe(false);
    expect(isValidTimezone(' UTC')).toBe(false);
  });
});
