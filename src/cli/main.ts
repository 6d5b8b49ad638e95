import { unknownName } from './args.js';
import { processIo, ExitCode, type CliIo, type Command } from './io.js';

/** Each command lives in its own module, loaded only when it runs. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  cron: { summary: 'Preview when a cron expression fires, or explain it in words', load: async () => (await import('./commands/cron.js')).cron },
  serve: { summary: 'Run a node: the HTTP API and the scheduling engine', load: async () => (await import('./commands/serve.js')).serve },
  migrate: { summary: 'Create or upgrade the database schema, then exit', load: async () => (await import('./commands/migrate.js')).migrate },
  jobs: { summary: 'List, create, change, run and import jobs on a running server', load: async () => (await import('./commands/jobs/index.js')).jobs },
  targets: { summary: 'Limit what all nodes send to a target: list, create, change and delete target policies', load: async () => (await import('./commands/targets.js')).targets },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length), 4);
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    'Usage: jobscheduler <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "jobscheduler <command> --help" for the options of a command.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  // Asked for, the usage is the answer (exit 0); with no command at all, it is a usage error.
  if (name === undefined) {
    io.stderr(usage());
    return ExitCode.usage;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage());
    return ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    const { version } = await import('../version.js');
    io.stdout(version);
    return ExitCode.ok;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`${unknownName('command', name, Object.keys(commands))}\n\n${usage()}`);
    return ExitCode.usage;
  }
  return (await command.load())(rest, io);
}
