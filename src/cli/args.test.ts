import { describe, expect, it } from 'vitest';
import { ArgumentError, parseOptions, unknownName } from './args.js';

const options = { schedule: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

function messageOf(args: string[]): string {
  try {
    parseOptions(args, options, false);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgumentError);
    return (error as Error).message;
  }
  throw new Error('parsed');
}

describe('parseOptions', () => {
  it('names an unknown option in balanced words, with the option it probably meant', () => {
    expect(messageOf(['--shedule', '* * * * *'])).toBe('unknown option --shedule (did you mean --schedule?)');
    expect(messageOf(['--jsno'])).toBe('unknown option --jsno (did you mean --json?)');
    expect(messageOf(['--frobnicate'])).toBe('unknown option --frobnicate');
  });

  it('says when an option lacks its value, or has one it does not take, or an argument is not expected', () => {
    expect(messageOf(['--schedule'])).toBe('--schedule needs a value');
    expect(messageOf(['--json=yes'])).toBe('--json takes no value');
    expect(messageOf(['extra'])).toBe('unexpected argument "extra"');
  });

  it('parses what is right', () => {
    expect(parseOptions(['--schedule', '0 * * * * *', '--json'], options).values).toEqual({ schedule: '0 * * * * *', json: true });
  });
});

describe('unknownName', () => {
  it('suggests the command a typo was meant to be', () => {
    expect(unknownName('command', 'crn', ['cron', 'jobs', 'serve'])).toBe('Unknown command "crn" (did you mean cron?).');
    expect(unknownName('subcommand', 'lst', ['list', 'get'], 'jobs ')).toBe('Unknown subcommand "jobs lst" (did you mean jobs list?).');
    expect(unknownName('command', 'deploy', ['cron', 'jobs'])).toBe('Unknown command "deploy".');
  });
});
