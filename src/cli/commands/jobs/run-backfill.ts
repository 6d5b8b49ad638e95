import { BACKFILL_LIMITS } from '../../../jobs/backfill.js';
import { ExitCode } from '../../io.js';
import { formatRecord } from '../../table.js';
import { asRow, idPath, integerOption, printJson, stringOption, UsageError, type Subcommand } from './shared.js';
import { parseHeaders, parseJson } from './write.js';

export const run: Subcommand = {
  usage: 'run <id> [options]',
  summary: 'Fire a job now, as an extra occurrence beside its schedule, optionally with another payload or headers.',
  details:
    'Fire a job now, as an extra occurrence (trigger "manual") beside its schedule. --payload and --header change what this\n' +
    'one firing (and its retries) sends; the job itself is unchanged, and its history shows the override.',
  options: { payload: { type: 'string' }, header: { type: 'string', multiple: true } },
  optionsHelp: `Options:
  --payload <json>         Sent instead of the job's payload this time (null: no body)
  --header <"Name: v">     Sent instead of the job's header of that name, or beside its headers; repeat for more

Example:
  jobscheduler jobs run 0196f3a0-... --payload '{"rerun":true}' --header "X-Reason: replay"`,
  positionals: ['<id>'],
  async run(context) {
    const id = context.positionals[0]!;
    const body: Record<string, unknown> = {};
    const payload = stringOption(context.values, 'payload');
    if (payload !== undefined) body.payload = parseJson(payload, '--payload');
    const headers = context.values.header;
    if (Array.isArray(headers)) body.headers = parseHeaders(headers.map(String));
    const response = await context.client.send('POST', `/api/v1/jobs/${idPath(id)}/run`, { body });
    if (context.json) printJson(context.io, response.body);
    else context.io.stdout(formatRecord(asRow(response.body)));
    return ExitCode.ok;
  },
};

const { maxOccurrences, intervalMs } = BACKFILL_LIMITS;

export const backfill: Subcommand = {
  usage: 'backfill <id> --from <instant> --to <instant> [options]',
  summary: 'Fire the past occurrences of a job in a range that never succeeded, once each, spaced out.',
  details:
    'Fire, once each, every occurrence of the job\'s schedule in [--from, --to) that has no successful attempt and none in\n' +
    'progress (for AT_MOST_ONCE, none that may have been sent). Running it again for the same range fires nothing twice and\n' +
    'shows what is queued. Pausing or deleting the job withdraws what was not sent yet.',
  options: { from: { type: 'string' }, to: { type: 'string' }, 'max-occurrences': { type: 'string' }, 'interval-ms': { type: 'string' } },
  optionsHelp: `Options:
  --from <instant>         First occurrence covered, included (RFC 3339)
  --to <instant>           End of the range, excluded; not later than now (RFC 3339)
  --max-occurrences <n>    Refuse a range holding more scheduled occurrences than this, 1 to ${maxOccurrences.max} (default ${maxOccurrences.default})
  --interval-ms <n>        Time between two backfilled firings, ${intervalMs.min} to ${intervalMs.max} ms (default ${intervalMs.default})

Example:
  jobscheduler jobs backfill 0196f3a0-... --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z --interval-ms 2000`,
  positionals: ['<id>'],
  async run(context) {
    const from = stringOption(context.values, 'from');
    const to = stringOption(context.values, 'to');
    if (from === undefined || to === undefined) throw new UsageError('--from and --to are required');
    const body: Record<string, unknown> = { from, to };
    const max = integerOption(context.values, 'max-occurrences', 1, maxOccurrences.max);
    if (max !== undefined) body.maxOccurrences = max;
    const interval = integerOption(context.values, 'interval-ms', intervalMs.min, intervalMs.max);
    if (interval !== undefined) body.intervalMs = interval;
    const response = await context.client.send('POST', `/api/v1/jobs/${idPath(context.positionals[0]!)}/backfill`, { body });
    if (context.json) printJson(context.io, response.body);
    else context.io.stdout(formatRecord(asRow(response.body)));
    return ExitCode.ok;
  },
};
