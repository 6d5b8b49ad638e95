import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../src/cron/parse.js';
import { parseCron, type CronSchedule } from '../../src/cron/index.js';
import { fires } from './oracle.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu'] as const;

/** Daylight-saving changes of 2026 (UTC), so that many start instants land right beside one. */
const CHANGES: Record<(typeof ZONES)[number], readonly string[]> = {
  UTC: ['2026-06-01T00:00:00Z'],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  'Europe/London': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'Pacific/Chatham': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
  'Asia/Kathmandu': ['1985-12-31T18:30:00Z'],
};

const HOUR = 3_600_000;

function item(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  const step = fc.integer({ min: 1, max: Math.min(max, 30) });
  const ordered = fc.tuple(value, value).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  return fc.oneof(
    value.map(String),
    ordered.map(([a, b]) => `${a}-${b}`),
    fc.tuple(ordered, step).map(([[a, b], s]) => `${a}-${b}/${s}`),
    step.map((s) => `*/${s}`),
    fc.tuple(value, step).map(([a, s]) => `${a}/${s}`),
  );
}

function field(min: number, max: number, extras: fc.Arbitrary<string>[] = [], starWeight = 3): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: starWeight, arbitrary: fc.constant('*') },
    { weight: 4, arbitrary: fc.array(item(min, max), { minLength: 1, maxLength: 3 }).map((items) => items.join(',')) },
    ...extras.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

const weekday = fc.integer({ min: 0, max: 7 });
const expressionArbitrary = fc
  .tuple(
    field(0, 59, [], 4),
    field(0, 59, [], 4),
    field(0, 23, [], 4),
    field(1, 31, [
      fc.constant('L'),
      fc.constant('LW'),
      fc.constant('?'),
      fc.integer({ min: 1, max: 30 }).map((n) => `L-${n}`),
      fc.integer({ min: 1, max: 31 }).map((n) => `${n}W`),
    ], 6),
    field(1, 12, [fc.constantFrom('JAN', 'feb', 'Mar', 'JUN-AUG', 'NOV,DEC')], 8),
    field(0, 7, [
      fc.constant('?'),
      fc.constantFrom('MON-FRI', 'sat,SUN', 'TUE'),
      weekday.map((d) => `${d}L`),
      fc.tuple(weekday, fc.integer({ min: 1, max: 5 })).map(([d, k]) => `${d}#${k}`),
    ], 6),
  )
  .map((fields) => fields.join(' '))
  .filter((expression) => {
    try {
      parseCron(expression);
      return true;
    } catch {
      return false;
    }
  });

const caseArbitrary = fc
  .tuple(expressionArbitrary, fc.constantFrom(...ZONES), fc.boolean(), fc.integer({ min: 0, max: 1 }), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), fc.integer({ min: Date.UTC(2025, 5, 1), max: Date.UTC(2027, 5, 1) }))
  .map(([expression, zone, nearChange, which, shift, anywhere]) => {
    const changes = CHANGES[zone];
    const change = Date.parse(changes[which % changes.length] as string);
    return { expression, zone, after: nearChange ? change + shift : anywhere };
  });

function scheduleOf(expression: string, zone: string): CronSchedule {
  return parseCron(expression, { timezone: zone });
}

describe('properties of next() over random expressions, zones and start instants', () => {
  it('next(t) is strictly after t and is a firing the reference agrees with', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ expression, zone, after }) => {
        const schedule = scheduleOf(expression, zone);
        const next = schedule.next(new Date(after));
        expect(next).not.toBeNull();
        const at = (next as Date).getTime();
        expect(at).toBeGreaterThan(after);
        expect(fires(parseExpression(expression), zone, at)).toBe(true);
        expect(schedule.matches(next as Date)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('no second between t and next(t) fires (checked one second at a time over the first hour)', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(caseArbitrary, ({ expression, zone, after }) => {
        const ast = parseExpression(expression);
        const next = (scheduleOf(expression, zone).next(new Date(after)) as Date).getTime();
        const until = Math.min(next, after + HOUR);
        for (let at = Math.floor(after / 1000) * 1000 + 1000; at < until; at += 1000) {
          if (fires(ast, zone, at)) throw new Error(`${expression} in ${zone} fires at ${new Date(at).toISOString()}, before next() = ${new Date(next).toISOString()}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('matches() agrees with the reference at arbitrary seconds', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.integer({ min: 0, max: 7200 }), ({ expression, zone, after }, seconds) => {
        const at = Math.floor(after / 1000) * 1000 + seconds * 1000;
        expect(scheduleOf(expression, zone).matches(new Date(at))).toBe(fires(parseExpression(expression), zone, at));
      }),
      { numRuns: 1000 },
    );
  });

  it('nextRuns() is the chain of next() and strictly increasing', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ expression, zone, after }) => {
        const schedule = scheduleOf(expression, zone);
        const runs = schedule.nextRuns(5, new Date(after));
        let previous = new Date(after);
        for (const run of runs) {
          expect(run.getTime()).toBe(schedule.next(previous)?.getTime());
          expect(run.getTime()).toBeGreaterThan(previous.getTime());
          previous = run;
        }
      }),
      { numRuns: 200 },
    );
  });
});
