import { JobSchedulerError } from '../errors.js';
import type { CronAst, CronField, CronItem } from './ast.js';
import { FIELDS, MACROS, type FieldName, type FieldSpec } from './fields.js';

/** Where the problem is, for error details: the field, the offending text and its offset in the expression. */
export interface CronErrorDetails {
  readonly field: FieldName | 'expression';
  readonly token: string;
  readonly position: number;
  readonly allowed?: string;
}

export function cronError(details: CronErrorDetails, problem: string): JobSchedulerError {
  return new JobSchedulerError('CRON_INVALID', `${details.field}: ${problem}`, { ...details });
}

const DIGITS = /^\d+$/;

/**
 * Parses the text of an expression into fields and items. Checks syntax and ranges;
 * whether the expression can ever fire is checked when it is compiled.
 */
export function parseExpression(expression: string): CronAst {
  if (typeof expression !== 'string') {
    throw cronError({ field: 'expression', token: String(expression), position: 0 }, 'must be a string');
  }
  const trimmed = expression.trim();
  const macro = trimmed.startsWith('@') ? MACROS[trimmed.toLowerCase()] : undefined;
  if (trimmed.startsWith('@') && macro === undefined) {
    throw cronError(
      { field: 'expression', token: trimmed, position: expression.indexOf('@'), allowed: Object.keys(MACROS).join(', ') },
      `unknown macro ${trimmed}; use one of ${Object.keys(MACROS).join(', ')}`,
    );
  }
  const source = macro ?? expression;
  const tokens = [...source.matchAll(/\S+/g)].map((match) => ({ text: match[0], position: macro ? 0 : match.index }));
  if (tokens.length === 5) tokens.unshift({ text: '0', position: 0 });
  if (tokens.length !== 6) {
    throw cronError(
      { field: 'expression', token: trimmed, position: 0, allowed: 'second minute hour day-of-month month day-of-week' },
      `expected 5 or 6 fields (second minute hour day-of-month month day-of-week), got ${tokens.length}`,
    );
  }
  const fields = FIELDS.map((spec, index) => {
    const token = tokens[index] as { text: string; position: number };
    return parseField(spec, token.text, token.position);
  });
  return { fields: fields as unknown as CronAst['fields'] };
}

function parseField(spec: FieldSpec, text: string, position: number): CronField {
  const items: CronItem[] = [];
  let offset = 0;
  for (const part of text.split(',')) {
    items.push(parseItem(spec, part, position + offset));
    offset += part.length + 1;
  }
  return { name: spec.name, text, position, items };
}

function parseItem(spec: FieldSpec, text: string, position: number): CronItem {
  const fail = (problem: string, token = text, at = position): never => {
    throw cronError({ field: spec.name, token, position: at, allowed: spec.allowed }, problem);
  };
  if (text === '') fail('empty list item (two commas in a row, or a comma at an end)');
  if (text === '*') return { kind: 'any' };
  if (text === '?') {
    if (spec.name === 'day-of-month' || spec.name === 'day-of-week') return { kind: 'any' };
    fail('? is allowed only in day-of-month and day-of-week');
  }
  // Names and letters are case-insensitive; only ASCII letters change, so offsets stay valid.
  const upper = text.replace(/[a-z]/g, (letter) => letter.toUpperCase());
  if (spec.name === 'day-of-month') {
    const special = parseDayOfMonthSpecial(upper, fail);
    if (special) return special;
  }
  if (spec.name === 'day-of-week') {
    const special = parseDayOfWeekSpecial(spec, text, position, fail);
    if (special) return special;
  }

  const slash = text.indexOf('/');
  const base = slash < 0 ? text : text.slice(0, slash);
  let step = 1;
  if (slash >= 0) {
    const stepText = text.slice(slash + 1);
    const stepAt = position + slash + 1;
    if (!DIGITS.test(stepText)) fail(`step ${stepText || '(missing)'} is not a number`, stepText, stepAt);
    step = Number(stepText);
    if (step === 0) fail(`step 0 in ${text} must be at least 1`, stepText, stepAt);
    if (step > spec.max) fail(`step ${step} in ${text} is larger than the field's range ${spec.min}-${spec.max}`, stepText, stepAt);
  }
  // A stepped star or an open start runs to the end of the field; for day-of-week that end is Saturday.
  const end = spec.name === 'day-of-week' ? 6 : spec.max;
  if (base === '*') return { kind: 'range', from: spec.min, to: end, step, form: 'star' };
  const dash = base.indexOf('-');
  if (dash < 0) {
    const value = parseValue(spec, base, position, fail);
    if (slash < 0) return { kind: 'range', from: value, to: value, step: 1, form: 'value' };
    return { kind: 'range', from: value, to: Math.max(value, end), step, form: 'from' };
  }
  const from = parseValue(spec, base.slice(0, dash), position, fail);
  const toText = base.slice(dash + 1);
  // SUN at the end of a range means 7, so MON-SUN reads as written.
  const to = spec.name === 'day-of-week' && toText.toUpperCase() === 'SUN' ? 7 : parseValue(spec, toText, position + dash + 1, fail);
  if (from > to) fail(`range ${base} is reversed; write the smaller value first`, base);
  return { kind: 'range', from, to, step, form: 'range' };
}

function parseValue(spec: FieldSpec, text: string, position: number, fail: (problem: string, token?: string, at?: number) => never): number {
  if (DIGITS.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) fail(`${text} is out of range ${spec.min}-${spec.max}`, text, position);
    return value;
  }
  const named = spec.names[text.toUpperCase()];
  if (named !== undefined) return named;
  if (text === '') return fail('a value is missing', text, position);
  const kind = spec.name === 'month' ? `; use 1-12 or JAN-DEC` : spec.name === 'day-of-week' ? '; use 0-7 or SUN-SAT' : `; use ${spec.allowed}`;
  return fail(`${text} is not a valid value${kind}`, text, position);
}

function parseDayOfMonthSpecial(upper: string, fail: (problem: string) => never): CronItem | undefined {
  if (upper === 'L') return { kind: 'last', offset: 0 };
  if (upper === 'LW') return { kind: 'last-weekday' };
  const lastMinus = /^L-(\d+)$/.exec(upper);
  if (lastMinus) {
    const offset = Number(lastMinus[1]);
    if (offset < 1 || offset > 30) fail(`${upper} is out of range; L-n takes n from 1 to 30`);
    return { kind: 'last', offset };
  }
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) fail(`${upper} is out of range; nW takes n from 1 to 31`);
    return { kind: 'nearest-weekday', day };
  }
  return undefined;
}

function parseDayOfWeekSpecial(
  spec: FieldSpec,
  text: string,
  position: number,
  fail: (problem: string, token?: string, at?: number) => never,
): CronItem | undefined {
  const last = /^(\w+)[Ll]$/.exec(text);
  if (last) {
    const weekday = parseValue(spec, last[1] as string, position, fail) % 7;
    return { kind: 'last-of-month', weekday };
  }
  if (text === 'L' || text === 'l') fail('L alone is not allowed in day-of-week; write nL for the last such weekday (5L: last Friday)');
  const hash = text.indexOf('#');
  if (hash < 0) return undefined;
  const weekday = parseValue(spec, text.slice(0, hash), position, fail) % 7;
  const nthText = text.slice(hash + 1);
  if (!DIGITS.test(nthText) || Number(nthText) < 1 || Number(nthText) > 5) {
    fail(`${text} asks for occurrence ${nthText || '(missing)'}; n#k takes k from 1 to 5`);
  }
  return { kind: 'nth', weekday, nth: Number(nthText) };
}
