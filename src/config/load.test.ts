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

  it('rejects an empty HOST or data directory instead of listening on "" or writing into the working directory', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jobscheduler-config-')), 'config.env');
    writeFileSync(file, 'HOST=\nJOBSCHEDULER_DATA_DIR=   \n');
    expect(() => loadConfig({ env: {}, file })).toThrow(
      `Invalid configuration:\n  HOST (${file} line 1): must not be empty; leave it unset for the default (127.0.0.1)\n` +
        `  JOBSCHEDULER_DATA_DIR (${file} line 2): must not be empty; leave it unset for the default (./data)`,
    );
    expect(() => loadConfig({ env: {}, flags: { host: '' }, file: null })).toThrow('--host: must not be empty');
    expect(() => loadConfig({ env: {}, flags: { dataDir: '' }, file: null })).toThrow('--data-dir: must not be empty');
  });

  it('takes an IP address or a host name for HOST, and says what is wrong with anything else', () => {
    for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'api-1.internal']) {
      expect(loadConfig({ env: { HOST: ` ${host} ` }, file: null }).host).toBe(host);
    }
    expect(() => loadConfig({ env: { HOST: '[::1]' }, file: null })).toThrow('HOST: expected an IPv6 address without brackets');
    for (const host of ['local host', 'http://127.0.0.1', '127.0.0.1:8080', '-bad.example']) {
      expect(() => loadConfig({ env: { HOST: host }, file: null }), host).toThrow(`HOST: expected an IP address (127.0.0.1, 0.0.0.0, ::) or a host name, got "${host}"`);
    }
  });

  it('treats an empty value of a setting without a default value as unset', () => {
    const config = loadConfig({ env: { DATABASE_URL: '', JOBSCHEDULER_NODE_ID: '', JOBSCHEDULER_API_KEYS: '', JOBSCHEDULER_SIGNING_SECRET: '' }, file: null });
    expect([config.databaseUrl, config.nodeId, config.apiKeys, config.signingSecret]).toEqual([null, null, [], null]);
  });

  it('reads the engine tunables, each within its bounds', () => {
    const tuned = loadConfig({
      env: { JOBSCHEDULER_MISFIRE_GRACE_MS: '0', JOBSCHEDULER_RETRY_BACKOFF: 'decorrelated', JOBSCHEDULER_HISTORY_FLUSH_INTERVAL_MS: '500' },
      file: null,
    });
    expect([tuned.misfireGraceMs, tuned.retryBackoff, tuned.historyFlushIntervalMs]).toEqual([0, 'decorrelated', 500]);
    const defaults = loadConfig({ env: {}, file: null });
    expect([defaults.misfireGraceMs, defaults.retryBackoff, defaults.historyFlushIntervalMs]).toEqual([1000, 'full', 50]);
    expect(() =>
      loadConfig({ env: { JOBSCHEDULER_MISFIRE_GRACE_MS: '-1', JOBSCHEDULER_RETRY_BACKOFF: 'linear', JOBSCHEDULER_HISTORY_FLUSH_INTERVAL_MS: '0' }, file: null }),
    ).toThrow(
      'Invalid configuration:\n  JOBSCHEDULER_MISFIRE_GRACE_MS: expected a whole number from 0 to 3600000, got -1\n' +
        '  JOBSCHEDULER_RETRY_BACKOFF: expected one of full, decorrelated, got "linear"\n' +
        '  JOBSCHEDULER_HISTORY_FLUSH_INTERVAL_MS: expected a whole number from 1 to 60000, got 0',
    );
  });

  it('parses lists and rejects a malformed signing secret', () => {
    expect(loadConfig({ env: { JOBSCHEDULER_API_KEYS: ' a, b ,,c' }, file: null }).apiKeys).toEqual(['a', 'b', 'c']);
    expect(() => loadConfig({ env: { JOBSCHEDULER_SIGNING_SECRET: 'secret' }, file: null })).toThrow('whsec_');
  });

  describe('the env file', () => {
    function envFile(content: string): string {
      const file = join(mkdtempSync(join(tmpdir(), 'jobscheduler-config-')), 'config.env');
      writeFileSync(file, content);
      return file;
    }

    it('warns about each unknown name, with the setting it probably meant, and ignores POSTGRES_* (the database container reads them)', () => {
      const file = envFile('PORT=7000\nJOBSCHEDULER_API_KEY=secret\nPOSTGRES_PASSWORD=pw\nREDIS_URL=redis://x\n');
      const warnings: string[] = [];
      const config = loadConfig({ env: {}, file, onWarning: (message) => warnings.push(message) });
      expect(config.port).toBe(7000);
      expect(warnings).toEqual([
        `${file} line 2: unknown setting JOBSCHEDULER_API_KEY (did you mean JOBSCHEDULER_API_KEYS?); "jobscheduler serve --help" lists every setting`,
        `${file} line 4: unknown setting REDIS_URL (no setting reads it); "jobscheduler serve --help" lists every setting`,
      ]);
    });

    it('refuses lines that are not assignments, naming the file and each line', () => {
      const file = envFile('# a comment\n\nPORT=7000\nthis is not a setting\nexport HOST=0.0.0.0\n=value\n');
      try {
        loadConfig({ env: {}, file });
        expect.unreachable();
      } catch (error) {
        expect(isJobSchedulerError(error, 'CONFIG_INVALID')).toBe(true);
        expect((error as Error).message).toBe(
          `Invalid configuration file:\n  ${file} line 4: expected NAME=value, a # comment or a blank line, got "this is not a setting"\n` +
            `  ${file} line 6: expected NAME=value, a # comment or a blank line, got "=value"`,
        );
      }
    });

    it('names the file and line of a wrong value that came from it, and only of that one', () => {
      const file = envFile('HOST=0.0.0.0\nPORT=eighty\nLOG_LEVEL=loud\n');
      try {
        loadConfig({ env: { LOG_LEVEL: 'noisy' }, file });
        expect.unreachable();
      } catch (error) {
        const message = (error as Error).message;
        expect(message).toContain(`PORT (${file} line 2): expected a whole number from 0 to 65535`);
        expect(message).toContain('\n  LOG_LEVEL: expected');
      }
    });
  });
});
