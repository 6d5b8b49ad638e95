import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../errors.js';
import { assertSafeToListen, createKeyCheck, isLoopback } from './auth.js';

describe('listening safely', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('treats %s as loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'example.com', '::2'])('treats %s as reachable from the network', (host) => {
    expect(isLoopback(host)).toBe(false);
  });

  it('refuses a non-loopback host without API keys, saying how to fix it', () => {
    let error: unknown;
    try {
      assertSafeToListen({ host: '0.0.0.0', apiKeys: [], insecure: false });
    } catch (caught) {
      error = caught;
    }
    expect(isJobSchedulerError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('JOBSCHEDULER_API_KEYS');
    expect((error as Error).message).toContain('--insecure');
  });

  it('allows a non-loopback host with API keys or with --insecure', () => {
    expect(() => assertSafeToListen({ host: '0.0.0.0', apiKeys: ['k'], insecure: false })).not.toThrow();
    expect(() => assertSafeToListen({ host: '0.0.0.0', apiKeys: [], insecure: true })).not.toThrow();
    expect(() => assertSafeToListen({ host: '127.0.0.1', apiKeys: [], insecure: false })).not.toThrow();
  });
});

describe('API key check', () => {
  it('is absent when no keys are configured', () => {
    expect(createKeyCheck([])).toBeNull();
  });

  it('accepts exactly the configured keys', () => {
    const check = createKeyCheck(['alpha', 'beta'])!;
    expect(() => check('Bearer alpha')).not.toThrow();
    expect(() => check('Bearer beta')).not.toThrow();
    for (const header of [undefined, '', 'Bearer', 'Bearer alph', 'Bearer alphaa', 'Token alpha', 'Bearer alpha beta']) {
      expect(() => check(header)).toThrow(/API key|Authorization/);
    }
  });
});
