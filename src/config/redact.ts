import { settings, type Config, type SettingName } from './schema.js';

const REDACTED = '[redacted]';

/** The configuration with every secret that is set replaced, safe to log or print. */
export function redactConfig(config: Config): Readonly<Record<SettingName, unknown>> {
  const out = {} as Record<SettingName, unknown>;
  for (const name of Object.keys(settings) as SettingName[]) {
    const value: unknown = config[name];
    const isSet = value !== null && !(Array.isArray(value) && value.length === 0);
    out[name] = 'secret' in settings[name] && isSet ? REDACTED : value;
  }
  return Object.freeze(out);
}

/**
 * Where a PostgreSQL URL points ("db.internal:5432/jobs"), without user or password:
 * what a startup log line needs to say which store a node uses.
 */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const host = parsed.host !== '' ? parsed.host : (parsed.searchParams.get('host') ?? 'localhost');
  return database === '' ? host : `${host}/${database}`;
}
