import { describe, expect, it } from 'vitest';
import { cli } from './harness.js';

/** Usage mistakes anywhere in the CLI: exit code 2, a message in our words, a suggestion. */
describe('jobscheduler used wrongly', () => {
  it('exits 2 with the usage on stderr when a command or subcommand is missing, and 0 when help is asked for', async () => {
    for (const args of [[], ['cron'], ['jobs']]) {
      const result = await cli(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^Usage:\s+jobscheduler/);
    }
    for (const args of [['--help'], ['cron', '--help'], ['jobs', '--help'], ['help']]) {
      const result = await cli(args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage:\s+jobscheduler/);
    }
  });

  it('suggests the command or subcommand a typo was meant to be', async () => {
    const cron = await cli(['crn', 'next', '@daily']);
    expect(cron.code).toBe(2);
    expect(cron.stderr.split('\n')[0]).toBe('Unknown command "crn" (did you mean cron?).');
    expect((await cli(['job', 'list'])).stderr.split('\n')[0]).toBe('Unknown command "job" (did you mean jobs?).');
    expect((await cli(['jobs', 'lst'])).stderr.split('\n')[0]).toBe('Unknown subcommand "jobs lst" (did you mean jobs list?).');
    expect((await cli(['cron', 'nxt', '@daily'])).stderr.split('\n')[0]).toBe('Unknown subcommand "cron nxt" (did you mean cron next?).');
  });

  it('names an unknown option in its own words, with a suggestion, in every command', async () => {
    const results = await Promise.all([
      cli(['jobs', 'create', '--shedule', '0 * * * * *']),
      cli(['cron', 'next', '@daily', '--tzz', 'UTC']),
      cli(['migrate', '--data-dri', '/tmp/x']),
      cli(['serve', '--prot', '9000']),
      cli(['jobs', 'list', '--server']),
    ]);
    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results.map((result) => result.stderr.split('\n')[0])).toEqual([
      'unknown option --shedule (did you mean --schedule?)',
      'unknown option --tzz (did you mean --tz?)',
      'unknown option --data-dri (did you mean --data-dir?)',
      'unknown option --prot (did you mean --port?)',
      '--server needs a value',
    ]);
  });

  it('refuses retry and timeout flags outside the server\'s limits before sending anything', async () => {
    // No server listens at this address: a request would fail with exit 1, not 2.
    const server = ['--server', 'http://127.0.0.1:9', '--schedule', '0 * * * * *', '--api', 'http://127.0.0.1:4444/', '--type', 'AT_LEAST_ONCE'];
    const results = await Promise.all([
      cli(['jobs', 'create', ...server, '--max-attempts', '0']),
      cli(['jobs', 'create', ...server, '--max-attempts', '101']),
      cli(['jobs', 'create', ...server, '--timeout-ms', '0']),
      cli(['jobs', 'create', ...server, '--max-backoff-ms', '86400001']),
    ]);
    expect(results.map((result) => [result.code, result.stderr.split('\n')[0]])).toEqual([
      [2, '--max-attempts must be a whole number from 1 to 100, got "0"'],
      [2, '--max-attempts must be a whole number from 1 to 100, got "101"'],
      [2, '--timeout-ms must be a whole number from 1 to 300000, got "0"'],
      [2, '--max-backoff-ms must be a whole number from 0 to 86400000, got "86400001"'],
    ]);
  });

  it('hints at quoting when the shell has split an expression into file names', async () => {
    const files = ['README.md', 'bin', 'docs', 'package.json', 'src', 'test'];
    const cron = await cli(['cron', 'next', ...files, ...files, '*', '*']);
    expect(cron.code).toBe(2);
    expect(cron.stderr).toMatch(/^Invalid cron expression: .*\nHint: the shell replaces an unquoted \* with file names; quote the expression/);
    const create = await cli(['jobs', 'create', '--schedule', ...files, '--api', 'http://127.0.0.1:4444/', '--type', 'AT_LEAST_ONCE']);
    expect(create.code).toBe(2);
    expect(create.stderr.split('\n').slice(0, 2)).toEqual([
      'expected no arguments, got bin docs package.json src test',
      'Hint: the shell replaces an unquoted * with file names; quote the expression, e.g. "0 */5 * * * *".',
    ]);
  });
});
