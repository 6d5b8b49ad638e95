import { civilFromDays, daysFromCivil, DAY_MS, LAST_YEAR, MAX_INSTANT, MIN_INSTANT, SECOND_MS } from './calendar.js';
import type { CompiledCron } from './compile.js';
import type { ZoneRules } from './zone.js';

/** How far the search looks before answering "never" (an expression that can fire does so within 28 years). */
const SEARCH_YEARS = 400;

function lowestBitFrom(mask: number, from: number): number {
  if (from > 31) return -1;
  const candidates = mask & (-1 << from);
  return candidates === 0 ? -1 : 31 - Math.clz32(candidates & -candidates);
}

/**
 * The first local wall time at or after `fromWall` that matches, jumping field by field
 * (month, day, hour, minute, second) instead of stepping. Wall times are milliseconds read
 * as if UTC, whole seconds. NaN when nothing matches within the search horizon.
 */
export function nextWall(cron: CompiledCron, fromWall: number): number {
  const days = Math.floor(fromWall / DAY_MS);
  let secondOfDay = Math.floor((fromWall - days * DAY_MS) / SECOND_MS);
  let hour = Math.floor(secondOfDay / 3600);
  secondOfDay -= hour * 3600;
  let minute = Math.floor(secondOfDay / 60);
  let second = secondOfDay - minute * 60;
  let { year, month, day } = civilFromDays(days);
  const lastYear = Math.min(year + SEARCH_YEARS, LAST_YEAR);
  if (year > lastYear) return NaN;
  for (;;) {
    const nextMonth = cron.nextMonth[month] as number;
    if (nextMonth !== month) {
      if (nextMonth < 0) {
        year++;
        if (year > lastYear) return NaN;
        month = cron.nextMonth[1] as number;
      } else {
        month = nextMonth;
      }
      day = 1;
      hour = minute = second = 0;
    }
    const nextDay = lowestBitFrom(cron.dayMask(year, month), day);
    if (nextDay < 0) {
      month++;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    if (nextDay !== day) {
      day = nextDay;
      hour = minute = second = 0;
    }
    const nextHour = cron.nextHour[hour] as number;
    if (nextHour < 0) {
      day++;
      hour = minute = second = 0;
      continue;
    }
    if (nextHour !== hour) {
      hour = nextHour;
      minute = second = 0;
    }
    const nextMinute = cron.nextMinute[minute] as number;
    if (nextMinute < 0) {
      hour++;
      minute = second = 0;
      continue;
    }
    if (nextMinute !== minute) {
      minute = nextMinute;
      second = 0;
    }
    const nextSecond = cron.nextSecond[second] as number;
    if (nextSecond < 0) {
      minute++;
      second = 0;
      continue;
    }
    return daysFromCivil(year, month, day) * DAY_MS + (hour * 3600 + minute * 60 + nextSecond) * SECOND_MS;
  }
}

/**
 * The first firing strictly after `after` (ms), or NaN.
 *
 * A job that follows real time fires at every instant whose wall time matches, so within one
 * offset regime the answer is the next matching wall time shifted back by the offset, and past the
 * regime's end the search restarts in the next one. Any other job maps each matching wall time to a
 * single instant (ZoneRules.instantOf: first pass of a repeated hour, end of a skipped one); that
 * mapping never goes backwards, so the answer is the first matching wall time whose instant is late enough.
 */
export function nextFiring(cron: CompiledCron, zone: ZoneRules, after: number): number {
  if (after >= MAX_INSTANT) return NaN;
  const from = Math.max(Math.floor(after / SECOND_MS) * SECOND_MS + SECOND_MS, MIN_INSTANT);
  const fixed = zone.fixedOffset;
  if (fixed !== undefined) return nextWall(cron, from + fixed) - fixed;
  if (cron.followsRealTime) {
    let at = from;
    for (;;) {
      const regime = zone.regimeAt(at);
      const wall = nextWall(cron, at + regime.offset);
      if (Number.isNaN(wall)) return NaN;
      const instant = wall - regime.offset;
      if (instant < regime.end) return instant;
      at = regime.end;
    }
  }
  // No wall time earlier than this maps to an instant at or after `from` (the lower offset of the
  // two seconds around `from` reaches back into a gap that ends exactly at `from`).
  let wallFrom = from + Math.min(zone.offsetAt(from), zone.offsetAt(from - SECOND_MS));
  for (;;) {
    const wall = nextWall(cron, wallFrom);
    if (Number.isNaN(wall)) return NaN;
    const instant = zone.instantOf(wall);
    if (instant >= from) return instant;
    // `wall` repeats in a fall-back whose first pass is over: skip to the end of the repeated wall times.
    const regime = zone.regimeAt(from);
    wallFrom = Math.max(wall + SECOND_MS, regime.start + regime.previousOffset);
  }
}
