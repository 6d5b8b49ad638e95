/**
 * Proleptic Gregorian calendar arithmetic on whole days since 1970-01-01, without Date
 * objects: the search runs these on every step, so they stay allocation-free.
 * Algorithms after Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms".
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Days since 1970-01-01 of a civil date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date (month 1-12) of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month] as number);
}

/** The most days a month can ever have (February counts 29). */
export function maxDaysInMonth(month: number): number {
  return month === 2 ? 29 : (MONTH_DAYS[month] as number);
}

/** Day of week of a day count, 0 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  const w = (days + 4) % 7;
  return w < 0 ? w + 7 : w;
}

/**
 * The engine works on years 1 to 9999, the years RFC 3339 can write. Instants are kept a day
 * inside those years so that local time in any zone stays inside them too.
 */
export const FIRST_YEAR = 1;
export const LAST_YEAR = 9999;
export const MIN_INSTANT = daysFromCivil(FIRST_YEAR, 1, 2) * DAY_MS;
export const MAX_INSTANT = daysFromCivil(LAST_YEAR, 12, 31) * DAY_MS;
