import { describe, expect, it } from 'vitest';
import { settings } from '../../src/config/index.js';
import { cli } from './harness.js';

describe('jobscheduler serve --help', () => {
  it('lists every setting with its environment variable, flag and default', async () => {
    const { code, stdout } = await cli(['serve', '--help']);
    expect(code).toBe(0);
    for (const setting of Object.values(settings)) {
      expect(stdout).toContain(setting.env);
      if ('flag' in setting) expect(stdout).toContain(`--${setting.flag}`);
    }
    expect(stdout).toContain('Default: 8080.');
  });

  it('prints the secrets set in the environment nowhere', async () => {
    const env = { DATABASE_URL: 'postgresql://app:hunter2@db.internal/jobs', JOBSCHEDULER_API_KEYS: 'hunter3' };
    const { stdout, stderr } = await cli(['serve', '--help'], env);
    expect(stdout + stderr).not.toMatch(/hunter/);
  });

  it('names each wrong value and exits with 2 before starting anything', async () => {
    const { code, stderr } = await cli(['serve', '--port', '70000'], { JOBSCHEDULER_ROLE: 'boss' });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'Invalid configuration:\n  --port: expected a whole number from 0 to 65535, got 70000\n  JOBSCHEDULER_ROLE: expected one of all, api, scheduler, got "boss"\n',
    );
  });
});
