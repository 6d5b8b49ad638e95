import { describe, expect, it } from 'vitest';
import { normalisePattern, policyForOrigin } from './target-policies.js';

describe('target policy patterns', () => {
  it('normalises origins, hosts and wildcards so two spellings of one are one', () => {
    expect(normalisePattern('HTTPS://Api.Example.com:443/')).toEqual({ pattern: 'https://api.example.com', kind: 'origin' });
    expect(normalisePattern('http://10.0.0.5:8080')).toEqual({ pattern: 'http://10.0.0.5:8080', kind: 'origin' });
    expect(normalisePattern(' Api.Example.COM ')).toEqual({ pattern: 'api.example.com', kind: 'host' });
    expect(normalisePattern('*.Example.com')).toEqual({ pattern: '*.example.com', kind: 'wildcard' });
    expect(normalisePattern('[::1]')).toEqual({ pattern: '[::1]', kind: 'host' });
  });

  it.each(['https://api.example.com/v1', 'https://user:pw@api.example.com', 'ftp://x.example.com', '*.com', 'api.*.example.com', 'a b', '*'])(
    'refuses %s with a reason',
    (pattern) => {
      expect(typeof normalisePattern(pattern)).toBe('string');
    },
  );

  it('applies the most specific matching policy: origin, then host, then the longest wildcard', () => {
    const policies = [
      { name: 'domain', pattern: '*.example.com' },
      { name: 'eu', pattern: '*.eu.example.com' },
      { name: 'host', pattern: 'api.eu.example.com' },
      { name: 'origin', pattern: 'https://api.eu.example.com' },
    ];
    const name = (origin: string): string | undefined => policyForOrigin(policies, origin)?.name;
    expect(name('https://api.eu.example.com')).toBe('origin');
    expect(name('http://api.eu.example.com:8080')).toBe('host');
    expect(name('https://web.eu.example.com')).toBe('eu');
    expect(name('https://www.example.com')).toBe('domain');
    expect(name('https://example.com')).toBeUndefined();
    expect(name('https://example.org')).toBeUndefined();
    expect(name('https://notexample.com')).toBeUndefined();
  });
});
