import { readFileSync } from 'node:fs';
import { JOB_LIMITS } from '../../../jobs/defaults.js';
import { ExitCode } from '../../io.js';
import {
  asRow,
  booleanOption,
  idPath,
  integerOption,
  printJob,
  printJson,
  stringOption,
  UsageError,
  type Context,
  type OptionValues,
  type Subcommand,
} from './shared.js';

const definitionOptions = {
  body: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  schedule: { type: 'string' },
  'run-at': { type: 'string' },
  timezone: { type: 'string' },
  api: { type: 'string' },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  payload: { type: 'string' },
  'timeout-ms': { type: 'string' },
  type: { type: 'string' },
  'max-attempts': { type: 'string' },
  'min-backoff-ms': { type: 'string' },
  'max-backoff-ms': { type: 'string' },
  'misfire-policy': { type: 'string' },
  'overlap-policy': { type: 'string' },
  'on-failure': { type: 'string' },
  active: { type: 'string' },
  'pause-after-failures': { type: 'string' },
  'start-at': { type: 'string' },
  'end-at': { type: 'string' },
  'max-runs': { type: 'string' },
  'jitter-ms': { type: 'string' },
} as const;

const definitionHelp = `Job fields (each overrides the same field of --body):
  --body <file>            A JSON job body to start from ("-" reads standard input)
  --schedule <cron>        Cron expression, 5 or 6 fields or an @macro
  --run-at <instant>       One-time job instead (RFC 3339)
  --api <url>              The target URL
  --type <type>            AT_LEAST_ONCE or AT_MOST_ONCE
  --timezone <zone>        IANA time zone of the schedule (default UTC)
  --name <text>, --description <text>
  --method <verb>          GET, POST, PUT, PATCH or DELETE (default POST)
  --header <"Name: v">     A request header; repeat for more
  --payload <json>         The JSON sent to the target
  --timeout-ms <n>         Request timeout, ${JOB_LIMITS.timeoutMs.min} to ${JOB_LIMITS.timeoutMs.max} ms
  --max-attempts <n>       Attempts in all, ${JOB_LIMITS.maxAttempts.min} to ${JOB_LIMITS.maxAttempts.max} (AT_LEAST_ONCE)
  --min-backoff-ms <n>, --max-backoff-ms <n>
                           Delays between retries, ${JOB_LIMITS.backoffMs.min} to ${JOB_LIMITS.backoffMs.max} ms
  --misfire-policy <p>     skip, fire_once or fire_all
  --overlap-policy <p>     allow or forbid
  --on-failure <url>       Receives a POST after an occurrence's last failed attempt
  --jitter-ms <n>          Send each occurrence up to n ms late (a delay fixed per job and
                           occurrence), ${JOB_LIMITS.jitterMs.min} to ${JOB_LIMITS.jitterMs.max} and at most the gap between occurrences
  --active <bool>          false creates the job inactive; true reactivates a deleted one
  --pause-after-failures <n|none>
                           Pause after n occurrences in a row failed, ${JOB_LIMITS.pauseAfterFailures.min} to ${JOB_LIMITS.pauseAfterFailures.max}
  --start-at <instant|none>, --end-at <instant|none>
                           No occurrence before / after this instant (RFC 3339, inclusive)
  --max-runs <n|none>      At most n scheduled occurrences fire, ${JOB_LIMITS.maxRuns.min} to ${JOB_LIMITS.maxRuns.max}
                           (none clears a field; a later --end-at or higher --max-runs brings back a job they ended)`;

/** The request body: --body first, then every flag given. Values are sent as typed; the server validates. */
export function definitionBody(values: OptionValues, readStdin: () => string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...readBodyFile(stringOption(values, 'body'), readStdin) };
  const text: [string, string][] = [
    ['name', 'name'],
    ['description', 'description'],
    ['schedule', 'schedule'],
    ['run-at', 'runAt'],
    ['timezone', 'timezone'],
    ['api', 'api'],
    ['method', 'method'],
    ['type', 'type'],
    ['misfire-policy', 'misfirePolicy'],
    ['overlap-policy', 'overlapPolicy'],
    ['on-failure', 'onFailure'],
  ];
  for (const [flag, field] of text) {
    const value = stringOption(values, flag);
    if (value !== undefined) body[field] = value;
  }
  const timeoutMs = integerOption(values, 'timeout-ms', JOB_LIMITS.timeoutMs.min, JOB_LIMITS.timeoutMs.max);
  if (timeoutMs !== undefined) body.timeoutMs = timeoutMs;
  const jitterMs = integerOption(values, 'jitter-ms', JOB_LIMITS.jitterMs.min, JOB_LIMITS.jitterMs.max);
  if (jitterMs !== undefined) body.jitterMs = jitterMs;
  const active = booleanOption(values, 'active');
  if (active !== undefined) body.isActive = active;
  const payload = stringOption(values, 'payload');
  if (payload !== undefined) body.payload = parseJson(payload, '--payload');
  const headers = values.header;
  if (Array.isArray(headers)) body.headers = { ...asRow(body.headers), ...parseHeaders(headers.map(String)) };
  const retry = retryFields(values);
  if (Object.keys(retry).length > 0) body.retry = { ...asRow(body.retry), ...retry };
  Object.assign(body, clearableFields(values));
  return body;
}

