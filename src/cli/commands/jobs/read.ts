import { formatTable, formatValue, type Column } from '../../table.js';
import { ExitCode } from '../../io.js';
import {
  asPage,
  asRow,
  booleanOption,
  idPath,
  integerOption,
  printJob,
  printJobs,
  printJson,
  stringOption,
  type Context,
  type Row,
  type Subcommand,
} from './shared.js';

const pageOptions = {
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
} as const;

const pageHelp = `  --limit <n>        Items per page, 1 to 1000 (default: the server's; 1000 with --all)
  --cursor <cursor>  Start from a page a previous answer pointed to
  --all              Follow every page to the end`;

/** Reads one page, or every page with --all; hints at the next page otherwise. */
async function readPages(context: Context, path: string, query: Record<string, string | undefined>) {
  const all = context.values.all === true;
  const items: Row[] = [];
  let cursor = stringOption(context.values, 'cursor');
  // Following every page: the largest pages make the fewest round trips.
  const limit = integerOption(context.values, 'limit', 1, 1000) ?? (all ? 1000 : undefined);
  for (;;) {
    const { body } = await context.client.send('GET', path, { query: { ...query, limit: limit?.toString(), cursor } });
    const page = asPage(body);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!all || cursor === undefined) return { items, nextCursor: cursor ?? null };
  }
}

function hintNextPage(context: Context, nextCursor: string | null, command: string): void {
  if (nextCursor !== null && !context.json) {
    context.io.stderr(`More on the next page: jobscheduler jobs ${command} --cursor ${nextCursor} (or --all)`);
  }
}

export const list: Subcommand = {
  usage: 'list [options]',
  summary: 'List jobs, oldest first.',
  options: { ...pageOptions, active: { type: 'string' }, name: { type: 'string' } },
  optionsHelp: `Options:
  --active <bool>    Only active (true) or only inactive (false) jobs
  --name <text>      Only jobs whose name contains this text (case-insensitive)
${pageHelp}`,
  positionals: [],
  async run(context) {
    const active = booleanOption(context.values, 'active');
    const page = await readPages(context, '/api/v1/jobs', {
      active: active?.toString(),
      name: stringOption(context.values, 'name'),
    });
    if (context.json) printJson(context.io, page);
    else printJobs(context.io, page.items);
    hintNextPage(context, page.nextCursor, 'list');
    return ExitCode.ok;
  },
};

export const get: Subcommand = {
  usage: 'get <id>',
  summary: 'Show one job, with its next run and last status.',
  positionals: ['<id>'],
  async run(context) {
    const { body, headers } = await context.client.send('GET', `/api/v1/jobs/${idPath(context.positionals[0]!)}`);
    if (context.json) printJson(context.io, body);
    else printJob(context.io, headers.etag === undefined ? asRow(body) : { ...asRow(body), etag: headers.etag });
    return ExitCode.ok;
  },
};

const historyColumns: readonly Column<Row>[] = [
  { header: 'SCHEDULED AT', value: (run) => formatValue(run.scheduledAt) },
  { header: 'DUE AT', value: (run) => formatValue(run.dueAt) },
  // manual (POST /run), backfill, or schedule; "+override" when a run-now override changed what was sent.
  { header: 'TRIGGER', value: (run) => `${formatValue(run.trigger)}${run.override != null ? '+override' : ''}` },
  { header: 'ATTEMPT', value: (run) => formatValue(run.attempt) },
  { header: 'STATUS', value: (run) => formatValue(run.status) },
  { header: 'HTTP', value: (run) => formatValue(run.httpStatus) },
  { header: 'DURATION', value: (run) => (typeof run.durationMs === 'number' ? `${run.durationMs} ms` : '-') },
  { header: 'LATENESS', value: lateness },
  { header: 'NODE', value: (run) => formatValue(run.node) },
  { header: 'ERROR', value: (run) => formatValue(run.error) },
];

/**
 * How long after it was due an attempt started: after its scheduled instant plus the job's
 * jitter for a first attempt, after its backoff for a retry, after the time the backfill gave
 * it for a backfilled occurrence (its scheduled instant lies in the past on purpose).
 */
function lateness(run: Row): string {
  if (typeof run.startedAt !== 'string' || typeof run.dueAt !== 'string') return '-';
  const ms = Date.parse(run.startedAt) - Date.parse(run.dueAt);
  return Number.isFinite(ms) ? `${ms} ms` : '-';
}

export const history: Subcommand = {
  usage: 'history <id> [options]',
  summary: "Show a job's executions, newest first.",
  details: "Show a job's executions, newest first: scheduled and due time, trigger (schedule, manual, backfill; +override when a run-now override was sent), status, HTTP status, duration, lateness, attempt and node.",
  options: pageOptions,
  optionsHelp: `Options:\n${pageHelp}`,
  positionals: ['<id>'],
  async run(context) {
    const page = await readPages(context, `/api/v1/jobs/${idPath(context.positionals[0]!)}/history`, {});
    if (context.json) printJson(context.io, page);
    else context.io.stdout(page.items.length === 0 ? 'No executions yet.' : formatTable(page.items, historyColumns));
    hintNextPage(context, page.nextCursor, `history ${context.positionals[0]!}`);
    return ExitCode.ok;
  },
};
