import type { DeliveryGuarantee, HttpMethod, Job, JobInput, JsonValue, MisfirePolicy, OverlapPolicy } from './types.js';

/**
 * The create/edit form's state (what the inputs hold, all text) and its translation to and
 * from the API's job. Pure, so the rules are tested without a browser.
 */
export interface FormValues {
  name: string;
  description: string;
  kind: 'recurring' | 'once';
  schedule: string;
  /** datetime-local text, read in the browser's zone. */
  runAt: string;
  timezone: string;
  api: string;
  method: HttpMethod;
  /** One "Name: value" per line. */
  headers: string;
  /** JSON text; empty for no payload. */
  payload: string;
  type: DeliveryGuarantee;
  timeoutMs: string;
  maxAttempts: string;
  minBackoffMs: string;
  maxBackoffMs: string;
  misfirePolicy: MisfirePolicy;
  overlapPolicy: OverlapPolicy;
  onFailure: string;
  /** Empty: never pause. */
  pauseAfterFailures: string;
  /** datetime-local text, read in the browser's zone; empty: unbounded (recurring jobs only). */
  startAt: string;
  endAt: string;
  /** Empty: no limit (recurring jobs only). */
  maxRuns: string;
  jitterMs: string;
}

export type FieldErrors = Partial<Record<keyof FormValues, string>>;

export const defaultValues: FormValues = {
  name: '',
  description: '',
  kind: 'recurring',
  schedule: '0 */5 * * * *',
  runAt: '',
  timezone: 'UTC',
  api: '',
  method: 'POST',
  headers: '',
  payload: '',
  type: 'AT_LEAST_ONCE',
  timeoutMs: '10000',
  maxAttempts: '3',
  minBackoffMs: '1000',
  maxBackoffMs: '60000',
  misfirePolicy: 'skip',
  overlapPolicy: 'allow',
  onFailure: '',
  pauseAfterFailures: '',
  startAt: '',
  endAt: '',
  maxRuns: '',
  jitterMs: '0',
};

const pad = (value: number): string => String(value).padStart(2, '0');

