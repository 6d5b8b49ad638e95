import { describe, expect, it } from 'vitest';
import { ImportFileError, parseImportFile } from './import-file.js';

const defaults = { type: 'AT_LEAST_ONCE' };

function problemsOf(text: string): readonly string[] {
  try {
    parseImportFile(text, defaults);
  } catch (error) {
    if (error instanceof ImportFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

describe('reading a crontab-style import file', () => {
  it('turns each line into a job, skipping comments and blank lines', () => {
    const entries = parseImportFile(
      [
        '# nightly work',
        '',
        '0 30 9 * * MON-FRI https://example.com/report',
        '   */5 * * * *\thttp://127.0.0.1:4444/poll  ',
        '@hourly https://example.com/cleanup',
      ].join('\n'),
      { type: 'AT_MOST_ONCE', timezone: 'Europe/Paris' },
    );
    expect(entries).toEqual([
      { source: 'line 3', body: { schedule: '0 30 9 * * MON-FRI', api: 'https://example.com/report', type: 'AT_MOST_ONCE', timezone: 'Europe/Paris' } },
      { source: 'line 4', body: { schedule: '*/5 * * * *', api: 'http://127.0.0.1:4444/poll', type: 'AT_MOST_ONCE', timezone: 'Europe/Paris' } },
      { source: 'line 5', body: { schedule: '@hourly', api: 'https://example.com/cleanup', type: 'AT_MOST_ONCE', timezone: 'Europe/Paris' } },
    ]);
  });

  it('reads Windows line endings and a byte-order mark', () => {
    const entries = parseImportFile('\uFEFF* * * * * https://a.example/x\r\n@daily https://a.example/y\r\n', defaults);
    expect(entries.map((entry) => entry.body.schedule)).toEqual(['* * * * *', '@daily']);
  });

  it('names every bad line at once, with what is wrong', () => {
    const problems = problemsOf(
      [
        '* * * * * https://ok.example/',
        '* * * * https://example.com/four-fields',
        '* * * * * * * https://example.com/seven',
        '0 0 * * * example.com/no-scheme',
        '@daily 0 * * * * https://example.com/macro-plus-fields',
        'https://example.com/alone',
        '* * * * * ftp://example.com/file',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'line 2: expected 5 or 6 cron fields or an @macro before the URL, found 4 fields',
      'line 3: expected 5 or 6 cron fields or an @macro before the URL, found 7 fields',
      'line 4: the last token must be the target URL, got "example.com/no-scheme"',
      'line 5: an @macro (@daily) stands alone, without other fields',
      'line 6: expected "<expression> <url>", found only one token',
      'line 7: the target must be an http(s) URL, got "ftp://example.com/file"',
    ]);
  });

  it('shows the first twenty problems and counts the rest', () => {
    const text = Array.from({ length: 25 }, () => 'bad line').join('\n');
    try {
      parseImportFile(text, defaults);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.split('\n')).toHaveLength(21);
      expect((error as Error).message).toContain('... and 5 more');
    }
  });
});

describe('reading a JSON import file', () => {
  it('takes each object of the array as a job body, unchanged', () => {
    const jobs = [
      { schedule: '* * * * * *', api: 'https://example.com/a', type: 'AT_LEAST_ONCE', name: 'a' },
      { runAt: '2030-01-01T00:00:00Z', api: 'https://example.com/b', type: 'AT_MOST_ONCE' },
    ];
    const entries = parseImportFile(`  ${JSON.stringify(jobs, null, 2)}`, defaults);
    expect(entries.map((entry) => entry.body)).toEqual(jobs);
    expect(entries.map((entry) => entry.source)).toEqual(['item 1', 'item 2']);
  });

  it('names items that are not objects and reports malformed JSON', () => {
    expect(problemsOf('[{"api": "x"}, 3, null, []]')).toEqual([
      'item 2: expected a job object, got number',
      'item 3: expected a job object, got null',
      'item 4: expected a job object, got an array',
    ]);
    expect(problemsOf('[{"api": ')[0]).toMatch(/^not valid JSON: /);
  });
});
