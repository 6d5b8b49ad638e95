import { JobSchedulerError } from '../errors.js';
import type { CronAst } from './ast.js';
import { MAX_INSTANT, MIN_INSTANT, SECOND_MS } from './calendar.js';
import { compile, type CompiledCron } from './compile.js';
import { describeCron } from './describe.js';
import { parseExpression } from './parse.js';
import { nextFiring, nextWall } from './search.js';
import { zoneRules, type ZoneRules } from './zone.js';

export interface ParseCronOptions {
  /** IANA zone the expression is read in; UTC when absent. */
  readonly timezone?: string;
}

/** A parsed expression in its zone. Pure: every answer depends only on the arguments. */
export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first firing strictly after `after`, or null when there is none in years 1-9999. */
  next(after: Date): Date | null;
  /** Up to `count` successive firings strictly after `after` (fewer only when the schedule ends). */
  nextRuns(count: number, after: Date): Date[];
  /** Whether the schedule fires at exactly this instant. */
  matches(date: Date): boolean;
  /** The schedule in plain language. */
  describe(): string;
}

function instantOf(date: Date, what: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(ms)) throw new JobSchedulerError('VALIDATION_FAILED', `${what} must be a valid Date`, { field: what });
  return ms;
}

class Schedule implements CronSchedule {
  constructor(
    readonly expression: string,
    readonly timezone: string,
    private readonly ast: CronAst,
    private readonly cron: CompiledCron,
    private readonly zone: ZoneRules,
  ) {}

  next(after: Date): Date | null {
    const at = nextFiring(this.cron, this.zone, instantOf(after, 'after'));
    return Number.isNaN(at) ? null : new Date(at);
  }

  nextRuns(count: number, after: Date): Date[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new JobSchedulerError('VALIDATION_FAILED', `count must be a whole number of at least 0, got ${count}`, { field: 'count' });
    }
    const runs: Date[] = [];
    let at = instantOf(after, 'after');
    while (runs.length < count) {
      at = nextFiring(this.cron, this.zone, at);
      if (Number.isNaN(at)) break;
      runs.push(new Date(at));
    }
    return runs;
  }

  matches(date: Date): boolean {
    const ms = instantOf(date, 'date');
    if (ms % SECOND_MS !== 0 || ms < MIN_INSTANT || ms >= MAX_INSTANT) return false;
    const regime = this.zone.regimeAt(ms);
    const wall = ms + regime.offset;
    if (nextWall(this.cron, wall) === wall) {
      return this.cron.followsRealTime || this.zone.fixedOffset !== undefined || this.zone.instantOf(wall) === ms;
    }
    if (this.cron.followsRealTime || regime.start !== ms) return false;
    // The first instant after a spring-forward gap also stands for every skipped wall time.
    const gapFrom = ms + regime.previousOffset;
    return gapFrom < wall && nextWall(this.cron, gapFrom) < wall;
  }

  describe(): string {
    return describeCron(this.ast);
  }
}

/**
 * Parses a cron expression (five or six fields, or a macro) for the zone in `options.timezone`.
 * Throws JobSchedulerError CRON_INVALID (details: field, token, position, allowed) or TIMEZONE_INVALID.
 */
export function parseCron(expression: string, options: ParseCronOptions = {}): CronSchedule {
  const timezone = options.timezone ?? 'UTC';
  const zone = zoneRules(timezone);
  const ast = parseExpression(expression);
  return new Schedule(expression.trim(), timezone, ast, compile(ast), zone);
}
