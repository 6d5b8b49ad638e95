import type { FieldName } from './fields.js';

/** One comma-separated part of a field, as written. */
export type CronItem =
  /** `*` or `?`. */
  | { readonly kind: 'any' }
  /**
   * `n` (form value), `a-b` and `a-b/n` (range), `*` with a step (star), `a/n` (from: a to the end of the field).
   * Day-of-week keeps 7 as written; it is Sunday.
   */
  | { readonly kind: 'range'; readonly from: number; readonly to: number; readonly step: number; readonly form: 'value' | 'range' | 'star' | 'from' }
  /** Day-of-month `L` (offset 0) and `L-n`. */
  | { readonly kind: 'last'; readonly offset: number }
  /** Day-of-month `nW`: the weekday nearest day n, within the month. */
  | { readonly kind: 'nearest-weekday'; readonly day: number }
  /** Day-of-month `LW`. */
  | { readonly kind: 'last-weekday' }
  /** Day-of-week `nL`: the last such weekday of the month. */
  | { readonly kind: 'last-of-month'; readonly weekday: number }
  /** Day-of-week `n#k`: the k-th such weekday of the month. */
  | { readonly kind: 'nth'; readonly weekday: number; readonly nth: number };

export interface CronField {
  readonly name: FieldName;
  /** The field as written (macros expanded). */
  readonly text: string;
  /** Offset of the field in the expression (0 for fields a macro or a five-field expression supplies). */
  readonly position: number;
  readonly items: readonly CronItem[];
}

export interface CronAst {
  /** second, minute, hour, day-of-month, month, day-of-week. */
  readonly fields: readonly [CronField, CronField, CronField, CronField, CronField, CronField];
}

/** A field that restricts nothing: exactly `*` or `?` (a stepped star is a restriction, as in croner). */
export function isUnrestricted(field: CronField): boolean {
  return field.text === '*' || field.text === '?';
}
