import { parseHeaders } from './job-form.js';
import type { BackfillInput, RunOverride } from './types.js';

/** What the run-now and backfill forms hold: text as typed. */
export interface RunFormValues {
  /** JSON; empty: the job's own payload. */
  payload: string;
  /** "Name: value" lines; empty: the job's own headers only. */
  headers: string;
}

export interface BackfillFormValues {
  /** datetime-local text, read in the browser's zone. */
  from: string;
  to: string;
  intervalMs: string;
  maxOccurrences: string;
}

export type FormErrors<T> = Partial<Record<keyof T, string>>;

/** The body of POST /run: only what the person changed, so an empty form is a plain run. */
export function buildRunOverride(values: RunFormValues): { body: RunOverride; errors: FormErrors<RunFormValues> } {
  const errors: FormErrors<RunFormValues> = {};
  const body: { payload?: unknown; headers?: Record<string, string> } = {};
  if (values.payload.trim() !== '') {
    try {
      body.payload = JSON.parse(values.payload) as unknown;
    } catch {
      errors.payload = 'Not valid JSON (write null to send no body).';
    }
  }
  const headers = parseHeaders(values.headers);
  if (typeof headers === 'string') errors.headers = headers;
  else if (Object.keys(headers).length > 0) body.headers = headers;
  return { body, errors };
}

function instant(text: string): string | null {
  const date = new Date(text);
  return text === '' || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function optionalWhole(text: string, min: number, max: number): number | null | undefined {
  if (text.trim() === '') return undefined;
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : null;
}

/** Limits of a backfill request, as the server documents them. */
export const BACKFILL_FORM_LIMITS = { intervalMs: { min: 10, max: 3_600_000 }, maxOccurrences: { min: 1, max: 10_000 } } as const;

/** The body of POST /backfill; the server checks everything again (the range against the schedule, now). */
export function buildBackfill(values: BackfillFormValues): { body: BackfillInput | null; errors: FormErrors<BackfillFormValues> } {
  const errors: FormErrors<BackfillFormValues> = {};
  const from = instant(values.from);
  const to = instant(values.to);
  if (from === null) errors.from = 'Pick the first instant to cover.';
  if (to === null) errors.to = 'Pick the end of the range (not included).';
  else if (from !== null && to <= from) errors.to = 'The end must come after the start.';
  const { intervalMs: interval, maxOccurrences: max } = BACKFILL_FORM_LIMITS;
  const intervalMs = optionalWhole(values.intervalMs, interval.min, interval.max);
  if (intervalMs === null) errors.intervalMs = `A whole number of ms from ${interval.min} to ${interval.max}.`;
  const maxOccurrences = optionalWhole(values.maxOccurrences, max.min, max.max);
  if (maxOccurrences === null) errors.maxOccurrences = `A whole number from ${max.min} to ${max.max}.`;
  if (Object.keys(errors).length > 0 || from === null || to === null) return { body: null, errors };
  return {
    body: { from, to, ...(intervalMs != null ? { intervalMs } : {}), ...(maxOccurrences != null ? { maxOccurrences } : {}) },
    errors,
  };
}
