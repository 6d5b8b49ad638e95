import { describe, expect, it } from 'vitest';
import { settingsHelp } from './help.js';
import { loadConfig } from './load.js';
import { describeDatabaseUrl, redactConfig } from './redact.js';
import { settings } from './schema.js';

describe('serve --help settings table', () => {
  it('lists every environment variable and flag of the schema with its default', () => {
    const help = settingsHelp();
    for (const setting of Object.values(settings)) {
      expect(help).toContain(setting.env);
      if ('flag' in setting) expect(help).toContain(`--${setting.flag}`);
    }
    expect(help).toMatch(/--port <value>, PORT\n\s+Port the HTTP server listens on\. Default: 8080\./);
  });

  it('shows a boolean setting as a switch that takes no value', () => {
    expect(settingsHelp()).toContain('--insecure, JOBSCHEDULER_INSECURE');
  });

  it('marks secrets and keeps lines within the terminal width', () => {
    const help = settingsHelp(80);
    expect(help).toMatch(/JOBSCHEDULER_API_KEYS\n(\s+.*\n)*?\s+.*Secret: never printed\./);
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('configuration errors', () => {
  it('name every wrong value at once, one line per variable', () => {
    const rejecting = Object.values(settings).filter((setting) => {
      try {
        setting.parse('abc');
        return false;
      } catch {
        return true;
      }
    });
    const env = Object.fromEntries(rejecting.map((setting) => [setting.env, 'abc']));
    expect(() => loadConfig({ env, file: null })).toThrow();
    try {
      loadConfig({ env, file: null });
    } catch (error) {
      const lines = (error as Error).message.split('\n').slice(1);
      expect(lines).toHaveLength(rejecting.length);
      for (const setting of rejecting) expect(lines.some((line) => line.trim().startsWith(`${setting.env}: `))).toBe(true);
    }
  });

  it('never repeat the value of a secret', () => {
    const env = {
      DATABASE_URL: 'mysql://admin:hunter2-marker@db.internal/jobs',
      JOBSCHEDULER_SIGNING_SECRET: 'whsec_hunter2-marker',
    };
    expect(() => loadConfig({ env, file: null })).toThrow(/DATABASE_URL[\s\S]*JOBSCHEDULER_SIGNING_SECRET/);
    try {
      loadConfig({ env, file: null });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('printing a configuration', () => {
  it('replaces every secret that is set and leaves the rest readable', () => {
    const config = loadConfig({
      env: {
        DATABASE_URL: 'postgresql://app:pa55word@db.internal:5432/jobs',
        JOBSCHEDULER_API_KEYS: 'k1,k2',
        PORT: '9000',
      },
      file: null,
    });
    const printed = redactConfig(config);
    expect(printed.databaseUrl).toBe('[redacted]');
    expect(printed.apiKeys).toBe('[redacted]');
    expect(printed.signingSecret).toBeNull();
    expect(printed.port).toBe(9000);
    expect(JSON.stringify(printed)).not.toMatch(/pa55word|k1|k2/);
  });

  it('names a database by host and database, without user or password', () => {
    expect(describeDatabaseUrl('postgresql://app:pa55word@db.internal:5432/jobs')).toBe('db.internal:5432/jobs');
    expect(describeDatabaseUrl('postgres:///jobs?host=/var/run/postgresql')).toBe('/var/run/postgresql/jobs');
  });
});
