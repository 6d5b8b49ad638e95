import { isUnrestricted, type CronAst, type CronField } from './ast.js';
import { daysFromCivil, daysInMonth, maxDaysInMonth, weekdayOfDays } from './calendar.js';
import { MONTH_LONG_NAMES } from './fields.js';
import { cronError } from './parse.js';

/**
 * An expression turned into lookup tables for the search. `next*[v]` is the smallest
 * allowed value >= v, or -1 past the last one (each table has one sentinel slot at the end).
 */
export interface CompiledCron {
  readonly nextSecond: Int8Array;
  readonly nextMinute: Int8Array;
  readonly nextHour: Int8Array;
  readonly nextMonth: Int8Array;
  /** Days of the month (bits 1-31) that fire in a given month. */
  dayMask(year: number, month: number): number;
  /** The hour field begins with `*`: the job follows real time across daylight-saving changes. */
  readonly followsRealTime: boolean;
}

/** Plain values a field allows, modulo `wrap` (7 folds day-of-week 7 onto Sunday). */
function fieldValues(field: CronField, min: number, max: number, wrap = 0): boolean[] {
  const allowed = new Array<boolean>(max + 1).fill(false);
  for (const item of field.items) {
    if (item.kind === 'any') {
      for (let v = min; v <= max; v++) allowed[v] = true;
    } else if (item.kind === 'range') {
      for (let v = item.from; v <= item.to; v += item.step) allowed[wrap ? v % wrap : v] = true;
    }
  }
  return allowed;
}

function nextTable(allowed: readonly boolean[]): Int8Array {
  const table = new Int8Array(allowed.length + 1).fill(-1);
  for (let v = allowed.length - 1; v >= 0; v--) table[v] = allowed[v] ? v : (table[v + 1] as number);
  return table;
}

function bitsOf(allowed: readonly boolean[]): number {
  let bits = 0;
  allowed.forEach((on, value) => {
    if (on) bits |= 1 << value;
  });
  return bits;
}

/** Bits 1..n set. */
function monthBits(n: number): number {
  return n === 31 ? 0xfffffffe | 0 : (1 << (n + 1)) - 2;
}

interface DayRules {
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  readonly domBits: number;
  /** n of each L-n (L is 0). */
  readonly lastOffsets: readonly number[];
  readonly nearestWeekdays: readonly number[];
  readonly lastWeekday: boolean;
  readonly dowBits: number;
  readonly lastOfMonthBits: number;
  readonly nth: readonly { weekday: number; nth: number }[];
}

function dayRules(ast: CronAst): DayRules {
  const [, , , dom, , dow] = ast.fields;
  return {
    domRestricted: !isUnrestricted(dom),
    dowRestricted: !isUnrestricted(dow),
    domBits: bitsOf(fieldValues(dom, 1, 31)),
    lastOffsets: dom.items.flatMap((item) => (item.kind === 'last' ? [item.offset] : [])),
    nearestWeekdays: dom.items.flatMap((item) => (item.kind === 'nearest-weekday' ? [item.day] : [])),
    lastWeekday: dom.items.some((item) => item.kind === 'last-weekday'),
    dowBits: bitsOf(fieldValues(dow, 0, 6, 7)),
    lastOfMonthBits: dow.items.reduce((bits, item) => (item.kind === 'last-of-month' ? bits | (1 << item.weekday) : bits), 0),
    nth: dow.items.flatMap((item) => (item.kind === 'nth' ? [{ weekday: item.weekday, nth: item.nth }] : [])),
  };
}

/** The weekday nearest `day` without leaving the month (Saturday the 1st moves to Monday the 3rd). */
function nearestWeekday(day: number, length: number, weekdayOfFirst: number): number {
  const weekday = (weekdayOfFirst + day - 1) % 7;
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === length ? day - 2 : day + 1;
  return day;
}

