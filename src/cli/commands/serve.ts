import { resolve } from 'node:path';
import { loadConfig, settings, type Config, type SettingName } from '../../config/index.js';
import { settingsHelp } from '../../config/help.js';
import { describeDatabaseUrl } from '../../config/redact.js';
import { isJobSchedulerError } from '../../errors.js';
import { createLogger } from '../../logging.js';
import { unknownOption } from '../args.js';
import { ExitCode, type CliIo, type Command } from '../io.js';
import { missingRuntimeFlags } from '../runtime-flags.js';

const USAGE = [
  'Usage: jobscheduler serve [options]',
  '',
  'Runs a node: the HTTP API (http://127.0.0.1:8080 by default) and the scheduling engine, on',
  'PostgreSQL when DATABASE_URL is set and on the embedded store in --data-dir otherwise.',
  'Stops cleanly on SIGTERM or Ctrl-C.',
].join('\n');

/** `jobscheduler serve`: start a node and run until SIGTERM/SIGINT. */
export const serve: Command = async (args, io) => {
  const parsed = parseFlags(args);
  if ('error' in parsed) {
    io.stderr(`${parsed.error}\n\n${USAGE}\n\nRun "jobscheduler serve --help" for every setting.`);
    return ExitCode.usage;
  }
  if (parsed.help) {
    io.stdout(`${USAGE}\n\n${settingsHelp()}`);
    return ExitCode.ok;
  }

  let config: Config;
  const warnings: string[] = [];
  try {
    config = loadConfig({ env: io.env, flags: parsed.flags, onWarning: (message) => warnings.push(message) });
  } catch (error) {
    io.stderr((error as Error).message);
    return ExitCode.usage;
  }
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY === true });
  for (const warning of warnings) logger.warn(warning);
  const missing = missingRuntimeFlags(process.execArgv, io.env.NODE_OPTIONS);
  if (missing.length > 0) {
    logger.warn(
      { missing },
      `Node.js was started without ${missing.join(' ')}; the node runs, with more CPU per firing and higher lateness under load. ` +
        'Start it with ./bin/jobscheduler (which sets it) or add it to NODE_OPTIONS.',
    );
  }
  const { startNode, stopBudgetMs } = await import('../../node.js');

  let node: Awaited<ReturnType<typeof startNode>>;
  try {
    node = await startNode({ config, logger });
  } catch (error) {
    io.stderr(isJobSchedulerError(error) ? error.message : `Cannot start: ${(error as Error).message}`);
    return isJobSchedulerError(error, 'CONFIG_INVALID') ? ExitCode.usage : ExitCode.failure;
  }

  const where = config.role === 'scheduler' ? `listening on ${node.address} (health, readiness and metrics only)` : `listening on ${node.address}`;
  logger.info(
    { address: node.address, store: node.store.kind, role: config.role, nodeId: node.nodeId },
    `jobscheduler ${where}, store: ${describeStore(config)}, role ${config.role}, node ${node.nodeId}`,
  );
  const code = await waitForSignal(node, logger, io, stopBudgetMs(config));
  // Everything the node opened is closed; should anything else keep the process alive, it
  // must not keep it from exiting.
  setTimeout(() => process.exit(code), EXIT_LINGER_MS).unref();
  return code;
};

/** How long a stopped node's process may take to exit by itself. */
const EXIT_LINGER_MS = 1000;

/**
 * Stops the node on the first SIGTERM or SIGINT. A second one ends the process at once (the
 * signal's default action). Every step of a stop is bounded; should one not be after all,
 * the process exits anyway, with code 1, once the stop's budget is spent.
 */
function waitForSignal(node: { close(): Promise<void> }, logger: ReturnType<typeof createLogger>, io: CliIo, budgetMs: number): Promise<number> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      logger.info({ signal, budgetMs }, `${signal}: stopping`);
      const watchdog = setTimeout(() => {
        logger.error({ budgetMs }, `the node did not stop within ${budgetMs} ms; exiting anyway`);
        process.exit(ExitCode.failure);
      }, budgetMs);
      watchdog.unref();
      node.close().then(
        () => {
          clearTimeout(watchdog);
          logger.info('stopped');
          done(ExitCode.ok);
        },
        (error: unknown) => {
          clearTimeout(watchdog);
          io.stderr(`Error while stopping: ${(error as Error).message}`);
          done(ExitCode.failure);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function describeStore(config: Config): string {
  return config.databaseUrl === null
    ? `embedded PGlite in ${resolve(config.dataDir)}`
    : `PostgreSQL at ${describeDatabaseUrl(config.databaseUrl)}`;
}

type ParsedFlags = { help: boolean; flags: Partial<Record<SettingName, string>> } | { error: string };

/** --name value, --name=value; switches (boolean settings) take no value or =true/=false. */
export function parseFlags(args: readonly string[]): ParsedFlags {
  const byFlag = new Map<string, SettingName>();
  for (const [name, setting] of Object.entries(settings) as [SettingName, (typeof settings)[SettingName]][]) {
    if ('flag' in setting) byFlag.set(setting.flag, name);
  }
  const flags: Partial<Record<SettingName, string>> = {};
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match ? byFlag.get(match[1]!) : undefined;
    if (!match || name === undefined) return { error: arg.startsWith('-') ? unknownOption(arg, [...byFlag.keys(), 'help']) : `unexpected argument "${arg}"` };
    if (typeof settings[name].default === 'boolean') {
      flags[name] = match[2] ?? 'true';
      continue;
    }
    const value = match[2] ?? args[++i];
    if (value === undefined) return { error: `--${match[1]} needs a value` };
    flags[name] = value;
  }
  return { help, flags };
}
