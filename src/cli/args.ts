import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../suggest.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;
/** What parseArgs gives for these options (spelled out, so the declaration file can name it). */
type Parsed<T extends OptionSpec> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/** Said when a cron expression arrives as more arguments or fields than any expression has. */
export const SHELL_EXPANSION_HINT =
  'Hint: the shell replaces an unquoted * with file names; quote the expression, e.g. "0 */5 * * * *".';

/** A command line that does not parse: the message says what is wrong in our words. */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

/**
 * node:util parseArgs, strict, with its errors rewritten: Node's own messages quote
 * unevenly and suggest nothing ("Unknown option '--shedule'. To specify a positional ...").
 */
export function parseOptions<T extends OptionSpec>(args: readonly string[], options: T, allowPositionals = true): Parsed<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new ArgumentError(explain(error as Error & { code?: string }, Object.keys(options)));
  }
}

function explain(error: Error & { code?: string }, names: readonly string[]): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return unknownOption(quoted, names);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '--server <value>' argument missing" or "Option '-h, --help' does not take an argument".
      const flag = quoted.replace(/ <value>$/, '').split(', ').at(-1)!;
      return error.message.includes('does not take') ? `${flag} takes no value` : `${flag} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    default:
      return error.message;
  }
}

/** "unknown option --shedule (did you mean --schedule?)" */
export function unknownOption(given: string, names: readonly string[]): string {
  const flag = given.replace(/=.*$/s, '');
  const suggestion = closest(flag.replace(/^-+/, ''), names);
  return `unknown option ${flag}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}`;
}

/** "Unknown command "crn" (did you mean cron?)." */
export function unknownName(kind: string, given: string, names: readonly string[], prefix = ''): string {
  const suggestion = closest(given, names);
  return `Unknown ${kind} "${prefix}${given}"${suggestion === undefined ? '' : ` (did you mean ${prefix}${suggestion}?)`}.`;
}