function domMask(rules: DayRules, length: number, weekdayOfFirst: number): number {
  let mask = rules.domBits;
  for (const offset of rules.lastOffsets) if (length - offset >= 1) mask |= 1 << (length - offset);
  for (const day of rules.nearestWeekdays) if (day <= length) mask |= 1 << nearestWeekday(day, length, weekdayOfFirst);
  if (rules.lastWeekday) {
    const weekdayOfLast = (weekdayOfFirst + length - 1) % 7;
    mask |= 1 << (weekdayOfLast === 6 ? length - 1 : weekdayOfLast === 0 ? length - 2 : length);
  }
  return mask;
}

function dowMask(rules: DayRules, length: number, weekdayOfFirst: number): number {
  let mask = 0;
  for (let day = 1; day <= length; day++) {
    if (rules.dowBits & (1 << ((weekdayOfFirst + day - 1) % 7))) mask |= 1 << day;
  }
  if (rules.lastOfMonthBits) {
    // The last seven days of a month hold exactly one of each weekday.
    for (let day = length - 6; day <= length; day++) {
      if (rules.lastOfMonthBits & (1 << ((weekdayOfFirst + day - 1) % 7))) mask |= 1 << day;
    }
  }
  for (const { weekday, nth } of rules.nth) {
    const day = 1 + ((weekday - weekdayOfFirst + 7) % 7) + 7 * (nth - 1);
    if (day <= length) mask |= 1 << day;
  }
  return mask;
}

/** Rejects an expression whose days of month never occur in its months, such as 30 February. */
function assertCanFire(ast: CronAst, rules: DayRules, months: readonly boolean[]): void {
  if (!rules.domRestricted || rules.dowRestricted) return;
  const possible = months.some((on, month) => {
    if (!on) return false;
    const longest = maxDaysInMonth(month);
    return (
      (rules.domBits & monthBits(longest)) !== 0 ||
      rules.lastOffsets.some((offset) => offset < longest) ||
      rules.nearestWeekdays.some((day) => day <= longest) ||
      rules.lastWeekday
    );
  });
  if (possible) return;
  const dom = ast.fields[3];
  const names = months.flatMap((on, month) => (on ? [MONTH_LONG_NAMES[month - 1] as string] : []));
  throw cronError(
    { field: 'day-of-month', token: dom.text, position: dom.position, allowed: 'a day that exists in the chosen months' },
    `${dom.text} never occurs in ${names.join(', ')}, so the expression would never fire`,
  );
}

export function compile(ast: CronAst): CompiledCron {
  const [second, minute, hour, , month] = ast.fields;
  const months = fieldValues(month, 1, 12);
  const rules = dayRules(ast);
  assertCanFire(ast, rules, months);

  const plainDays = !rules.dowRestricted && rules.lastOffsets.length === 0 && rules.nearestWeekdays.length === 0 && !rules.lastWeekday;
  let cachedKey = -1;
  let cachedMask = 0;
  const dayMask = (year: number, monthNumber: number): number => {
    const length = daysInMonth(year, monthNumber);
    if (!rules.domRestricted && !rules.dowRestricted) return monthBits(length);
    if (plainDays) return rules.domBits & monthBits(length);
    const key = year * 16 + monthNumber;
    if (key === cachedKey) return cachedMask;
    const weekdayOfFirst = weekdayOfDays(daysFromCivil(year, monthNumber, 1));
    let mask = 0;
    if (rules.domRestricted) mask |= domMask(rules, length, weekdayOfFirst);
    if (rules.dowRestricted) mask |= dowMask(rules, length, weekdayOfFirst);
    cachedKey = key;
    cachedMask = mask & monthBits(length);
    return cachedMask;
  };

  return {
    nextSecond: nextTable(fieldValues(second, 0, 59)),
    nextMinute: nextTable(fieldValues(minute, 0, 59)),
    nextHour: nextTable(fieldValues(hour, 0, 23)),
    nextMonth: nextTable(months),
    dayMask,
    followsRealTime: hour.text.startsWith('*'),
  };
}
