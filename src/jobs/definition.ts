import { canonicalTimezone } from '../cron/index.js';
import { JobSchedulerError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type {
  DeliveryGuarantee,
  HttpMethod,
  JobCreateParams,
  JobDefinition,
  JobPatch,
  JobRecord,
  JsonValue,
  MisfirePolicy,
  OverlapPolicy,
  RetryPolicy,
} from '../store/types.js';
import { FORBIDDEN_HEADERS, JOB_DEFAULTS, JOB_LIMITS } from './defaults.js';
import { NO_BOUNDS, hasBounds, runsLeft, type Bounds } from './bounds.js';
import { compileSchedule, dueAtOf, nextRunAt, shortestGap } from './schedule.js';
import { checkTarget, type TargetPolicy } from './targets.js';

/**
 * Turns request bodies (already checked for shape by the API's schemas) into what the store
 * keeps, enforcing the rules a schema cannot express: exactly one of schedule and runAt, a
 * cron expression that parses, a real time zone, allowed targets, consistent retry bounds.
 * Nothing here knows about HTTP; errors are JobSchedulerErrors naming the request field.
 */

/** `ATLEAST_ONCE` and `ATMOST_ONCE` are accepted spellings; the store keeps the canonical form. */
export type DeliveryTypeName = DeliveryGuarantee | 'ATLEAST_ONCE' | 'ATMOST_ONCE';

export interface JobBody {
  readonly name?: string | null;
  readonly description?: string | null;
  readonly schedule?: string;
  readonly runAt?: string;
  readonly timezone?: string;
  readonly api: string;
  readonly method?: HttpMethod;
  readonly headers?: Readonly<Record<string, string>>;
  readonly payload?: JsonValue;
  readonly timeoutMs?: number;
  readonly type: DeliveryTypeName;
  readonly retry?: Partial<RetryPolicy>;
  readonly misfirePolicy?: MisfirePolicy;
  readonly overlapPolicy?: OverlapPolicy;
  readonly onFailure?: string | null;
  readonly isActive?: boolean;
  readonly pauseAfterFailures?: number | null;
  readonly startAt?: string | null;
  readonly endAt?: string | null;
  readonly maxRuns?: number | null;
  readonly jitterMs?: number;
}

export type JobPatchBody = Partial<JobBody>;

export interface DefinitionContext {
  readonly targets: TargetPolicy;
  readonly now: Date;
  /** Prefix of field names in errors: "" for a single job, "jobs[3]." inside a batch. */
  readonly prefix?: string;
}

export function canonicalType(type: DeliveryTypeName): DeliveryGuarantee {
  if (type === 'ATLEAST_ONCE') return 'AT_LEAST_ONCE';
  if (type === 'ATMOST_ONCE') return 'AT_MOST_ONCE';
  return type;
}

/**
 * A new job from a create body: its definition, a fresh id (minted at `now`, so the jobs of
 * one request get ids in the order given) and its first run after `now`.
 */
export function newJobFromBody(body: JobBody, context: DefinitionContext): JobCreateParams {
  const at = fieldNamer(context.prefix);
  assertStorableText(body, context.prefix ?? '');
  if (body.schedule === undefined && body.runAt === undefined) {
    throw invalid(at('schedule'), `${at('schedule')} (a cron expression) or ${at('runAt')} (an RFC 3339 instant) is required`);
  }
  // Checked in the order of the fields, so a body with several mistakes always names the same one first.
  const when = timing(body, undefined, at);
  const api = checkTarget(body.api, at('api'), context.targets);
  const headers = checkHeaders(body.headers ?? {}, at('headers'));
  const retry = checkRetry({ ...JOB_DEFAULTS.retry, ...body.retry }, at('retry'));
  const onFailure = body.onFailure == null ? null : checkTarget(body.onFailure, at('onFailure'), context.targets);
  const misfirePolicy = body.misfirePolicy ?? JOB_DEFAULTS.misfirePolicy;
  assertRunAtUseful(when.runAt, misfirePolicy, context.now, at);
  const bounds = checkBounds(body, NO_BOUNDS, when, at);
  const next = nextRunAt({ ...when, ...bounds }, context.now, scheduleFields(at));
  if (hasBounds(bounds)) assertOccurrenceLeft({ ...when, ...bounds, runCount: 0 }, next, context.now, at);
  const jitterMs = checkJitter(body.jitterMs ?? JOB_DEFAULTS.jitterMs, when, context.now, at);
  const id = uuidv7(context.now.getTime());
  return {
    id,
    name: body.name ?? null,
    description: body.description ?? null,
    schedule: when.schedule,
    runAt: when.runAt,
    timezone: when.timezone,
    api,
    method: body.method ?? JOB_DEFAULTS.method,
    headers,
    payload: body.payload ?? null,
    timeoutMs: body.timeoutMs ?? JOB_DEFAULTS.timeoutMs,
    type: canonicalType(body.type),
    retry,
    misfirePolicy,
    overlapPolicy: body.overlapPolicy ?? JOB_DEFAULTS.overlapPolicy,
    onFailure,
    isActive: body.isActive ?? JOB_DEFAULTS.isActive,
    paused: false,
    pauseAfterFailures: body.pauseAfterFailures ?? null,
    ...bounds,
    jitterMs,
    nextRunAt: next,
    nextDueAt: next && dueAtOf({ ...when, id, jitterMs }, next),
  };
}

/**
 * The store patch for a PATCH body applied to `current`. nextRunAt is recomputed from now
 * when the timing changes (schedule, runAt, timezone), when a bound changes, and when a
 * soft-deleted or inactive job is reactivated; otherwise it is left to the engine.
 *
 * A job its endAt or maxRuns ended comes back when a PATCH changes a bound (unless the same
 * PATCH sets isActive false); a PATCH that would leave an active job no occurrence within its
 * bounds is refused, naming the bound. Coming back (here or by isActive true) clears the
 * pausedReason and the failure count. A new pauseAfterFailures starts the count afresh.
 */
export function patchFromBody(body: JobPatchBody, current: JobRecord, context: DefinitionContext): JobPatch {
  const at = fieldNamer(context.prefix);
  assertStorableText(body, context.prefix ?? '');
  const patch: { -readonly [K in keyof JobPatch]: JobPatch[K] } = {};
  if (body.name !== undefined) patch.name = body.name;
  if (body.description !== undefined) patch.description = body.description;
  if (body.api !== undefined) patch.api = checkTarget(body.api, at('api'), context.targets);
  if (body.method !== undefined) patch.method = body.method;
  if (body.headers !== undefined) patch.headers = checkHeaders(body.headers, at('headers'));
  if (body.payload !== undefined) patch.payload = body.payload;
  if (body.timeoutMs !== undefined) patch.timeoutMs = body.timeoutMs;
  if (body.type !== undefined) patch.type = canonicalType(body.type);
  if (body.retry !== undefined) patch.retry = checkRetry({ ...current.retry, ...body.retry }, at('retry'));
  if (body.misfirePolicy !== undefined) patch.misfirePolicy = body.misfirePolicy;
  if (body.overlapPolicy !== undefined) patch.overlapPolicy = body.overlapPolicy;
  if (body.onFailure !== undefined) {
    patch.onFailure = body.onFailure === null ? null : checkTarget(body.onFailure, at('onFailure'), context.targets);
  }
  if (body.isActive !== undefined) patch.isActive = body.isActive;
  if (body.pauseAfterFailures !== undefined) {
    patch.pauseAfterFailures = body.pauseAfterFailures;
    patch.consecutiveFailures = 0;
  }

  const timingChanged = body.schedule !== undefined || body.runAt !== undefined || body.timezone !== undefined;
  const newTiming = timingChanged ? timing(body, current, at) : null;
  if (body.runAt !== undefined) assertRunAtUseful(newTiming!.runAt, body.misfirePolicy ?? current.misfirePolicy, context.now, at);
  if (newTiming) Object.assign(patch, newTiming);
  const effective = newTiming ?? current;
  if (body.jitterMs !== undefined || newTiming) {
    // A new schedule is checked against the jitter it keeps, and a new jitter against the schedule.
    const jitterMs = checkJitter(body.jitterMs ?? current.jitterMs, effective, context.now, at);
    if (body.jitterMs !== undefined) patch.jitterMs = jitterMs;
  }
  const boundsGiven = body.startAt !== undefined || body.endAt !== undefined || body.maxRuns !== undefined;
  const bounds = timingChanged || boundsGiven ? checkBounds(body, current, effective, at) : current;
  if (boundsGiven) Object.assign(patch, bounds);

  // Brought back: deactivated by hand or deleted (isActive true), or ended by a bound that changes.
  const revivesEnded = boundsGiven && current.endedBy !== null && current.deletedAt === null && body.isActive !== false;
  const reactivated = (body.isActive === true && !current.isActive) || revivesEnded;
  const active = body.isActive ?? (current.isActive || revivesEnded);
  // A new jitter moves when the next occurrence is due: it is planned again from now, as for a new schedule.
  if (newTiming || reactivated || boundsGiven || body.jitterMs !== undefined) {
    const job = { ...effective, ...bounds, runCount: current.runCount };
    const next = runsLeft(job) > 0 ? nextRunAt(job, context.now, scheduleFields(at)) : null;
    if (active && hasBounds(bounds)) assertOccurrenceLeft(job, next, context.now, at);
    patch.nextRunAt = next;
    patch.nextDueAt = next && dueAtOf({ ...effective, id: current.id, jitterMs: patch.jitterMs ?? current.jitterMs }, next);
  }
  if (reactivated) {
    Object.assign(patch, { isActive: true, pausedReason: null, pausedAt: null, endedBy: null, consecutiveFailures: 0 });
  } else if (body.isActive === false && current.endedBy !== null) {
    // Deactivated by hand now: a later change of a bound must not bring it back.
    patch.endedBy = null;
  }
  return patch;
}

export type Timing = Pick<JobDefinition, 'schedule' | 'runAt' | 'timezone'>;

/** schedule, runAt and timezone of the body over `current` (exactly one of schedule and runAt set). */
function timing(body: JobPatchBody, current: Timing | undefined, at: (field: string) => string): Timing {
  if (body.schedule !== undefined && body.runAt !== undefined) {
    throw invalid(at('runAt'), `give either ${at('schedule')} or ${at('runAt')}, not both`);
  }
  // Stored as the IANA database spells it, so case variants of one zone are one zone.
  const timezone = body.timezone === undefined ? (current?.timezone ?? JOB_DEFAULTS.timezone) : canonicalTimezone(body.timezone);
  if (timezone === undefined) {
    throw new JobSchedulerError(
      'TIMEZONE_INVALID',
      `${at('timezone')}: "${body.timezone}" is not an IANA time zone (for example Europe/Paris or UTC)`,
      { property: at('timezone'), timezone: body.timezone },
    );
  }
  if (body.schedule !== undefined) return { schedule: body.schedule.trim(), runAt: null, timezone };
  if (body.runAt !== undefined) return { schedule: null, runAt: parseInstant(body.runAt, at('runAt')), timezone };
  return { schedule: current?.schedule ?? null, runAt: current?.runAt ?? null, timezone };
}

/**
 * startAt, endAt and maxRuns of the body over `current`'s: parsed, given only to a recurring
 * job, and in order (startAt not after endAt).
 */
function checkBounds(body: JobPatchBody, current: Bounds, when: Timing, at: (field: string) => string): Bounds {
  const instant = (value: string | null | undefined, field: 'startAt' | 'endAt'): Date | null | undefined =>
    value === undefined ? undefined : value === null ? null : parseInstant(value, at(field));
  const startAt = instant(body.startAt, 'startAt') ?? (body.startAt === null ? null : current.startAt);
  const endAt = instant(body.endAt, 'endAt') ?? (body.endAt === null ? null : current.endAt);
  const maxRuns = body.maxRuns === undefined ? current.maxRuns : body.maxRuns;
  const bounds = { startAt, endAt, maxRuns };
  if (when.runAt !== null) {
    const field = (['startAt', 'endAt', 'maxRuns'] as const).find((name) => bounds[name] !== null);
    if (field !== undefined) {
      const given = body[field] !== undefined;
      throw invalid(
        at(field),
        given
          ? `${at(field)} bounds a recurring job (schedule); a one-time job fires once, at ${at('runAt')}`
          : `${at(field)} is set and bounds only recurring jobs: send "${field}": null with ${at('runAt')} to make the job one-time`,
      );
    }
  }
  if (startAt !== null && endAt !== null && startAt > endAt) {
    throw invalid(at('endAt'), `${at('endAt')} ${endAt.toISOString()} lies before ${at('startAt')} ${startAt.toISOString()}`);
  }
  return bounds;
}

/**
 * Refuses bounds under which a recurring job would never fire again, naming the bound at
 * fault: maxRuns not above the runs already made, or an endAt before the next occurrence.
 */
function assertOccurrenceLeft(
  job: Timing & Bounds & { readonly runCount: number },
  next: Date | null,
  now: Date,
  at: (field: string) => string,
): void {
  if (job.schedule === null || next !== null) return;
  if (runsLeft(job) === 0) {
    throw invalid(at('maxRuns'), `${at('maxRuns')} ${job.maxRuns} leaves no run: the job has already fired ${job.runCount} scheduled occurrences`);
  }
  const unbounded = nextRunAt({ ...job, endAt: null }, now);
  if (unbounded === null || job.endAt === null) return;
  throw invalid(
    at('endAt'),
    `${at('endAt')} ${job.endAt.toISOString()} leaves no occurrence: the schedule's next one is ${unbounded.toISOString()}; ` +
      `give a later ${at('endAt')}, or set isActive false to stop the job`,
  );
}

/** How far in the past a runAt may lie and still be taken as "now" (a client's clock may lag). */
const PAST_RUN_AT_MS = 60_000;

/**
 * A one-time job whose instant is already past would, under misfirePolicy skip, only ever be
 * recorded MISSED: refused, saying how to fire it now instead.
 */
function assertRunAtUseful(runAt: Date | null, policy: MisfirePolicy, now: Date, at: (field: string) => string): void {
  if (runAt === null || policy !== 'skip' || runAt.getTime() >= now.getTime() - PAST_RUN_AT_MS) return;
  throw invalid(
    at('runAt'),
    `${at('runAt')} ${runAt.toISOString()} is in the past, so under misfirePolicy "skip" the job would only be recorded MISSED; ` +
      `give a later instant, or misfirePolicy "fire_once" to fire it at once`,
  );
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The instants every date input may name: years 1970 to 9999 in UTC. Both stores hold them
 * exactly; PostgreSQL refuses year 0 as the engine writes it, and PGlite reads years before
 * 100 back as other dates (0012 as 2012), so one such job used to fail every claim round.
 */
export const INSTANT_RANGE = Object.freeze({
  min: new Date('1970-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
});

/**
 * An RFC 3339 date-time with an offset, within INSTANT_RANGE; rejects impossible dates that
 * Date.parse would roll over.
 */
export function parseInstant(text: string, property: string): Date {
  const match = RFC3339.exec(text);
  const date = match ? new Date(text.replace(/(\.\d{3})\d+/, '$1')) : null;
  if (match && date && !Number.isNaN(date.getTime())) {
    const [, year, month, day, hour, minute, second] = match.map(Number);
    const check = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
    if (check.getUTCDate() === day && check.getUTCHours() === hour && check.getUTCMinutes() === minute) return inRange(date, text, property);
  }
  throw invalid(property, `${property} must be an RFC 3339 date-time with an offset (2026-03-01T09:30:00Z), got "${text}"`);
}

function inRange(date: Date, text: string, property: string): Date {
  if (date >= INSTANT_RANGE.min && date <= INSTANT_RANGE.max) return date;
  throw invalid(property, `${property} must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, got "${text}"`);
}

/** A NUL character, or half of a UTF-16 surrogate pair: text PostgreSQL cannot store as sent. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every unstorable string contains one of these; most strings contain none and need no closer look. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const SUSPECT = /[\u0000\ud800-\udfff]/;

/**
 * Refuses, naming the field, any string (or object key) or number in the body that could not
 * be stored intact, and bodies nested deeper than the payload limit (serialising or storing
 * those would exhaust a stack). Iterative, so a hostile body cannot overflow this walk.
 */
export function assertStorableText(body: unknown, prefix: string): void {
  if (!mayBeUnstorable(body)) return;
  explainUnstorable(body, prefix);
}

/**
 * The walk of explainUnstorable without the bookkeeping that names fields: no string is
 * built for a body that is fine, which is nearly every body. True when the full walk must run.
 */
function mayBeUnstorable(body: unknown): boolean {
  const values: unknown[] = [body];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      if (SUSPECT.test(value)) return true;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return true;
    } else if (value !== null && typeof value === 'object') {
      if (depth > JOB_LIMITS.payloadDepth) return true;
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) {
          values.push(item);
          depths.push(depth + 1);
        }
      } else {
        for (const key of Object.keys(value)) {
          if (SUSPECT.test(key)) return true;
          values.push((value as Record<string, unknown>)[key]);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** Throws for the first string that cannot be stored or value nested too deep, naming where it is. */
function explainUnstorable(body: unknown, prefix: string): void {
  const pending: [value: unknown, path: string, depth: number][] = [[body, prefix, 0]];
  const name = (path: string): string => path.replace(/\.$/, '') || 'body';
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path, depth] = next;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) {
        throw invalid(name(path), `${name(path)} contains a NUL character or an unpaired surrogate, which cannot be stored`);
      }
    } else if (typeof value === 'number') {
      // 1e999 parses as Infinity, which JSON cannot hold: it would be stored as null.
      if (!Number.isFinite(value)) throw invalid(name(path), `${name(path)} is a number too large to store (JSON numbers are finite)`);
    } else if (value !== null && typeof value === 'object') {
      if (depth > JOB_LIMITS.payloadDepth) {
        const field = prefix + name(path).slice(prefix.length).split(/[.[]/)[0]!;
        throw invalid(field, `${field} nests arrays and objects more than ${JOB_LIMITS.payloadDepth} levels deep`);
      }
      if (Array.isArray(value)) {
        value.forEach((item, index) => pending.push([item, `${name(path)}[${index}].`, depth + 1]));
      } else {
        for (const [key, item] of Object.entries(value)) {
          pending.push([key, path, depth + 1], [item, `${path}${key}.`, depth + 1]);
        }
      }
    }
  }
}

export function checkHeaders(headers: Readonly<Record<string, string>>, property: string): Readonly<Record<string, string>> {
  for (const name of Object.keys(headers)) {
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      throw invalid(`${property}.${name}`, `${property}: the ${name} header is set by the scheduler and cannot be given`);
    }
  }
  return { ...headers };
}