/** An instant as the value of a datetime-local input in the browser's zone. */
export function toLocalInput(value: string | null): string {
  if (value === null) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function valuesFromJob(job: Job): FormValues {
  return {
    name: job.name ?? '',
    description: job.description ?? '',
    kind: job.schedule !== null ? 'recurring' : 'once',
    schedule: job.schedule ?? defaultValues.schedule,
    runAt: toLocalInput(job.runAt),
    timezone: job.timezone,
    api: job.api,
    method: job.method,
    headers: Object.entries(job.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    payload: job.payload === null ? '' : JSON.stringify(job.payload, null, 2),
    type: job.type,
    timeoutMs: String(job.timeoutMs),
    maxAttempts: String(job.retry.maxAttempts),
    minBackoffMs: String(job.retry.minBackoffMs),
    maxBackoffMs: String(job.retry.maxBackoffMs),
    misfirePolicy: job.misfirePolicy,
    overlapPolicy: job.overlapPolicy,
    onFailure: job.onFailure ?? '',
    pauseAfterFailures: job.pauseAfterFailures == null ? '' : String(job.pauseAfterFailures),
    startAt: toLocalInput(job.startAt ?? null),
    endAt: toLocalInput(job.endAt ?? null),
    maxRuns: job.maxRuns == null ? '' : String(job.maxRuns),
    jitterMs: String(job.jitterMs),
  };
}

export function parseHeaders(text: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `Line ${index + 1}: write each header as "Name: value".`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The API's bound; the gap between occurrences bounds it further, checked by the server. */
const MAX_JITTER_MS = 86_400_000;

function wholeNumber(text: string, min: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= min ? value : null;
}

/**
 * Checks what the browser can check and builds the full job the form describes. The
 * server checks everything again (and the schedule is checked live through the preview).
 */
export function buildJob(values: FormValues): { input: JobInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (values.kind === 'recurring' && values.schedule.trim() === '') errors.schedule = 'Enter a cron expression.';
  let runAt: string | null = null;
  if (values.kind === 'once') {
    const date = new Date(values.runAt);
    if (values.runAt === '' || Number.isNaN(date.getTime())) errors.runAt = 'Pick the date and time to run at.';
    else runAt = date.toISOString();
  }
  if (values.timezone.trim() === '') errors.timezone = 'Enter an IANA time zone such as Europe/Paris.';
  if (!isHttpUrl(values.api.trim())) errors.api = 'Enter an http:// or https:// URL.';
  if (values.onFailure.trim() !== '' && !isHttpUrl(values.onFailure.trim())) errors.onFailure = 'Enter an http:// or https:// URL, or leave empty.';
  const headers = parseHeaders(values.headers);
  if (typeof headers === 'string') errors.headers = headers;
  let payload: JsonValue | null = null;
  if (values.payload.trim() !== '') {
    try {
      payload = JSON.parse(values.payload) as JsonValue;
    } catch (error) {
      errors.payload = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const timeoutMs = wholeNumber(values.timeoutMs, 1);
  if (timeoutMs === null) errors.timeoutMs = 'A whole number of milliseconds, at least 1.';
  const maxAttempts = wholeNumber(values.maxAttempts, 1);
  if (maxAttempts === null) errors.maxAttempts = 'A whole number, at least 1.';
  const minBackoffMs = wholeNumber(values.minBackoffMs, 0);
  if (minBackoffMs === null) errors.minBackoffMs = 'A whole number of milliseconds.';
  const maxBackoffMs = wholeNumber(values.maxBackoffMs, 0);
  if (maxBackoffMs === null) errors.maxBackoffMs = 'A whole number of milliseconds.';
  else if (minBackoffMs !== null && maxBackoffMs < minBackoffMs) errors.maxBackoffMs = 'At least the minimum backoff.';
  const jitterMs = wholeNumber(values.jitterMs, 0);
  if (jitterMs === null || jitterMs > MAX_JITTER_MS) errors.jitterMs = 'A whole number of milliseconds, 0 to 86400000.';

  const pauseAfterFailures = optionalNumber(values.pauseAfterFailures);
  if (pauseAfterFailures === undefined) errors.pauseAfterFailures = 'A whole number, at least 1, or empty to never pause.';
  const recurring = values.kind === 'recurring';
  const maxRuns = recurring ? optionalNumber(values.maxRuns) : null;
  if (maxRuns === undefined) errors.maxRuns = 'A whole number, at least 1, or empty for no limit.';
  const startAt = recurring ? optionalInstant(values.startAt) : null;
  if (startAt === undefined) errors.startAt = 'Pick a date and time, or leave empty.';
  const endAt = recurring ? optionalInstant(values.endAt) : null;
  if (endAt === undefined) errors.endAt = 'Pick a date and time, or leave empty.';
  else if (endAt !== null && startAt && endAt < startAt) errors.endAt = 'Not before the start.';

  const input: JobInput = {
    name: values.name.trim() === '' ? null : values.name.trim(),
    description: values.description.trim() === '' ? null : values.description.trim(),
    schedule: values.kind === 'recurring' ? values.schedule.trim() : null,
    runAt,
    timezone: values.timezone.trim(),
    api: values.api.trim(),
    method: values.method,
    headers: typeof headers === 'string' ? {} : headers,
    payload,
    timeoutMs: timeoutMs ?? 0,
    type: values.type,
    retry: { maxAttempts: maxAttempts ?? 0, minBackoffMs: minBackoffMs ?? 0, maxBackoffMs: maxBackoffMs ?? 0 },
    misfirePolicy: values.misfirePolicy,
    overlapPolicy: values.overlapPolicy,
    onFailure: values.onFailure.trim() === '' ? null : values.onFailure.trim(),
    pauseAfterFailures: pauseAfterFailures ?? null,
    startAt: startAt ?? null,
    endAt: endAt ?? null,
    maxRuns: maxRuns ?? null,
    jitterMs: jitterMs ?? 0,
  };
  return { input, errors };
}

/** A whole number at least 1, null for empty text, undefined for anything else. */
function optionalNumber(text: string): number | null | undefined {
  if (text.trim() === '') return null;
  return wholeNumber(text, 1) ?? undefined;
}

/** An ISO instant from datetime-local text, null for empty text, undefined when unreadable. */
function optionalInstant(text: string): string | null | undefined {
  if (text.trim() === '') return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A create body: nulls and empty headers are left out, so the server's defaults apply. */
export function createBody(input: JobInput): JobInput {
  return Object.fromEntries(
    Object.entries(input).filter(
      ([, value]) => value !== null && !(typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0),
    ),
  ) as JobInput;
}

/**
 * Only the fields that differ from the stored job, for a PATCH. Switching between a cron
 * schedule and a one-time runAt sends just the new one: the server clears the other.
 */
export function patchBody(input: JobInput, original: Job): JobInput {
  const before = buildJob(valuesFromJob(original)).input;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input) as [keyof JobInput, unknown][]) {
    if ((key === 'schedule' || key === 'runAt') && value === null) continue;
    if (JSON.stringify(value) !== JSON.stringify(before[key])) patch[key] = value;
  }
  return patch as JobInput;
}
