/**
 * The two formats `jobs import` reads: a crontab-style file (one "<expression> <url>" per
 * line) or a JSON array of job bodies. Cron syntax itself is the server's to judge; here we
 * check only the shape, so every problem a file has is reported at once, by line.
 */

export interface ImportEntry {
  /** "line 12" or "item 3": how messages point back into the file. */
  readonly source: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface CrontabDefaults {
  readonly type: string;
  readonly timezone?: string;
}

export class ImportFileError extends Error {
  constructor(readonly problems: readonly string[]) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
    super([...shown, ...more].join('\n'));
    this.name = 'ImportFileError';
  }
}

export function parseImportFile(text: string, defaults: CrontabDefaults): ImportEntry[] {
  const content = text.replace(/^\uFEFF/, '');
  return content.trimStart().startsWith('[') ? parseJsonArray(content) : parseCrontab(content, defaults);
}

function parseJsonArray(content: string): ImportEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new ImportFileError([`not valid JSON: ${(error as Error).message}`]);
  }
  if (!Array.isArray(parsed)) throw new ImportFileError(['expected a JSON array of job objects']);
  const problems: string[] = [];
  const entries = parsed.map((item: unknown, index): ImportEntry => {
    const source = `item ${index + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${source}: expected a job object, got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`);
      return { source, body: {} };
    }
    return { source, body: item as Record<string, unknown> };
  });
  if (problems.length > 0) throw new ImportFileError(problems);
  return entries;
}

function parseCrontab(content: string, defaults: CrontabDefaults): ImportEntry[] {
  const problems: string[] = [];
  const entries: ImportEntry[] = [];
  content.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const source = `line ${index + 1}`;
    const tokens = line.split(/\s+/);
    const api = tokens.at(-1)!;
    const fields = tokens.slice(0, -1);
    const problem = checkExpression(fields) ?? checkUrl(api);
    if (problem !== null) {
      problems.push(`${source}: ${problem}`);
      return;
    }
    const body: Record<string, unknown> = { schedule: fields.join(' '), api, type: defaults.type };
    if (defaults.timezone !== undefined) body.timezone = defaults.timezone;
    entries.push({ source, body });
  });
  if (problems.length > 0) throw new ImportFileError(problems);
  return entries;
}

function checkExpression(fields: readonly string[]): string | null {
  if (fields.length === 1 && fields[0]!.startsWith('@')) return null;
  if (fields.length === 5 || fields.length === 6) {
    const macro = fields.find((field) => field.startsWith('@'));
    return macro === undefined ? null : `an @macro (${macro}) stands alone, without other fields`;
  }
  if (fields.length === 0) return 'expected "<expression> <url>", found only one token';
  return `expected 5 or 6 cron fields or an @macro before the URL, found ${fields.length} field${fields.length === 1 ? '' : 's'}`;
}

function checkUrl(token: string): string | null {
  let url: URL;
  try {
    url = new URL(token);
  } catch {
    return `the last token must be the target URL, got "${token}"`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? null : `the target must be an http(s) URL, got "${token}"`;
}
