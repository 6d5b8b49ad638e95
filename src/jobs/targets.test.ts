import { describe, expect, it } from 'vitest';
import { isJobSchedulerError } from '../errors.js';
import { checkTarget, isForbiddenAddress, matchesAnyPattern, targetRefusal } from './targets.js';

const anyHost = { allowedTargets: [] };

function codeOf(url: string, allowedTargets: readonly string[] = []): string | null {
  try {
    checkTarget(url, 'api', { allowedTargets });
    return null;
  } catch (error) {
    return isJobSchedulerError(error) ? error.code : 'OTHER';
  }
}

describe('job targets', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.0.1:8080/',
    'http://[fd00:ec2::254]/',
    'http://[FD00:EC2:0:0:0:0:0:254]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[0:0:0:0:0:ffff:169.254.1.1]/',
    'http://[::169.254.169.254]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[fe80::1]/',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://100.100.100.200/latest/meta-data/',
    'http://168.63.129.16/machine?comp=goalstate',
    'http://192.0.0.192/',
    'http://[::ffff:0:a9fe:a9fe]/',
    'http://[::ffff:0:169.254.169.254]/',
    'http://[2002:a9fe:a9fe::]/',
    'http://[2002:6464:64c8::1]/',
    'http://[64:ff9b:1::a9fe:a9fe]/',
    'http://[2001:0:4136:e378:8000:63bf:5601:5601]/',
    'http://[::ffff:168.63.129.16]/',
  ])('refuses the link-local or metadata address %s', (url) => {
    expect(codeOf(url)).toBe('TARGET_FORBIDDEN');
  });

  it.each(['http://localhost:4444/foo', 'https://example.com/hook', 'http://10.0.0.1/', 'http://[::1]:8080/', 'http://169.255.0.1/', 'http://[fd00:ec2::253]/', 'http://100.100.100.201/', 'http://192.0.0.193/', 'http://[2002:0a00:0001::]/', 'http://[2001:db8::1]/'])(
    'accepts %s when no patterns are set',
    (url) => {
      expect(codeOf(url)).toBeNull();
    },
  );

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://x/', 'example.com/hook', '//example.com', ''])(
    'refuses %s as not an http(s) URL',
    (url) => {
      expect(codeOf(url)).toBe('VALIDATION_FAILED');
    },
  );

  it('returns the URL in its normalised form', () => {
    expect(checkTarget('HTTP://Example.COM:80/a b', 'api', anyHost)).toBe('http://example.com/a%20b');
  });

  it('restricts hosts to the patterns when some are set', () => {
    const patterns = ['api.example.com', '*.hooks.example.org'];
    expect(codeOf('https://api.example.com/x', patterns)).toBeNull();
    expect(codeOf('https://API.EXAMPLE.COM./x', patterns)).toBeNull();
    expect(codeOf('https://a.hooks.example.org/x', patterns)).toBeNull();
    expect(codeOf('https://a.b.hooks.example.org/x', patterns)).toBeNull();
    expect(codeOf('https://hooks.example.org/x', patterns)).toBe('TARGET_FORBIDDEN');
    expect(codeOf('https://evilhooks.example.org/x', patterns)).toBe('TARGET_FORBIDDEN');
    expect(codeOf('https://api.example.com.evil.net/x', patterns)).toBe('TARGET_FORBIDDEN');
    expect(codeOf('https://other.example.com/x', patterns)).toBe('TARGET_FORBIDDEN');
  });

  it('judges a URL seen before under one policy afresh under another', () => {
    const onlyA = { allowedTargets: ['a.example.com'] };
    const onlyB = { allowedTargets: ['b.example.com'] };
    expect(checkTarget('HTTPS://A.example.com/x', 'api', onlyA)).toBe('https://a.example.com/x');
    expect(checkTarget('HTTPS://A.example.com/x', 'api', onlyA)).toBe('https://a.example.com/x');
    expect(() => checkTarget('HTTPS://A.example.com/x', 'api', onlyB)).toThrow(/not in JOBSCHEDULER_ALLOWED_TARGETS/);
  });

  it('names the field of every refusal, also of a URL refused before', () => {
    const policy = { allowedTargets: [] };
    const propertyOf = (property: string): unknown => {
      try {
        checkTarget('http://169.254.169.254/', property, policy);
      } catch (error) {
        return isJobSchedulerError(error) ? error.details : null;
      }
      return null;
    };
    expect(propertyOf('jobs[0].api')).toMatchObject({ property: 'jobs[0].api' });
    expect(propertyOf('jobs[1].onFailure')).toMatchObject({ property: 'jobs[1].onFailure' });
  });

  it('still refuses metadata addresses that a pattern would allow', () => {
    expect(codeOf('http://169.254.169.254/', ['169.254.169.254'])).toBe('TARGET_FORBIDDEN');
  });

  it('checks resolved addresses for the dispatcher', () => {
    expect(isForbiddenAddress('169.254.169.254')).toBe(true);
    expect(isForbiddenAddress('fd00:ec2::254')).toBe(true);
    expect(isForbiddenAddress('::ffff:169.254.0.9')).toBe(true);
    expect(isForbiddenAddress('93.184.216.34')).toBe(false);
    expect(isForbiddenAddress('example.com')).toBe(false);
    expect(matchesAnyPattern('x.example.com', ['*.example.com'])).toBe(true);
  });
});

describe('the check made as a request leaves', () => {
  const refusal = (url: string, allowedTargets: readonly string[] = []) => targetRefusal(new URL(url), { allowedTargets });

  it('lets a target through that the rules allow', () => {
    expect(refusal('https://api.example.com/hook', ['*.example.com'])).toBeNull();
    expect(refusal('http://10.0.0.1/')).toBeNull();
  });

  it('refuses a host the allow-list no longer names, saying which list', () => {
    expect(refusal('https://old.example.org/hook', ['*.example.com'])).toBe(
      'target refused: host "old.example.org" is not in JOBSCHEDULER_ALLOWED_TARGETS (*.example.com)',
    );
  });

  it.each(['http://169.254.169.254/', 'http://[2002:a9fe:a9fe::]/', 'http://100.100.100.200/'])('refuses the metadata address literal %s', (url) => {
    expect(refusal(url)).toMatch(/^target refused: .* is a link-local or cloud metadata address$/);
  });
});
