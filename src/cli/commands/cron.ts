import { formatInZone, parseCron } from '../../cron/index.js';
import { isJobSchedulerError } from '../../errors.js';
import { systemClock } from '../../time/system-clock.js';
import { parseOptions, SHELL_EXPANSION_HINT, unknownName } from '../args.js';
import { ExitCode, type CliIo, type Command } from '../io.js';

const HELP = `Usage:
  jobscheduler cron next "<expression>" [--tz ZONE] [--from RFC3339] [--count N] [--json]
  jobscheduler cron explain "<expression>"

next     prints the next N firings (default 5) strictly after --from (default now),
         one RFC 3339 timestamp per line with the zone's offset; --json prints a JSON array
explain  describes the expression in plain language

Expressions have six fields (second minute hour day-of-month month day-of-week) or five
(second 0), or a macro such as @daily. See docs/cron.md.

Options:
  --tz ZONE       IANA time zone the expression is read in (default UTC)
  --from TIME     start instant, e.g. 2026-03-08T01:00:00-05:00 (default now)
  --count N       how many firings, 1-1000 (default 5)
  --json          print a JSON array of timestamps
  -h, --help      show this help`;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_COUNT = 1000;

class UsageError extends Error {}

/** The error, and for an expression error a caret under the offending token. */
function reportError(io: CliIo, error: unknown, expression: string): number {
  if (error instanceof UsageError) {
    io.stderr(`${error.message}\n\n${HELP}`);
    return ExitCode.usage;
  }
  if (isJobSchedulerError(error, 'CRON_INVALID')) {
    const { token, position } = error.details as { token?: unknown; position?: unknown };
    const lines = [`Invalid cron expression: ${error.message}`];
    if (expression.split(/\s+/).length > MAX_FIELDS) lines.push(SHELL_EXPANSION_HINT);
    if (typeof token === 'string' && typeof position === 'number' && expression.includes(token) && token !== expression.trim()) {
      lines.push(`  ${expression}`, `  ${' '.repeat(position)}${'^'.repeat(Math.max(token.length, 1))}`);
    }
    io.stderr(lines.join('\n'));
    return ExitCode.usage;
  }
  if (isJobSchedulerError(error)) {
    io.stderr(error.message);
    return ExitCode.usage;
  }
  throw error;
}

/** More fields than any expression has (seven, with a year) means the shell expanded a `*`. */
const MAX_FIELDS = 7;

function parse(args: readonly string[]) {
  try {
    return parseOptions(args, {
      tz: { type: 'string' },
      from: { type: 'string' },
      count: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function expressionOf(positionals: readonly string[]): string {
  // An unquoted expression arrives as several arguments; it means the same thing joined.
  if (positionals.length === 0) throw new UsageError('Missing the cron expression, e.g. jobscheduler cron next "0 */5 * * * *"');
  return positionals.join(' ');
}

type ParsedValues = ReturnType<typeof parse>['values'];

/**
 * What both subcommands share: parse the flags, answer --help, read the expression, and
 * turn any failure into the message and exit code a user sees.
 */
function runWithExpression(
  args: readonly string[],
  io: CliIo,
  run: (values: ParsedValues, expression: string) => void,
): number {
  let expression = '';
  try {
    const { values, positionals } = parse(args);
    if (values.help) {
      io.stdout(HELP);
      return ExitCode.ok;
    }
    expression = expressionOf(positionals);
    run(values, expression);
    return ExitCode.ok;
  } catch (error) {
    return reportError(io, error, expression);
  }
}

function next(args: readonly string[], io: CliIo): number {
  return runWithExpression(args, io, (values, expression) => {
    const count = values.count === undefined ? 5 : Number(values.count);
    if (!/^\d+$/.test(values.count ?? '5') || count < 1 || count > MAX_COUNT) {
      throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT}, got "${values.count}"`);
    }
    if (values.from !== undefined && !(RFC3339.test(values.from) && !Number.isNaN(Date.parse(values.from)))) {
      throw new UsageError(`--from must be an RFC 3339 timestamp such as 2026-03-08T01:00:00-05:00, got "${values.from}"`);
    }
    const timezone = values.tz ?? 'UTC';
    const schedule = parseCron(expression, { timezone });
    const from = values.from === undefined ? systemClock.now() : Date.parse(values.from);
    const runs = schedule.nextRuns(count, new Date(from)).map((date) => formatInZone(date, timezone));
    if (values.json) io.stdout(JSON.stringify(runs));
    else if (runs.length > 0) io.stdout(runs.join('\n'));
  });
}

function explain(args: readonly string[], io: CliIo): number {
  return runWithExpression(args, io, (values, expression) => {
    io.stdout(parseCron(expression, { timezone: values.tz ?? 'UTC' }).describe());
  });
}

export const cron: Command = async (args, io) => {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined) {
    io.stderr(HELP);
    return ExitCode.usage;
  }
  if (subcommand === 'help' || subcommand === '--help' || subcommand === '-h') {
    io.stdout(HELP);
    return ExitCode.ok;
  }
  if (subcommand === 'next') return next(rest, io);
  if (subcommand === 'explain') return explain(rest, io);
  io.stderr(`${unknownName('subcommand', subcommand, ['next', 'explain'], 'cron ')}\n\n${HELP}`);
  return ExitCode.usage;
};
