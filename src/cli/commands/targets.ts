import { unknownName } from '../args.js';
import { ExitCode, type Command } from '../io.js';
import { TARGET_POLICY_LIMITS } from '../../jobs/target-policies.js';
import { formatRecord, formatTable, formatValue, type Column } from '../table.js';
import {
  asRow,
  connectionHelp,
  idPath,
  integerOption,
  printJson,
  runSubcommand,
  stringOption,
  UsageError,
  type Context,
  type OptionValues,
  type Row,
  type Subcommand,
} from './jobs/shared.js';

/**
 * `jobscheduler targets <subcommand>`: target policies over the HTTP API, the limits every node
 * together keeps to when sending to an origin, a host or a domain.
 */

const limits = TARGET_POLICY_LIMITS;

const definitionOptions = {
  name: { type: 'string' },
  pattern: { type: 'string' },
  'max-concurrent': { type: 'string' },
  'max-per-second': { type: 'string' },
} as const;

const definitionHelp = `Policy fields:
  --name <text>             A unique label
  --pattern <pattern>       An origin (https://api.example.com:8443), a host (api.example.com: any
                            scheme and port) or *.example.com (its subdomains); the most specific
                            matching policy applies: origin, then host, then the longest wildcard
  --max-concurrent <n|none> Requests in flight at once over all nodes, ${limits.maxConcurrent.min} to ${limits.maxConcurrent.max}
  --max-per-second <n|none> Requests started per second over all nodes, ${limits.maxPerSecond.min} to ${limits.maxPerSecond.max}`;

/** A limit flag: a whole number in range, or "none" to remove the limit. */
function limitOption(values: OptionValues, name: string, range: { min: number; max: number }): number | null | undefined {
  if (stringOption(values, name) === 'none') return null;
  return integerOption(values, name, range.min, range.max);
}

function definitionBody(values: OptionValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const name = stringOption(values, 'name');
  if (name !== undefined) body.name = name;
  const pattern = stringOption(values, 'pattern');
  if (pattern !== undefined) body.pattern = pattern;
  const maxConcurrent = limitOption(values, 'max-concurrent', limits.maxConcurrent);
  if (maxConcurrent !== undefined) body.maxConcurrent = maxConcurrent;
  const maxPerSecond = limitOption(values, 'max-per-second', limits.maxPerSecond);
  if (maxPerSecond !== undefined) body.maxPerSecond = maxPerSecond;
  return body;
}

const columns: readonly Column<Row>[] = [
  { header: 'ID', value: (policy) => formatValue(policy.id) },
  { header: 'NAME', value: (policy) => formatValue(policy.name) },
  { header: 'PATTERN', value: (policy) => formatValue(policy.pattern) },
  { header: 'MAX CONCURRENT', value: (policy) => formatValue(policy.maxConcurrent) },
  { header: 'MAX PER SECOND', value: (policy) => formatValue(policy.maxPerSecond) },
];

function printPolicy(context: Context, body: unknown, etag?: string): number {
  if (context.json) printJson(context.io, body);
  else context.io.stdout(formatRecord(etag === undefined ? asRow(body) : { ...asRow(body), etag }));
  return ExitCode.ok;
}

const list: Subcommand = {
  group: 'targets',
  usage: 'list',
  summary: 'List the target policies.',
  positionals: [],
  async run(context) {
    const { body } = await context.client.send('GET', '/api/v1/targets');
    const items = (asRow(body).items ?? []) as Row[];
    if (context.json) printJson(context.io, body);
    else context.io.stdout(items.length === 0 ? 'No target policies.' : formatTable(items, columns));
    return ExitCode.ok;
  },
};

const get: Subcommand = {
  group: 'targets',
  usage: 'get <id>',
  summary: 'Show one target policy.',
  positionals: ['<id>'],
  async run(context) {
    const { body, headers } = await context.client.send('GET', `/api/v1/targets/${idPath(context.positionals[0]!)}`);
    return printPolicy(context, body, headers.etag);
  },
};

const create: Subcommand = {
  group: 'targets',
  usage: 'create [options]',
  summary: 'Create a target policy.',
  options: definitionOptions,
  optionsHelp: `${definitionHelp}\n\nExample:\n  jobscheduler targets create --name payments --pattern https://api.example.com --max-concurrent 20 --max-per-second 100`,
  positionals: [],
  async run(context) {
    const { body, headers } = await context.client.send('POST', '/api/v1/targets', { body: definitionBody(context.values) });
    return printPolicy(context, body, headers.etag);
  },
};

const update: Subcommand = {
  group: 'targets',
  usage: 'update <id> [options]',
  summary: 'Change some fields of a target policy ("none" removes a limit).',
  options: { ...definitionOptions, 'if-match': { type: 'string' } },
  optionsHelp: `${definitionHelp}\n  --if-match <etag>         Only if the policy is unchanged since "targets get" showed this etag`,
  positionals: ['<id>'],
  async run(context) {
    const patch = definitionBody(context.values);
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one field');
    const ifMatch = stringOption(context.values, 'if-match');
    const { body, headers } = await context.client.send('PATCH', `/api/v1/targets/${idPath(context.positionals[0]!)}`, {
      body: patch,
      headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    });
    return printPolicy(context, body, headers.etag);
  },
};

const remove: Subcommand = {
  group: 'targets',
  usage: 'delete <id>',
  summary: 'Delete a target policy: its targets are no longer limited by it.',
  positionals: ['<id>'],
  async run(context) {
    const id = context.positionals[0]!;
    await context.client.send('DELETE', `/api/v1/targets/${idPath(id)}`);
    if (context.json) printJson(context.io, { id, deleted: true });
    else context.io.stdout(`Deleted target policy ${id}.`);
    return ExitCode.ok;
  },
};

const subcommands: Readonly<Record<string, Subcommand>> = { list, get, create, update, delete: remove };

export function targetsUsage(): string {
  const width = Math.max(...Object.values(subcommands).map((command) => command.usage.length));
  return [
    'Usage: jobscheduler targets <subcommand> [options]',
    '',
    'Manage target policies: limits on what all nodes together send to an origin, a host or a domain.',
    '',
    'Subcommands:',
    ...Object.values(subcommands).map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
    '',
    connectionHelp,
  ].join('\n');
}

export const targets: Command = async (args, io) => {
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stderr(targetsUsage());
    return ExitCode.usage;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    io.stdout(targetsUsage());
    return ExitCode.ok;
  }
  const subcommand = subcommands[name];
  if (subcommand === undefined) {
    io.stderr(`${unknownName('subcommand', name, Object.keys(subcommands), 'targets ')}\n\n${targetsUsage()}`);
    return ExitCode.usage;
  }
  return runSubcommand(subcommand, rest, io);
};
