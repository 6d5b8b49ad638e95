import { isIP } from 'node:net';
import { JobSchedulerError } from '../errors.js';

/**
 * Where a job may send requests. A scheduler that fires HTTP requests on behalf of its
 * users is a ready-made server-side request forgery tool, so two rules hold for every
 * target (`api` and `onFailure`):
 *  - only http and https;
 *  - never a link-local or cloud metadata address (FORBIDDEN_IPV4 and isForbiddenIPv6), in any
 *    literal spelling, and IPv4 addresses carried inside IPv6 ones (mapped, translated, NAT64,
 *    6to4, Teredo) included;
 * and when the operator lists allowed host patterns, the host must match one.
 *
 * checkTarget judges what a request body says. The same rules hold again when a request is
 * about to leave (targetRefusal, called by the dispatcher), so jobs stored before the list
 * was tightened, or by a node with another list, are refused too; and a name that resolves to
 * a forbidden address is caught when the connection is made (see scheduler/lookup).
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
  if (url.username !== '' || url.password !== '') {
    // Kept in the URL they would be stored and shown in every read of the job, yet never sent.
    throw new JobSchedulerError(
      'VALIDATION_FAILED',
      `${property} must not hold a user name or password; send credentials in headers (for example "Authorization")`,
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

/**
 * Why a request to `url` must not leave, or null when it may: the rules of checkTarget applied
 * at send time, whatever the job's target was checked against when it was stored.
 */
export function targetRefusal(url: URL, policy: TargetPolicy): string | null {
  const host = url.hostname.toLowerCase();
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `target refused: ${url.protocol.slice(0, -1)} is not http or https`;
  if (isForbiddenAddress(host)) return `target refused: ${host} is a link-local or cloud metadata address`;
  if (policy.allowedTargets.length > 0 && !matchesAnyPattern(host, policy.allowedTargets)) {
    return `target refused: host "${host}" is not in JOBSCHEDULER_ALLOWED_TARGETS (${policy.allowedTargets.join(', ')})`;
  }
  return null;
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

/**
 * IPv4 ranges refused as targets, as [first byte, ..., prefix length]: link-local (the AWS, GCP
 * and Azure instance metadata at 169.254.169.254 among them), Alibaba Cloud's metadata, Azure's
 * wire server, and Oracle Cloud's metadata.
 */
const FORBIDDEN_IPV4: readonly (readonly [bytes: readonly number[], prefixBits: number])[] = [
  [[169, 254, 0, 0], 16],
  [[100, 100, 100, 200], 32],
  [[168, 63, 129, 16], 32],
  [[192, 0, 0, 192], 32],
];

function isForbiddenIPv4(bytes: readonly number[]): boolean {
  return FORBIDDEN_IPV4.some(([range, bits]) => range.every((byte, i) => i * 8 >= bits || byte === bytes[i]));
}

const EC2_METADATA_V6 = ipv6Bytes('fd00:ec2::254');

function isForbiddenIPv6(bytes: readonly number[]): boolean {
  if (bytes.every((byte, i) => byte === EC2_METADATA_V6[i])) return true;
  // fe80::/10, IPv6 link-local.
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return true;
  const embedded = embeddedIPv4(bytes);
  return embedded !== null && isForbiddenIPv4(embedded);
}

/**
 * The IPv4 address an IPv6 address carries, which a gateway or the host's stack may turn into
 * a connection to it: ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d
 * (translated), 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64, the address in the last 32 bits),
 * 2002:AABB:CCDD::/16 (6to4) and 2001:0::/32 (Teredo, the client's address inverted).
 */
function embeddedIPv4(bytes: readonly number[]): number[] | null {
  const zeros = (from: number, to: number): boolean => bytes.slice(from, to).every((byte) => byte === 0);
  const starts = (...prefix: number[]): boolean => prefix.every((byte, i) => bytes[i] === byte);
  const last = bytes.slice(12);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return last;
  if (zeros(0, 12)) return last;
  if (zeros(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(10, 12)) return last;
  if (starts(0x00, 0x64, 0xff, 0x9b) && (zeros(4, 12) || (bytes[4] === 0x00 && bytes[5] === 0x01))) return last;
  if (starts(0x20, 0x02)) return bytes.slice(2, 6);
  if (starts(0x20, 0x01, 0x00, 0x00)) return last.map((byte) => byte ^ 0xff);
  return null;
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
