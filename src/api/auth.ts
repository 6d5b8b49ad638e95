import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { JobSchedulerError } from '../errors.js';

/**
 * API keys. Keys are kept as SHA-256 digests and a presented key is hashed and compared
 * with every configured digest using timingSafeEqual, without stopping at the first match:
 * equal-length digests make the comparison time independent of the key's content and length.
 */
export type KeyCheck = (authorization: string | undefined) => void;

export function createKeyCheck(keys: readonly string[]): KeyCheck | null {
  if (keys.length === 0) return null;
  const digests = keys.map(digest);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match) {
      throw new JobSchedulerError('UNAUTHORIZED', 'This route needs "Authorization: Bearer <key>" with one of the server\'s API keys');
    }
    const presented = digest(match[1]!);
    let accepted = false;
    for (const candidate of digests) accepted = timingSafeEqual(candidate, presented) || accepted;
    if (!accepted) throw new JobSchedulerError('UNAUTHORIZED', 'The API key is not one of the server\'s keys');
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Refuses to expose the API beyond this machine without keys: a scheduler that sends HTTP
 * requests anywhere on command must not be open to the network by accident.
 */
export function assertSafeToListen(options: { host: string; apiKeys: readonly string[]; insecure: boolean }): void {
  if (options.apiKeys.length > 0 || options.insecure || isLoopback(options.host)) return;
  throw new JobSchedulerError(
    'CONFIG_INVALID',
    `Refusing to listen on ${options.host} without API keys: anyone who can reach it could make this server send requests. ` +
      'Set JOBSCHEDULER_API_KEYS, listen on 127.0.0.1, or pass --insecure (JOBSCHEDULER_INSECURE=true) to accept the risk.',
    { host: options.host },
  );
}

export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    // The URL parser writes IPv6 in its shortest form (::1, ::ffff:7f00:1).
    const canonical = new URL(`http://[${bare}]/`).hostname;
    return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
  }
  return false;
}
