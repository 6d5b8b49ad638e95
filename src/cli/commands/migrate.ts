import { loadConfig } from '../../config/index.js';
import { isJobSchedulerError } from '../../errors.js';
import { createLogger } from '../../logging.js';
import { createStore } from '../../store/index.js';
import { parseOptions } from '../args.js';
import { ExitCode, type Command } from '../io.js';

const help = `Usage: jobscheduler migrate [--data-dir <dir>]

Creates or upgrades the database schema, then exits. Nodes also migrate when they start;
this command lets you do it ahead of a rollout. Safe to run while nodes are up and from
several places at once: one runs the migrations, the others wait and find nothing to do.

  DATABASE_URL           PostgreSQL to migrate (when set)
  --data-dir <dir>       The embedded store's directory otherwise (env JOBSCHEDULER_DATA_DIR, default ./data)`;

/** `jobscheduler migrate`: applies pending migrations to the configured store. */
export const migrate: Command = async (args, io) => {
  let values: { 'data-dir'?: string; help?: boolean };
  try {
    ({ values } = parseOptions(args, { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${help}`);
    return ExitCode.usage;
  }
  if (values.help) {
    io.stdout(help);
    return ExitCode.ok;
  }
  try {
    const dataDir = values['data-dir'];
    const config = loadConfig({ env: io.env, flags: dataDir === undefined ? {} : { dataDir }, onWarning: (message) => io.stderr(message) });
    const logger = createLogger({ level: config.logLevel, pretty: process.stderr.isTTY });
    const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, logger });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
    io.stdout(`The ${store.kind === 'postgres' ? 'PostgreSQL' : `embedded (${config.dataDir})`} database schema is up to date.`);
    return ExitCode.ok;
  } catch (error) {
    if (!isJobSchedulerError(error)) throw error;
    io.stderr(`${error.code}: ${error.message}`);
    return error.code === 'CONFIG_INVALID' ? ExitCode.usage : ExitCode.failure;
  }
};