function checkRetry(retry: RetryPolicy, property: string): RetryPolicy {
  if (retry.minBackoffMs > retry.maxBackoffMs) {
    throw invalid(
      `${property}.minBackoffMs`,
      `${property}.minBackoffMs (${retry.minBackoffMs}) must not exceed ${property}.maxBackoffMs (${retry.maxBackoffMs})`,
    );
  }
  return { maxAttempts: retry.maxAttempts, minBackoffMs: retry.minBackoffMs, maxBackoffMs: retry.maxBackoffMs };
}

/**
 * A jitter no longer than the shortest gap between consecutive occurrences of the schedule
 * (as far as GAP_SAMPLES of them show; the engine bounds each delay by its own gap too), so
 * jittered firings keep their order and each still falls before the next occurrence.
 */
export function checkJitter(jitterMs: number, when: Timing, now: Date, at: (field: string) => string): number {
  if (jitterMs === 0 || when.schedule === null) return jitterMs;
  const gap = shortestGap(compileSchedule(when.schedule, when.timezone, scheduleFields(at)), now);
  if (gap === null || jitterMs <= gap.gapMs) return jitterMs;
  throw invalid(
    at('jitterMs'),
    `${at('jitterMs')} (${jitterMs}) must not exceed the gap between two consecutive occurrences of ${at('schedule')}: ` +
      `${gap.gapMs} ms between ${gap.from.toISOString()} and ${gap.to.toISOString()}`,
  );
}

function fieldNamer(prefix = ''): (field: string) => string {
  return (field) => `${prefix}${field}`;
}

function scheduleFields(at: (field: string) => string): { expression: string; timezone: string } {
  return { expression: at('schedule'), timezone: at('timezone') };
}

export function invalid(property: string, message: string): JobSchedulerError {
  return new JobSchedulerError('VALIDATION_FAILED', message, { property });
}
