import { existsSync } from 'node:fs';
import { JobSchedulerError } from '../errors.js';
import { readEnvFile, unknownKeyWarnings, type EnvFile } from './env-file.js';
import { settings, type Config, type SettingName } from './schema.js';

export interface ConfigSources {
  /** The process environment (wins over the file). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags, keyed by setting name (win over everything). */
  readonly flags?: Readonly<Partial<Record<SettingName, string>>>;
  /** Path of an env file; `config.env` in the working directory when it exists. */
  readonly file?: string | null;
  /** Told of what is suspicious but not wrong (an unknown name in the file). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Defaults, then the env file, then the environment, then flags: validated, frozen.
 * Every wrong value is reported at once, each naming its variable and what is allowed, and
 * for a value from the file, the file and line it is on.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const path = sources.file === undefined ? defaultEnvFile() : sources.file;
  const file: EnvFile | null = path === null ? null : readEnvFile(path);
  const fileValues = file?.values ?? {};
  const env = sources.env ?? {};
  if (file && sources.onWarning) {
    for (const warning of unknownKeyWarnings(file, Object.values(settings).map((setting) => setting.env))) sources.onWarning(warning);
  }
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
      const fromFile = fromFlag === undefined && env[setting.env] === undefined && file !== null;
      problems.push(`${where}${fromFile ? ` (${file.path} line ${file.lines[setting.env]})` : ''}: ${(error as Error).message}`);
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
