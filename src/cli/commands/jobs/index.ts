import { unknownName } from '../../args.js';
import { ExitCode, type Command } from '../../io.js';
import { pause, remove, resume } from './actions.js';
import { importJobs } from './import.js';
import { get, history, list } from './read.js';
import { backfill, run } from './run-backfill.js';
import { connectionHelp, runSubcommand, type Subcommand } from './shared.js';
import { create, update } from './write.js';

const subcommands: Readonly<Record<string, Subcommand>> = {
  list,
  get,
  create,
  update,
  delete: remove,
  run,
  backfill,
  pause,
  resume,
  history,
  import: importJobs,
};

export function jobsUsage(): string {
  const width = Math.max(...Object.values(subcommands).map((command) => command.usage.length));
  const lines = Object.values(subcommands).map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: jobscheduler jobs <subcommand> [options]',
    '',
    'Drive a running scheduler over its HTTP API.',
    '',
    'Subcommands:',
    ...lines,
    '',
    connectionHelp,
    '',
    'Errors from the server are printed as "<code>: <detail>"; exit code 2 for a refused request, 1 when the server failed or could not be reached.',
  ].join('\n');
}

/** `jobscheduler jobs <subcommand>`: a client of the HTTP API, one module per group of subcommands. */
export const jobs: Command = async (args, io) => {
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stderr(jobsUsage());
    return ExitCode.usage;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    io.stdout(jobsUsage());
    return ExitCode.ok;
  }
  const subcommand = subcommands[name];
  if (subcommand === undefined) {
    io.stderr(`${unknownName('subcommand', name, Object.keys(subcommands), 'jobs ')}\n\n${jobsUsage()}`);
    return ExitCode.usage;
  }
  return runSubcommand(subcommand, rest, io);
};
