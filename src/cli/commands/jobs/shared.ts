import type { ParseArgsConfig } from 'node:util';
import { ArgumentError, parseOptions, SHELL_EXPANSION_HINT } from '../../args.js';
import { ApiClient, ApiProblem, DEFAULT_SERVER, ServerUnreachable } from '../../client.js';
import { ExitCode, type CliIo } from '../../io.js';
import { formatRecord, formatTable, formatValue, type Column } from '../../table.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** A wrong flag or argument: reported with the subcommand's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const connectionOptions = {
  server: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export const connectionHelp = `Connection options:
  --server <url>     The node to talk to (env JOBSCHEDULER_SERVER, default ${DEFAULT_SERVER})
  --api-key <key>    Sent as "Authorization: Bearer <key>" (env JOBSCHEDULER_API_KEY)
  --json             Print the server's JSON answer instead of a table`;

export interface Context {
  readonly client: ApiClient;
  readonly json: boolean;
  readonly io: CliIo;
  readonly values: OptionValues;
  readonly positionals: readonly string[];
}

export interface Subcommand {
  /** The command it belongs to: "jobs" when absent. */
  readonly group?: string;
  /** "get <id>": the usage line after "jobscheduler <group>". */
  readonly usage: string;
  /** One line for the list of subcommands. */
  readonly summary: string;
  /** More about it, for its --help. */
  readonly details?: string;
  /** Options beyond the connection options, with their help lines. */
  readonly options?: OptionSpec;
  readonly optionsHelp?: string;
  readonly positionals: readonly string[];
  readonly run: (context: Context) => Promise<number>;
}

export function subcommandHelp(command: Subcommand): string {
  const sections = [`Usage: jobscheduler ${command.group ?? 'jobs'} ${command.usage}`, '', command.details ?? command.summary];
  if (command.optionsHelp) sections.push('', command.optionsHelp);
  sections.push('', connectionHelp);
  return sections.join('\n');
}

/**
 * Parses the arguments, opens a client, runs the subcommand and turns every failure into a
 * message on stderr and an exit code: 2 for bad usage and 4xx answers, 1 for 5xx and network.
 */
export async function runSubcommand(command: Subcommand, args: readonly string[], io: CliIo): Promise<number> {
  let values: OptionValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseOptions(args, { ...connectionOptions, ...command.options }));
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return usageFailure(io, command, error.message);
  }
  if (values.help === true) {
    io.stdout(subcommandHelp(command));
    return ExitCode.ok;
  }
  if (positionals.length !== command.positionals.length) {
    const expected = command.positionals.length === 0 ? 'no arguments' : command.positionals.join(' ');
    const got = `expected ${expected}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`;
    // An unquoted --schedule * * * * * * reaches us as one file name and many arguments.
    const hint = values.schedule !== undefined && positionals.length > command.positionals.length ? `\n${SHELL_EXPANSION_HINT}` : '';
    return usageFailure(io, command, `${got}${hint}`);
  }

  let client: ApiClient;
  try {
    client = new ApiClient({ server: serverOption(values, io), apiKey: stringOption(values, 'api-key') ?? io.env.JOBSCHEDULER_API_KEY ?? null });
  } catch (error) {
    return usageFailure(io, command, (error as Error).message);
  }
  try {
    return await command.run({ client, json: values.json === true, io, values, positionals });
  } catch (error) {
    return reportFailure(io, command, error);
  } finally {
    await client.close();
  }
}

function serverOption(values: OptionValues, io: CliIo): string {
  const server = stringOption(values, 'server') ?? io.env.JOBSCHEDULER_SERVER ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
  return server;
}

export function reportFailure(io: CliIo, command: Subcommand, error: unknown): number {
  if (error instanceof ApiProblem) {
    io.stderr(error.message);
    return error.status < 500 ? ExitCode.usage : ExitCode.failure;
  }
  if (error instanceof ServerUnreachable) {
    io.stderr(error.message);
    return ExitCode.failure;
  }
  if (error instanceof UsageError) return usageFailure(io, command, error.message);
  throw error;
}

function usageFailure(io: CliIo, command: Subcommand, message: string): number {
  const group = command.group ?? 'jobs';
  io.stderr(`${message}\n\nUsage: jobscheduler ${group} ${command.usage}\nRun "jobscheduler ${group} ${command.usage.split(' ')[0]} --help" for its options.`);
  return ExitCode.usage;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

export function booleanOption(values: OptionValues, name: string): boolean | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new UsageError(`--${name} must be true or false, got "${raw}"`);
}

/** A job or execution id as a path segment: the server answers 404 for anything malformed. */
export function idPath(id: string): string {
  return encodeURIComponent(id);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2));
}

export type Row = Readonly<Record<string, unknown>>;

export function asRow(value: unknown): Row {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Row) : {};
}

export function asPage(value: unknown): { items: Row[]; nextCursor: string | null } {
  const page = asRow(value);
  const items = Array.isArray(page.items) ? page.items.map(asRow) : [];
  return { items, nextCursor: typeof page.nextCursor === 'string' ? page.nextCursor : null };
}

export function jobState(job: Row): string {
  if (job.isActive === false) return typeof job.endedBy === 'string' && job.deletedAt === null ? 'ended' : 'inactive';
  return job.paused === true ? 'paused' : 'active';
}

export const jobColumns: readonly Column<Row>[] = [
  { header: 'ID', value: (job) => formatValue(job.id) },
  { header: 'NAME', value: (job) => formatValue(job.name) },
  { header: 'SCHEDULE', value: (job) => (typeof job.schedule === 'string' ? job.schedule : `once at ${formatValue(job.runAt)}`) },
  { header: 'ZONE', value: (job) => formatValue(job.timezone) },
  { header: 'TYPE', value: (job) => formatValue(job.type) },
  { header: 'NEXT RUN', value: (job) => formatValue(job.nextRunAt) },
  { header: 'LAST STATUS', value: (job) => formatValue(job.lastStatus) },
  { header: 'STATE', value: jobState },
];

export function printJobs(io: CliIo, jobs: readonly Row[]): void {
  io.stdout(jobs.length === 0 ? 'No jobs.' : formatTable(jobs, jobColumns));
}

export function printJob(io: CliIo, job: Row): void {
  io.stdout(formatRecord({ ...job, state: jobState(job) }));
}
