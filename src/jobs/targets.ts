import { isIP } from 'node:net';
import { JobSchedulerError } from '../errors.js';

/**
 * Where a job may send requests. A scheduler that fires HTTP requests on behalf of its
 * users is a ready-made server-side request forgery tool, so two rules hold for every
 * target (`api` and `onFailure`):
 *  - only http and https;
 *  - never a link-local or cloud metadata address (169.254.0.0/16, fe80::/10,
 *    fd00:ec2::254), in any literal spelling, IPv4-mapped forms included;
 * and when the operator lists allowed host patterns, the host must match one.
 *
 * This checks what the URL says. A name that resolves to a forbidden address can only be
 * caught when the connection is made, so the dispatcher checks resolved addresses with
 * `isForbiddenAddress` as well.
 */

/** Never changed once in use: checkTarget remembers its answers per policy object. */
export interface TargetPolicy {
  /** Host patterns: "example.com" (that host), "*.example.com" (its subdomains). Empty: any host. */
  readonly allowedTargets: readonly string[];
}

/**
 * Targets accepted under each policy, raw -> normalised. The jobs of a batch mostly name a
 * few URLs, and parsing each again cost more than all other checks of a job together.
 * Refusals are not kept: their messages name the request field.
 */
const accepted = new WeakMap<TargetPolicy, Map<string, string>>();
const ACCEPTED_PER_POLICY = 512;

/** Returns the normalised URL, or throws VALIDATION_FAILED / TARGET_FORBIDDEN naming `property`. */
export function checkTarget(raw: string, property: string, policy: TargetPolicy): string {
  let known = accepted.get(policy);
  const hit = known?.get(raw);
  if (hit !== undefined) return hit;
  const href = parseTarget(raw, property, policy);
  if (known === undefined) {
    known = new Map();
    accepted.set(policy, known);
  }
  if (known.size >= ACCEPTED_PER_POLICY) known.delete(known.keys().next().value as string);
  known.set(raw, href);
  return href;
}

function parseTarget(raw: string, property: string, policy: TargetPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new JobSchedulerError('VALIDATION_FAILED', `${property} must be an absolute http or https URL, got "${raw}"`, {
      property,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JobSchedulerError(
      'VALIDATION_FAILED',
      `${property} must use http or https, got "${url.protocol.slice(0, -1)}"`,
      { property },
    );
  }
  const host = url.hostname.toLowerCase();
  if (isForbiddenAddress(host)) {
    throw new JobSchedulerError(
      'TARGET_FORBIDDEN',
      `${property} points at ${host}, a link-local or cloud metadata address; such targets are refused`,
      { property, host },
    );
  }
  if (policy.allowedTargets.length > 0 && !matchesAnyPattern(host, policy.allowedTargets)) {
    throw new JobSchedulerError(
      'TARGET_FORBIDDEN',
      `${property} host "${host}" is not in JOBSCHEDULER_ALLOWED_TARGETS (${policy.allowedTargets.join(', ')})`,
      { property, host },
    );
  }
  return url.href;
}

/** True for an IP literal (with or without IPv6 brackets) in a refused range; false for names. */
export function isForbiddenAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const version = isIP(bare);
  if (version === 4) return isForbiddenIPv4(ipv4Bytes(bare));
  if (version === 6) return isForbiddenIPv6(ipv6Bytes(bare));
  return false;
}

export function matchesAnyPattern(host: string, patterns: readonly string[]): boolean {
  const name = stripTrailingDot(host.toLowerCase());
  return patterns.some((raw) => {
    const pattern = stripTrailingDot(raw.trim().toLowerCase());
    if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return name === pattern;
  });
}

function stripTrailingDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function isForbiddenIPv4(bytes: readonly number[]): boolean {
  return bytes[0] === 169 && bytes[1] === 254;
}

const EC2_METADATA_V6 = ipv6Bytes('fd00:ec2::254');

function isForbiddenIPv6(bytes: readonly number[]): boolean {
  if (bytes.every((byte, i) => byte === EC2_METADATA_V6[i])) return true;
  // fe80::/10, IPv6 link-local.
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return true;
  const embedded = embeddedIPv4(bytes);
  return embedded !== null && isForbiddenIPv4(embedded);
}

/** The IPv4 address inside ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) or 64:ff9b::a.b.c.d (NAT64). */
function embeddedIPv4(bytes: readonly number[]): number[] | null {
  const prefix = bytes.slice(0, 12);
  const zeros = (from: number, to: number): boolean => prefix.slice(from, to).every((byte) => byte === 0);
  const mapped = zeros(0, 10) && prefix[10] === 0xff && prefix[11] === 0xff;
  const compatible = zeros(0, 12);
  const nat64 = prefix[0] === 0x00 && prefix[1] === 0x64 && prefix[2] === 0xff && prefix[3] === 0x9b && zeros(4, 12);
  return mapped || compatible || nat64 ? bytes.slice(12) : null;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** 16 bytes of a valid IPv6 literal (checked by isIP first), embedded dotted IPv4 tail included. */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(last);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head = '', rest] = text.split('::');
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}