/** The fields whose flag takes "none" to send null (clear the field). */
function clearableFields(values: OptionValues): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const given = (flag: string): string | undefined => stringOption(values, flag);
  const integer = (flag: string, limits: { min: number; max: number }): number | null | undefined =>
    given(flag) === 'none' ? null : integerOption(values, flag, limits.min, limits.max);
  const pauseAfterFailures = integer('pause-after-failures', JOB_LIMITS.pauseAfterFailures);
  if (pauseAfterFailures !== undefined) fields.pauseAfterFailures = pauseAfterFailures;
  const maxRuns = integer('max-runs', JOB_LIMITS.maxRuns);
  if (maxRuns !== undefined) fields.maxRuns = maxRuns;
  for (const [flag, field] of [['start-at', 'startAt'], ['end-at', 'endAt']] as const) {
    const value = given(flag);
    if (value !== undefined) fields[field] = value === 'none' ? null : value;
  }
  return fields;
}

function retryFields(values: OptionValues): Record<string, number> {
  const retry: Record<string, number> = {};
  // The server's own limits, so a flag is refused here with the same bounds it would be there.
  const fields: [string, string, { min: number; max: number }][] = [
    ['max-attempts', 'maxAttempts', JOB_LIMITS.maxAttempts],
    ['min-backoff-ms', 'minBackoffMs', JOB_LIMITS.backoffMs],
    ['max-backoff-ms', 'maxBackoffMs', JOB_LIMITS.backoffMs],
  ];
  for (const [flag, field, limits] of fields) {
    const value = integerOption(values, flag, limits.min, limits.max);
    if (value !== undefined) retry[field] = value;
  }
  return retry;
}

function readBodyFile(path: string | undefined, readStdin: () => string): Record<string, unknown> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = path === '-' ? readStdin() : readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --body ${path}: ${(error as Error).message}`);
  }
  const parsed = parseJson(text, `--body ${path}`);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--body ${path} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}

export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like "Name: value", got "${line}"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function readStdin(): string {
  return readFileSync(0, 'utf8');
}

/** The job as "jobs get" shows it, etag included, ready for a later --if-match. */
function printResult(context: Context, response: { body: unknown; headers: Readonly<Record<string, string>> }): number {
  const { body, headers } = response;
  if (context.json) printJson(context.io, body);
  else printJob(context.io, headers.etag === undefined ? asRow(body) : { ...asRow(body), etag: headers.etag });
  return ExitCode.ok;
}

export const create: Subcommand = {
  usage: 'create [options]',
  summary: 'Create a job from flags, a JSON body (--body), or both.',
  options: definitionOptions,
  optionsHelp: `${definitionHelp}\n\nExample:\n  jobscheduler jobs create --schedule "0 */5 * * * *" --api https://example.com/hook --type AT_LEAST_ONCE`,
  positionals: [],
  async run(context) {
    return printResult(context, await context.client.send('POST', '/api/v1/jobs', { body: definitionBody(context.values, readStdin) }));
  },
};

export const update: Subcommand = {
  usage: 'update <id> [options]',
  summary: 'Change some fields of a job; the others keep their values.',
  options: { ...definitionOptions, 'if-match': { type: 'string' } },
  optionsHelp: `${definitionHelp}\n  --if-match <etag>        Only if the job is unchanged since "jobs get" showed this etag (W/"3")`,
  positionals: ['<id>'],
  async run(context) {
    const patch = definitionBody(context.values, readStdin);
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one field');
    const ifMatch = stringOption(context.values, 'if-match');
    const response = await context.client.send('PATCH', `/api/v1/jobs/${idPath(context.positionals[0]!)}`, {
      body: patch,
      headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    });
    return printResult(context, response);
  },
};
