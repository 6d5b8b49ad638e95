/** The six fields of an expression, in order, with their ranges and names. */

export type FieldName = 'second' | 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week';

export interface FieldSpec {
  readonly name: FieldName;
  readonly min: number;
  readonly max: number;
  /** Upper-case names accepted in place of numbers, mapped to their value. */
  readonly names: Readonly<Record<string, number>>;
  /** What the field accepts, quoted in error messages. */
  readonly allowed: string;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function namesFrom(list: readonly string[], first: number): Record<string, number> {
  return Object.fromEntries(list.map((name, index) => [name, index + first]));
}

export const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59, names: {}, allowed: '0-59' },
  { name: 'minute', min: 0, max: 59, names: {}, allowed: '0-59' },
  { name: 'hour', min: 0, max: 23, names: {}, allowed: '0-23' },
  { name: 'day-of-month', min: 1, max: 31, names: {}, allowed: '1-31, L, L-n, nW, LW or ?' },
  { name: 'month', min: 1, max: 12, names: namesFrom(MONTH_NAMES, 1), allowed: '1-12 or JAN-DEC' },
  {
    name: 'day-of-week',
    min: 0,
    max: 7,
    names: namesFrom(DAY_NAMES, 0),
    allowed: '0-7 or SUN-SAT (0 and 7 are Sunday), nL, n#k (k 1-5) or ?',
  },
];

export const MONTH_LONG_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
export const DAY_LONG_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Macros and the six-field expressions they stand for. */
export const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};
