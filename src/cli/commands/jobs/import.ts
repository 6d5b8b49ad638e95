import { readFileSync } from 'node:fs';
import { ApiProblem } from '../../client.js';
import { isValidTimezone } from '../../../cron/index.js';
import { ExitCode } from '../../io.js';
import { ImportFileError, parseImportFile, type ImportEntry } from './import-file.js';
import { asPage, asRow, integerOption, printJson, stringOption, UsageError, type Context, type Row, type Subcommand } from './shared.js';

/** The batch endpoint takes at most this many jobs per request, all or nothing. */
export const MAX_BATCH = 1000;
/** Kept under the server's 1 MiB body limit, with room for the envelope. */
const MAX_BATCH_BYTES = 1_000_000;

export const importJobs: Subcommand = {
  usage: 'import <file> [options]',
  summary: 'Create many jobs from a crontab-style file or a JSON array.',
  details: `Create many jobs from a crontab-style file (one "<expression> <url>" per line) or a JSON array of
job bodies ("-" reads standard input). Jobs go to the server in batches of up to ${MAX_BATCH}; each batch
is all or nothing, and progress is shown on stderr.`,
  options: { type: { type: 'string' }, timezone: { type: 'string' }, 'batch-size': { type: 'string' } },
  optionsHelp: `Options:
  --type <type>        Delivery type of crontab lines: AT_LEAST_ONCE (default) or AT_MOST_ONCE
  --timezone <zone>    Time zone of crontab lines (default: the server's, UTC)
  --batch-size <n>     Jobs per request, 1 to ${MAX_BATCH} (default ${MAX_BATCH})

Crontab example:
  # every weekday at 09:30:00 UTC
  0 30 9 * * MON-FRI https://example.com/report
  */5 * * * * https://example.com/poll
  @hourly https://example.com/cleanup`,
  positionals: ['<file>'],
  async run(context) {
    const file = context.positionals[0]!;
    const batchSize = integerOption(context.values, 'batch-size', 1, MAX_BATCH) ?? MAX_BATCH;
    const entries = readEntries(context, file);
    if (entries === null) return ExitCode.usage;
    if (entries.length === 0) {
      context.io.stderr(`${file} holds no job: nothing imported (a crontab line is "<expression> <url>"; a JSON file, an array of job bodies)`);
      return ExitCode.usage;
    }

    const created: Row[] = [];
    let start = 0;
    for (const batch of batches(entries, batchSize)) {
      try {
        const { body } = await context.client.send('POST', '/api/v1/jobs/batch', { body: { jobs: batch.map((entry) => entry.body) } });
        created.push(...createdJobs(body));
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
        context.io.stderr(error.message);
        reportFailedBatch(context, error, batch, start);
        return error.status < 500 ? ExitCode.usage : ExitCode.failure;
      }
      start += batch.length;
      context.io.stderr(`Imported ${start}/${entries.length} jobs`);
    }
    if (context.json) printJson(context.io, { items: created });
    else context.io.stdout(`Imported ${entries.length} job${entries.length === 1 ? '' : 's'} from ${file}.`);
    return ExitCode.ok;
  },
};

/** Consecutive slices of at most `size` jobs and MAX_BATCH_BYTES of JSON each (a larger job goes alone). */
export function* batches(entries: readonly ImportEntry[], size: number): Generator<ImportEntry[]> {
  let batch: ImportEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const entryBytes = Buffer.byteLength(JSON.stringify(entry.body)) + 1;
    if (batch.length > 0 && (batch.length === size || bytes + entryBytes > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += entryBytes;
  }
  if (batch.length > 0) yield batch;
}

function readEntries(context: Context, file: string): ImportEntry[] | null {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseImportFile(text, crontabDefaults(context));
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    context.io.stderr(`${file}: nothing imported, ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}:\n${prefixLines(error.message, '  ')}`);
    return null;
  }
}

/** Delivery types the server takes (the spellings without the underscore too). */
const DELIVERY_TYPES = ['AT_LEAST_ONCE', 'AT_MOST_ONCE', 'ATLEAST_ONCE', 'ATMOST_ONCE'];

/**
 * --type and --timezone, checked here: wrong, they would be refused by the server for the
 * first line of the file, and the message would blame that line instead of the flag.
 */
function crontabDefaults(context: Context): { type: string; timezone: string | undefined } {
  const type = stringOption(context.values, 'type') ?? 'AT_LEAST_ONCE';
  if (!DELIVERY_TYPES.includes(type)) throw new UsageError(`--type must be AT_LEAST_ONCE or AT_MOST_ONCE, got "${type}"`);
  const timezone = stringOption(context.values, 'timezone');
  if (timezone !== undefined && !isValidTimezone(timezone)) {
    throw new UsageError(`--timezone must be an IANA time zone such as Europe/Paris, got "${timezone}"`);
  }
  return { type, timezone };
}

/** The batch endpoint answers with the created jobs (`items` or `jobs`), or nothing we need. */
function createdJobs(body: unknown): Row[] {
  const page = asPage(body);
  if (page.items.length > 0) return page.items;
  const jobs = asRow(body).jobs;
  return Array.isArray(jobs) ? jobs.map(asRow) : Array.isArray(body) ? body.map(asRow) : [];
}

/**
 * Says which lines were refused and what went in before. The server names the offending
 * field as "jobs[17].schedule" (relative to the batch), which is turned back into a line.
 */
function reportFailedBatch(context: Context, problem: ApiProblem, batch: readonly ImportEntry[], start: number): void {
  const culprit = pointedEntry(problem, batch);
  const where = culprit === null ? '' : ` (the server refused ${culprit.source})`;
  const before = `${start} job${start === 1 ? '' : 's'} before it ${start === 1 ? 'was' : 'were'} imported`;
  context.io.stderr(`Batch ${batch[0]!.source} to ${batch.at(-1)!.source} was not imported${where}; ${before}.`);
}

function pointedEntry(problem: ApiProblem, batch: readonly ImportEntry[]): ImportEntry | null {
  const property = asRow(problem.body).property;
  const match = /^jobs\[(\d+)\]/.exec(typeof property === 'string' ? property : '') ?? /\bjobs\[(\d+)\]/.exec(problem.detail);
  return match === null ? null : (batch[Number(match[1])] ?? null);
}

function prefixLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}
