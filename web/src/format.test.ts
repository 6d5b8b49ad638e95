import { describe, expect, it } from 'vitest';
import { formatDuration, formatInOwnOffset, formatLocal, formatPercent, formatRate, formatRelative } from './format.js';

describe('times in the dashboard', () => {
  it('writes a next run in the offset the server gave, with its weekday', () => {
    expect(formatInOwnOffset('2025-05-05T10:15:31+02:00')).toBe('Mon 2025-05-05 10:15:31 +02:00');
    expect(formatInOwnOffset('2025-03-30T01:59:59.000-05:00')).toBe('Sun 2025-03-30 01:59:59 -05:00');
  });

  it('calls a zero offset UTC', () => {
    expect(formatInOwnOffset('2025-01-01T00:00:00Z')).toBe('Wed 2025-01-01 00:00:00 UTC');
    expect(formatInOwnOffset('2025-01-01T00:00:00+00:00')).toBe('Wed 2025-01-01 00:00:00 UTC');
  });

  it('shows text it cannot read as it came', () => {
    expect(formatInOwnOffset('tomorrow')).toBe('tomorrow');
  });

  it('writes other instants in the browser\'s local time', () => {
    expect(formatLocal(new Date(2025, 4, 5, 9, 5, 7))).toBe('2025-05-05 09:05:07');
    expect(formatLocal(null)).toBe('—');
    expect(formatLocal('not a date')).toBe('—');
  });

  it('says how far away an instant is, in the past or the future', () => {
    const now = Date.parse('2025-05-05T10:00:00Z');
    expect(formatRelative('2025-05-05T10:00:04Z', now)).toBe('in 4 s');
    expect(formatRelative('2025-05-05T09:48:00Z', now)).toBe('12 min ago');
    expect(formatRelative('2025-05-05T13:00:00Z', now)).toBe('in 3 h');
    expect(formatRelative('2025-05-01T10:00:00Z', now)).toBe('4 d ago');
    expect(formatRelative('2025-05-05T10:00:00.200Z', now)).toBe('now');
    expect(formatRelative(null, now)).toBe('—');
  });
});

describe('durations, rates and shares', () => {
  it('picks a unit that suits the size', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1250)).toBe('1.25 s');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(-35)).toBe('−35 ms');
    expect(formatDuration(null)).toBe('—');
  });

  it('writes a success rate as a percentage with one decimal at most', () => {
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0.995)).toBe('99.5 %');
    expect(formatPercent(2 / 3)).toBe('66.7 %');
    expect(formatPercent(null)).toBe('—');
  });

  it('writes firings per second with fewer decimals as the rate grows', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.5)).toBe('0.50');
    expect(formatRate(42.26)).toBe('42.3');
    expect(formatRate(12345.6)).toBe('12,346');
  });
});
