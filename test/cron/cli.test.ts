import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** Runs the CLI in-process and keeps what a user would see. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {} };
  const code = await main(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('jobscheduler cron next', () => {
  it('prints the next five firings after --from in the zone, one RFC 3339 timestamp per line', async () => {
    const result = await run('cron', 'next', '0 30 2 * * *', '--tz', 'America/New_York', '--from', '2026-03-07T12:00:00-05:00');
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '2026-03-08T03:00:00-04:00',
        '2026-03-09T02:30:00-04:00',
        '2026-03-10T02:30:00-04:00',
        '2026-03-11T02:30:00-04:00',
        '2026-03-12T02:30:00-04:00',
      ].join('\n'),
    });
  });

  it('prints --count firings as a JSON array with --json, in UTC by default', async () => {
    const result = await run('cron', 'next', '*/20 * * * * *', '--from', '2026-01-01T00:00:00Z', '--count', '3', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['2026-01-01T00:00:20Z', '2026-01-01T00:00:40Z', '2026-01-01T00:01:00Z']);
  });

  it('starts from now when --from is absent', async () => {
    const before = Date.now();
    const result = await run('cron', 'next', '* * * * * *', '--count', '1', '--json');
    const [first] = JSON.parse(result.stdout) as string[];
    const at = Date.parse(first as string);
    expect(at).toBeGreaterThan(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('accepts an unquoted expression split over several arguments', async () => {
    const result = await run('cron', 'next', '0', '0', '12', '*', '*', 'MON', '--from', '2026-01-01T00:00:00Z', '--count', '1');
    expect(result.stdout).toBe('2026-01-05T12:00:00Z');
  });

  it('shows an invalid expression on stderr with a caret under the token, and exits 2', async () => {
    const result = await run('cron', 'next', '0 60 * * * *');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(['Invalid cron expression: minute: 60 is out of range 0-59', '  0 60 * * * *', '    ^^'].join('\n'));
  });

  it('rejects an unknown zone, a bad --from and a bad --count with exit 2', async () => {
    const zone = await run('cron', 'next', '@daily', '--tz', 'Mars/Olympus_Mons');
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/Unknown time zone "Mars\/Olympus_Mons"/);
    const from = await run('cron', 'next', '@daily', '--from', 'yesterday');
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/--from must be an RFC 3339 timestamp/);
    const count = await run('cron', 'next', '@daily', '--count', '0');
    expect(count.code).toBe(2);
    expect(count.stderr).toMatch(/--count must be a whole number from 1 to 1000/);
  });

  it('rejects unknown options and a missing expression with exit 2', async () => {
    expect((await run('cron', 'next', '@daily', '--zone', 'UTC')).code).toBe(2);
    const missing = await run('cron', 'next');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Missing the cron expression/);
  });
});

describe('jobscheduler cron explain', () => {
  it('describes the expression in plain language', async () => {
    const result = await run('cron', 'explain', '31 10-15 1 * * MON-FRI');
    expect(result).toEqual({ code: 0, stderr: '', stdout: 'at second 31 of minutes 10 through 15 past hour 1, Monday through Friday' });
  });

  it('explains why an expression is invalid', async () => {
    const result = await run('cron', 'explain', '0 0 0 30 2 *');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/day-of-month: 30 never occurs in February/);
  });

  it('prints help and rejects an unknown subcommand', async () => {
    const help = await run('cron', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/jobscheduler cron next "<expression>"/);
    expect((await run('cron', 'later')).code).toBe(2);
  });
});

// The built command, as a user runs it (npm install builds dist/ through `prepare`).
const built = existsSync(new URL('../../dist/cli/commands/cron.js', import.meta.url));

describe.skipIf(!built)('the installed ./bin/jobscheduler', () => {
  it('prints firings and exits 0, or prints the error on stderr and exits 2', async () => {
    const bin = new URL('../../bin/jobscheduler', import.meta.url).pathname;
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, [bin, 'cron', 'next', '0 0,30 2 * * *', '--tz', 'America/New_York', '--from', '2026-03-07T12:00:00-05:00', '--count', '2']);
    expect(ok.stdout).toBe('2026-03-08T03:00:00-04:00\n2026-03-09T02:00:00-04:00\n');
    const failed = await exec(process.execPath, [bin, 'cron', 'next', '0 0 5-2 * * *']).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/hour: range 5-2 is reversed/);
  });
});
