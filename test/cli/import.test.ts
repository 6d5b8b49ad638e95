import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startTestNode, type TestNode } from './harness.js';

describe('jobscheduler jobs import', () => {
  let node: TestNode;
  let dir: string;

  beforeAll(async () => {
    node = await startTestNode();
    dir = mkdtempSync(join(tmpdir(), 'jobscheduler-import-'));
  });
  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  async function jobsNamed(prefix: string): Promise<{ name: string | null; api: string; schedule: string; type: string; timezone: string }[]> {
    const { stdout } = await cli(['jobs', 'list', '--all', '--limit', '1000', '--json', '--server', node.server]);
    const items = (JSON.parse(stdout) as { items: { name: string | null; api: string; schedule: string; type: string; timezone: string }[] }).items;
    return items.filter((job) => job.api.includes(`/${prefix}/`));
  }

  it('creates every job of a crontab-style file in batches of 1,000, with progress on stderr', async () => {
    const lines = ['# generated', ''];
    for (let i = 0; i < 2500; i++) lines.push(`${i % 60} */5 * * * * http://127.0.0.1:4444/bulk/${i}`);
    lines.push('@hourly http://127.0.0.1:4444/bulk/hourly', '*/10 * * * * http://127.0.0.1:4444/bulk/five-fields');
    const path = file('bulk.crontab', lines.join('\n'));

    const result = await cli(['jobs', 'import', path, '--type', 'AT_MOST_ONCE', '--timezone', 'America/New_York', '--server', node.server]);
    expect(result.code).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual(['Imported 1000/2502 jobs', 'Imported 2000/2502 jobs', 'Imported 2502/2502 jobs']);
    expect(result.stdout).toBe(`Imported 2502 jobs from ${path}.\n`);

    const jobs = await jobsNamed('bulk');
    expect(jobs).toHaveLength(2502);
    expect(new Set(jobs.map((job) => job.type))).toEqual(new Set(['AT_MOST_ONCE']));
    expect(new Set(jobs.map((job) => job.timezone))).toEqual(new Set(['America/New_York']));
    expect(jobs.find((job) => job.api.endsWith('/bulk/7'))?.schedule).toBe('7 */5 * * * *');
    expect(jobs.find((job) => job.api.endsWith('/bulk/hourly'))?.schedule).toBe('@hourly');
    expect(jobs.find((job) => job.api.endsWith('/bulk/five-fields'))?.schedule).toBe('*/10 * * * *');
  });

  it('creates the jobs of a JSON array as given', async () => {
    const bodies = [
      { name: 'json-a', schedule: '0 0 * * * *', api: 'http://127.0.0.1:4444/json/a', type: 'AT_LEAST_ONCE' },
      { name: 'json-b', runAt: '2030-01-01T00:00:00Z', api: 'http://127.0.0.1:4444/json/b', type: 'AT_MOST_ONCE' },
    ];
    const result = await cli(['jobs', 'import', file('jobs.json', JSON.stringify(bodies)), '--json', '--server', node.server]);
    expect(result.code).toBe(0);
    const created = (JSON.parse(result.stdout) as { items: { name: string; id: string }[] }).items;
    expect(created.map((job) => job.name)).toEqual(['json-a', 'json-b']);
    expect((await jobsNamed('json')).map((job) => job.name).sort()).toEqual(['json-a', 'json-b']);
  });

  it('names every malformed line and imports nothing', async () => {
    const path = file(
      'broken.crontab',
      ['* * * * * http://127.0.0.1:4444/broken/ok', '* * * * http://127.0.0.1:4444/broken/four', '# fine', '0 0 * * * 127.0.0.1/broken/no-scheme'].join('\n'),
    );
    const result = await cli(['jobs', 'import', path, '--server', node.server]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `${path}: nothing imported, 2 problems:\n` +
        '  line 2: expected 5 or 6 cron fields or an @macro before the URL, found 4 fields\n' +
        '  line 4: the last token must be the target URL, got "127.0.0.1/broken/no-scheme"\n',
    );
    expect(await jobsNamed('broken')).toHaveLength(0);
  });

  it('blames --timezone and --type, not a line of the file, when the flag is wrong', async () => {
    const path = file('flags.crontab', '* * * * * http://127.0.0.1:4444/flags/a\n');
    const zone = await cli(['jobs', 'import', path, '--timezone', 'Mars/X', '--server', node.server]);
    expect([zone.code, zone.stderr.split('\n')[0]]).toEqual([2, '--timezone must be an IANA time zone such as Europe/Paris, got "Mars/X"']);
    const type = await cli(['jobs', 'import', path, '--type', 'SOMETIMES', '--server', node.server]);
    expect([type.code, type.stderr.split('\n')[0]]).toEqual([2, '--type must be AT_LEAST_ONCE or AT_MOST_ONCE, got "SOMETIMES"']);
    expect(await jobsNamed('flags')).toHaveLength(0);
  });

  it('exits 2 when the file holds no job, rather than reporting 0 imported', async () => {
    for (const content of ['# only a comment\n\n', '[]']) {
      const path = file('empty', content);
      const result = await cli(['jobs', 'import', path, '--server', node.server]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `${path} holds no job: nothing imported (a crontab line is "<expression> <url>"; a JSON file, an array of job bodies)\n`,
      });
    }
  });

  it('keeps the batches before one the server refuses, and names the refused line', async () => {
    const lines = [];
    for (let i = 0; i < 5; i++) lines.push(`0 0 * * * * http://127.0.0.1:4444/partial/${i}`);
    lines[3] = '0 0 25 * * * http://127.0.0.1:4444/partial/bad-hour';
    const result = await cli(['jobs', 'import', file('partial.crontab', lines.join('\n')), '--batch-size', '2', '--server', node.server]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      'Imported 2/5 jobs',
      expect.stringMatching(/^CRON_INVALID: jobs\[1\]\.schedule: .*25/),
      'Batch line 3 to line 4 was not imported (the server refused line 4); 2 jobs before it were imported.',
      '',
    ]);
    expect((await jobsNamed('partial')).map((job) => job.api.split('/').at(-1)).sort()).toEqual(['0', '1']);
  });
});
