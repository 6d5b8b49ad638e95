import { isUnrestricted, type CronAst, type CronField, type CronItem } from './ast.js';
import { DAY_LONG_NAMES, MONTH_LONG_NAMES } from './fields.js';

/**
 * Plain-language description, built from the expression as written:
 * "at second 31 of minutes 10 through 15 past hour 1, Monday through Friday".
 */
export function describeCron(ast: CronAst): string {
  const [second, minute, hour, dom, month, dow] = ast.fields;
  const parts = [describeTime(second, minute, hour)];
  const days = [dom, dow].filter((field) => !isUnrestricted(field)).map((field) => (field === dom ? describeDayOfMonth(field) : describeDayOfWeek(field)));
  if (days.length > 0) parts.push(days.join(' or '));
  if (!isUnrestricted(month)) parts.push(`in ${listWithRuns(plainValues(month), (v) => MONTH_LONG_NAMES[v - 1] as string)}`);
  return parts.join(', ');
}

type Phrase = { kind: 'any' | 'every' | 'at'; text: string };

const ORDINALS = ['', 'first', 'second', 'third', 'fourth', 'fifth'];

function join(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** Sorted distinct values of the plain items (numbers, ranges, steps); day-of-week 7 folds to 0. */
function plainValues(field: CronField, wrap = 0): number[] {
  const values = new Set<number>();
  for (const item of field.items) {
    if (item.kind !== 'range') continue;
    for (let v = item.from; v <= item.to; v += item.step) values.add(wrap ? v % wrap : v);
  }
  return [...values].sort((a, b) => a - b);
}

/** "1, 5 and 10 through 15": runs of three or more consecutive values become ranges. */
function listWithRuns(values: readonly number[], name: (value: number) => string = String): string {
  const words: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    if (j - i >= 2) {
      words.push(`${name(values[i] as number)} through ${name(values[j] as number)}`);
      i = j + 1;
    } else {
      words.push(name(values[i] as number));
      i++;
    }
  }
  return join(words);
}

function isSingleValue(field: CronField): boolean {
  const [item] = field.items;
  return field.items.length === 1 && item?.kind === 'range' && item.form === 'value';
}

function valueOf(field: CronField): number {
  const item = field.items[0] as Extract<CronItem, { kind: 'range' }>;
  return item.from;
}

function timePhrase(field: CronField, unit: string): Phrase {
  if (isUnrestricted(field)) return { kind: 'any', text: `every ${unit}` };
  const [item] = field.items;
  if (field.items.length === 1 && item?.kind === 'range' && item.step > 1) {
    const every = `every ${item.step} ${unit}s`;
    if (item.form === 'star') return { kind: 'every', text: every };
    if (item.form === 'from') return { kind: 'every', text: `${every} from ${unit} ${item.from}` };
    return { kind: 'every', text: `${every} from ${unit} ${item.from} through ${item.to}` };
  }
  const values = plainValues(field);
  const plural = values.length > 1 ? 's' : '';
  return { kind: 'at', text: `${unit}${plural} ${listWithRuns(values)}` };
}

const pad = (value: number): string => String(value).padStart(2, '0');

function describeTime(second: CronField, minute: CronField, hour: CronField): string {
  const secondIsZero = isSingleValue(second) && valueOf(second) === 0;
  if (isSingleValue(minute) && (secondIsZero || isSingleValue(second))) {
    const hours = isUnrestricted(hour) ? [] : plainValues(hour);
    const plainHours = hour.items.every((item) => item.kind === 'range' && item.form === 'value');
    if (plainHours && hours.length > 0 && hours.length <= 6) {
      const tail = secondIsZero ? '' : `:${pad(valueOf(second))}`;
      return `at ${join(hours.map((h) => `${pad(h)}:${pad(valueOf(minute))}${tail}`))}`;
    }
    if (secondIsZero && valueOf(minute) === 0) {
      const phrase = timePhrase(hour, 'hour');
      return phrase.kind === 'at' ? `at the start of ${phrase.text}` : phrase.text;
    }
  }
  const phrases: Phrase[] = [];
  if (!secondIsZero) phrases.push(timePhrase(second, 'second'));
  phrases.push(timePhrase(minute, 'minute'), timePhrase(hour, 'hour'));
  const connectors = secondIsZero ? ['past'] : ['of', 'past'];
  let text = phrases[0]?.kind === 'at' ? `at ${phrases[0].text}` : (phrases[0] as Phrase).text;
  for (let i = 1; i < phrases.length; i++) {
    const phrase = phrases[i] as Phrase;
    const previous = phrases[i - 1] as Phrase;
    // "every second" needs no "of every minute"; "at second 31" reads better with it, once.
    if (phrase.kind === 'any' && previous.kind !== 'at') continue;
    text += ` ${connectors[i - 1]} ${phrase.text}`;
  }
  return text;
}

function describeDayOfMonth(field: CronField): string {
  const words: string[] = [];
  const values = plainValues(field);
  if (values.length > 0) words.push(`${values.length > 1 ? 'days' : 'day'} ${listWithRuns(values)}`);
  for (const item of field.items) {
    if (item.kind === 'last') words.push(item.offset === 0 ? 'the last day' : `${item.offset} day${item.offset > 1 ? 's' : ''} before the last day`);
    if (item.kind === 'nearest-weekday') words.push(`the weekday nearest day ${item.day}`);
    if (item.kind === 'last-weekday') words.push('the last weekday');
  }
  return `on ${join(words)} of the month`;
}

function describeDayOfWeek(field: CronField): string {
  const words: string[] = [];
  let values = plainValues(field, 7);
  // Friday through Sunday: let Sunday close the week when the days run across the weekend.
  if (values.includes(0) && values.includes(6) && !values.includes(1)) values = [...values.slice(1), 7];
  if (values.length > 0) words.push(listWithRuns(values, (v) => DAY_LONG_NAMES[v % 7] as string));
  const special: string[] = [];
  for (const item of field.items) {
    if (item.kind === 'last-of-month') special.push(`the last ${DAY_LONG_NAMES[item.weekday]}`);
    if (item.kind === 'nth') special.push(`the ${ORDINALS[item.nth]} ${DAY_LONG_NAMES[item.weekday]}`);
  }
  if (special.length > 0) words.push(`on ${join(special)} of the month`);
  return join(words);
}
