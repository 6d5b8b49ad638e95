/*
 * Array parameters written as PostgreSQL array literals rather than by the driver, which
 * quotes and escapes every element with two regular expressions: ids, numbers and booleans
 * need no quoting at all, text needs one pass, and timestamps travel as epoch milliseconds
 * instead of ISO strings. Done by the driver, this took about 5 of the 8 ms of Node.js time a
 * 1,000-job insert cost, and it is most of what a history write costs the node.
 */

/**
 * Milliseconds since the epoch back to a timestamp, exactly. Interval times a number is
 * computed in floating point, in microseconds: past about year 2255 (2^53 microseconds) one
 * product came back a microsecond off, so 5979-10-29T01:35:36.453Z was stored as .452992.
 * Whole seconds times 1,000,000 stay exact to year 9999, and the milliseconds are small.
 */
export const FROM_MILLIS = (column: string): string =>
  `('epoch'::timestamptz + (${column} / 1000) * interval '1 second' + (${column} % 1000) * interval '1 millisecond')`;

/**
 * A timestamp column as float8 milliseconds since the epoch, the way back of FROM_MILLIS: exact
 * for whole milliseconds, which is all the engine writes, and read by the driver as a number
 * where a timestamp's text is parsed with a regular expression.
 */
export const TO_MILLIS = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

export function millisOrNull(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

export type PlainElement = string | number | boolean | null;

/** For elements whose text has no quote, backslash, comma, brace or blank and is never "NULL". */
export function plainArray<T>(items: readonly T[], pick: (item: T) => PlainElement): string {
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const value = pick(items[i]!);
    parts[i] = value == null ? 'NULL' : String(value);
  }
  return arrayLiteral(parts);
}

const ARRAY_ESCAPED = /["\\]/g;

/**
 * Any text: quoted, with quotes and backslashes escaped, so "NULL" stays a word. A value
 * equal to the one before reuses its quoted form: most columns of a batch repeat.
 */
export function textArray<T>(items: readonly T[], pick: (item: T) => string | null): string {
  const parts = new Array<string>(items.length);
  let previous: string | null = null;
  let quoted = 'NULL';
  for (let i = 0; i < items.length; i++) {
    const value = pick(items[i]!) ?? null;
    if (value !== previous) {
      previous = value;
      quoted = value === null ? 'NULL' : `"${value.replace(ARRAY_ESCAPED, '\\$&')}"`;
    }
    parts[i] = quoted;
  }
  return arrayLiteral(parts);
}

/**
 * The elements in braces as one flat string. Joined after the braces are on the first and
 * last elements, not wrapped around the joined text: wrapping makes a rope that the driver's
 * byte count then copies whole, a second copy of every array of every batch.
 */
function arrayLiteral(parts: string[]): string {
  if (parts.length === 0) return '{}';
  parts[0] = `{${parts[0]}`;
  parts[parts.length - 1] += '}';
  return parts.join(',');
}
