import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { JobSchedulerError } from '../errors.js';
import { settings, type Config, type SettingName } from './schema.js';

export interface ConfigSources {
  /** The process environment (wins over the file). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags, keyed by setting name (win over everything). */
  readonly flags?: Readonly<Partial<Record<SettingName, string>>>;
  /** Path of an env file; `config.env` in the working directory when it exists. */
  readonly file?: string | null;
}

/**
 * Defaults, then the env file, then the environment, then flags: validated, frozen.
 * Every wrong value is reported at once, each naming its variable and what is allowed.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const fileValues = readEnvFile(sources.file === undefined ? defaultEnvFile() : sources.file);
  const env = sources.env ?? {};
  const problems: string[] = [];
  const values: Record<string, unknown> = {};

  for (const [name, setting] of Object.entries(settings) as [SettingName, (typeof settings)[SettingName]][]) {
    const fromFlag = sources.flags?.[name];
    const raw = fromFlag ?? env[setting.env] ?? fileValues[setting.env];
    if (raw === undefined) {
      values[name] = setting.default;
      continue;
    }
    try {
      values[name] = setting.parse(raw);
    } catch (error) {
      const where = fromFlag !== undefined && 'flag' in setting ? `--${setting.flag}` : setting.env;
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }

  if (problems.length > 0) {
    throw new JobSchedulerError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
  return Object.freeze(values) as Config;
}

function defaultEnvFile(): string | null {
  return existsSync('config.env') ? 'config.env' : null;
}

function readEnvFile(path: string | null): Record<string, string> {
  if (path === null) return {};
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new JobSchedulerError('CONFIG_INVALID', `Cannot read configuration file ${path}: ${(error as Error).message}`, { path });
  }
  return parseEnv(content) as Record<string, string>;
}
