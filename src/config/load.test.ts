import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../errors.js';
import { loadConfig } from './load.js';

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadConfig({ env: {}, file: null });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeNull();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lets flags win over the environment and the environment over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobscheduler-config-'));
    const file = join(dir, 'config.env');
    writeFileSync(file, '# comment\nPORT=7000\nHOST=0.0.0.0\nLOG_LEVEL="debug"\n');
    const config = loadConfig({ env: { PORT: '7100' }, flags: { port: '7200' }, file });
    expect(config.port).toBe(7200);
    expect(config.host).toBe('0.0.0.0');
    expect(config.logLevel).toBe('debug');
  });

  it('reports every wrong value at once, naming the variable and what is allowed', () => {
    try {
      loadConfig({ env: { PORT: 'eighty', JOBSCHEDULER_ROLE: 'boss', DATABASE_URL: 'mysql://x' }, file: null });
      expect.unreachable();
    } catch (error) {
      expect(isJobSchedulerError(error, 'CONFIG_INVALID')).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain('PORT: expected a whole number from 0 to 65535');
      expect(message).toContain('JOBSCHEDULER_ROLE: expected one of all, api, scheduler');
      expect(message).toContain('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    }
  });

  it('names the flag when a flag is wrong', () => {
    expect(() => loadConfig({ env: {}, flags: { port: '99999' }, file: null })).toThrow('--port: expected a whole number');
  });

  it('parses lists and rejects a malformed signing secret', () => {
    expect(loadConfig({ env: { JOBSCHEDULER_API_KEYS: ' a, b ,,c' }, file: null }).apiKeys).toEqual(['a', 'b', 'c']);
    expect(() => loadConfig({ env: { JOBSCHEDULER_SIGNING_SECRET: 'secret' }, file: null })).toThrow('whsec_');
  });
});
