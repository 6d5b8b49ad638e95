import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { guardedLookup } from './lookup.js';

function resolve(host: string, all: boolean): Promise<{ error: NodeJS.ErrnoException | null; result: unknown }> {
  return new Promise((done) => {
    guardedLookup(host, { all } as never, (error: NodeJS.ErrnoException | null, address: string | LookupAddress[]) =>
      done({ error, result: address }),
    );
  });
}

describe('resolving target hosts', () => {
  it('resolves ordinary names', async () => {
    const { error, result } = await resolve('localhost', false);
    expect(error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(result);
  });

  it('refuses a host that resolves to a cloud metadata or link-local address', async () => {
    for (const all of [false, true]) {
      const { error } = await resolve('169.254.169.254', all);
      expect(error?.code).toBe('EFORBIDDEN');
      expect(error?.message).toMatch(/link-local or metadata/);
    }
  });
});
