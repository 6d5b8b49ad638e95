/**
 * A deliberately naive reference for the property tests: it checks one instant at a time,
 * reads local time from Intl directly and evaluates the written items one by one, sharing
 * nothing with the engine's search, tables or offset cache. Slow by design.
 */
import type { CronAst, CronField, CronItem } from '../../src/cron/ast.js';

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let found = formats.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, found);
  }
  return found;
}

/** Local wall time of an instant, as milliseconds read as if UTC. */
export function wallOf(zone: string, instant: number): number {
  const fields: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of format(zone).formatToParts(instant)) fields[part.type] = Number(part.value);
  const { year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN, second = NaN } = fields;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, 0);
  return wall.getTime();
}

export function offsetOf(zone: string, instant: number): number {
  return wallOf(zone, instant) - Math.floor(instant / 1000) * 1000;
}

function inItem(item: CronItem, value: number): boolean {
  if (item.kind === 'any') return true;
  if (item.kind !== 'range') return false;
  return value >= item.from && value <= item.to && (value - item.from) % item.step === 0;
}

function inField(field: CronField, value: number): boolean {
  return field.items.some((item) => inItem(item, value));
}

function dayOfMonthMatches(field: CronField, date: Date): boolean {
  const day = date.getUTCDate();
  const length = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  const weekdayOf = (d: number): number => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), d)).getUTCDay();
  return field.items.some((item) => {
    switch (item.kind) {
      case 'last':
        return day === length - item.offset;
      case 'nearest-weekday': {
        if (item.day > length) return false;
        let target = item.day;
        if (weekdayOf(target) === 6) target = target === 1 ? 3 : target - 1;
        else if (weekdayOf(target) === 0) target = target === length ? target - 2 : target + 1;
        return day === target;
      }
      case 'last-weekday': {
        let target = length;
        while (weekdayOf(target) === 0 || weekdayOf(target) === 6) target--;
        return day === target;
      }
      default:
        return inItem(item, day);
    }
  });
}

function dayOfWeekMatches(field: CronField, date: Date): boolean {
  const weekday = date.getUTCDay();
  const day = date.getUTCDate();
  const length = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  return field.items.some((item) => {
    switch (item.kind) {
      case 'last-of-month':
        return weekday === item.weekday && day + 7 > length;
      case 'nth':
        return weekday === item.weekday && Math.ceil(day / 7) === item.nth;
      default:
        return inItem(item, weekday) || (weekday === 0 && inItem(item, 7));
    }
  });
}

/** Whether a wall time (ms read as UTC) satisfies every field. */
export function wallMatches(ast: CronAst, wall: number): boolean {
  const [second, minute, hour, dom, month, dow] = ast.fields;
  const date = new Date(wall);
  if (!inField(second, date.getUTCSeconds()) || !inField(minute, date.getUTCMinutes()) || !inField(hour, date.getUTCHours())) return false;
  if (!inField(month, date.getUTCMonth() + 1)) return false;
  const domFree = dom.text === '*' || dom.text === '?';
  const dowFree = dow.text === '*' || dow.text === '?';
  if (domFree && dowFree) return true;
  if (domFree) return dayOfWeekMatches(dow, date);
  if (dowFree) return dayOfMonthMatches(dom, date);
  return dayOfMonthMatches(dom, date) || dayOfWeekMatches(dow, date);
}

/** Whether the schedule fires at this instant, following the daylight-saving rules of docs/cron.md. */
export function fires(ast: CronAst, zone: string, instant: number): boolean {
  if (instant % 1000 !== 0) return false;
  const offset = offsetOf(zone, instant);
  const wall = instant + offset;
  if (ast.fields[2].text.startsWith('*')) return wallMatches(ast, wall);
  if (wallMatches(ast, wall)) {
    // A repeated wall time fires in its first pass only: is there an earlier instant with this wall time?
    const earlierOffset = offsetOf(zone, instant - 3 * 3_600_000);
    const earlier = wall - earlierOffset;
    return !(earlierOffset > offset && earlier < instant && offsetOf(zone, earlier) === earlierOffset);
  }
  const before = offsetOf(zone, instant - 1000);
  if (before >= offset) return false;
  // The first instant after a spring-forward gap stands for every wall time the gap skipped.
  for (let skipped = instant - 1000 + before + 1000; skipped < wall; skipped += 1000) {
    if (wallMatches(ast, skipped)) return true;
  }
  return false;
}
