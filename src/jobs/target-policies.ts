import { JobSchedulerError } from '../errors.js';
import type { TargetPolicyDefinition } from '../store/types.js';

/**
 * Target policies: which policy a request's origin falls under, and what a policy may say.
 *
 * A pattern is one of
 *  - an origin, `https://api.example.com` or `http://10.0.0.5:8080`: that scheme, host and port;
 *  - a host, `api.example.com` or `10.0.0.5`: that host, any scheme and port;
 *  - a wildcard, `*.example.com`: every subdomain of example.com at any depth (not example.com
 *    itself, as in JOBSCHEDULER_ALLOWED_TARGETS), any scheme and port.
 * When several match, the most specific applies, and only it: an origin before a host, a host
 * before any wildcard, a longer wildcard domain before a shorter one. Patterns are stored
 * normalised (lower case, default ports dropped), so two spellings of one pattern are one.
 */

export const TARGET_POLICY_LIMITS = Object.freeze({
  nameLength: 100,
  patternLength: 255,
  maxConcurrent: { min: 1, max: 10_000 },
  maxPerSecond: { min: 1, max: 100_000 },
});

export type PatternKind = 'origin' | 'host' | 'wildcard';

const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The normalised pattern and its kind, or a message saying what is wrong with it. */
export function normalisePattern(text: string): { pattern: string; kind: PatternKind } | string {
  const given = text.trim().toLowerCase();
  if (given.includes('://')) {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      return `"${text}" is not a valid origin (scheme://host[:port])`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${text}": only http and https origins can be limited`;
    if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
      return `"${text}": an origin has no path, query or credentials (scheme://host[:port])`;
    }
    return { pattern: url.origin, kind: 'origin' };
  }
  if (given.startsWith('*.')) {
    const domain = given.slice(2);
    return HOST.test(domain) && domain.includes('.') ? { pattern: given, kind: 'wildcard' } : `"${text}": a wildcard is *. followed by a domain (*.example.com)`;
  }
  if (given.startsWith('[') && given.endsWith(']')) {
    try {
      return { pattern: new URL(`http://${given}`).hostname, kind: 'host' };
    } catch {
      return `"${text}" is not a valid IPv6 address`;
    }
  }
  return HOST.test(given) ? { pattern: given, kind: 'host' } : `"${text}" is not an origin, a host name or *.domain`;
}

/**
 * The policy for an origin (`https://api.example.com:8443`, as URL.origin spells it) among
 * `policies`, by the precedence above; null when none matches.
 */
export function policyForOrigin<P extends { readonly pattern: string }>(policies: readonly P[], origin: string): P | null {
  let hostname: string;
  try {
    hostname = new URL(origin).hostname;
  } catch {
    return null;
  }
  let best: P | null = null;
  let bestRank = -1;
  for (const policy of policies) {
    const rank = matchRank(policy.pattern, origin, hostname);
    if (rank > bestRank) {
      best = policy;
      bestRank = rank;
    }
  }
  return best;
}

/** How specifically `pattern` matches: -1 not at all; origins above hosts above wildcards, longer wildcards above shorter. */
function matchRank(pattern: string, origin: string, hostname: string): number {
  if (pattern.includes('://')) return pattern === origin ? 3_000 : -1;
  if (!pattern.startsWith('*.')) return pattern === hostname ? 2_000 : -1;
  const suffix = pattern.slice(1);
  return hostname.endsWith(suffix) && hostname.length > suffix.length ? suffix.length : -1;
}

export interface TargetPolicyBody {
  readonly name?: string;
  readonly pattern?: string;
  readonly maxConcurrent?: number | null;
  readonly maxPerSecond?: number | null;
}

/** A complete definition from a create body (shape already checked by the schema). */
export function targetPolicyFromBody(body: TargetPolicyBody): TargetPolicyDefinition {
  return checkedDefinition({
    name: body.name!.trim(),
    pattern: body.pattern!,
    maxConcurrent: body.maxConcurrent ?? null,
    maxPerSecond: body.maxPerSecond ?? null,
  });
}

/** The patch of a PATCH body over `current`, checked as a whole. */
export function targetPolicyPatch(body: TargetPolicyBody, current: TargetPolicyDefinition): Partial<TargetPolicyDefinition> {
  const merged = checkedDefinition({
    name: body.name === undefined ? current.name : body.name.trim(),
    pattern: body.pattern ?? current.pattern,
    maxConcurrent: body.maxConcurrent === undefined ? current.maxConcurrent : body.maxConcurrent,
    maxPerSecond: body.maxPerSecond === undefined ? current.maxPerSecond : body.maxPerSecond,
  });
  const patch: { -readonly [K in keyof TargetPolicyDefinition]?: TargetPolicyDefinition[K] } = {};
  if (body.name !== undefined) patch.name = merged.name;
  if (body.pattern !== undefined) patch.pattern = merged.pattern;
  if (body.maxConcurrent !== undefined) patch.maxConcurrent = merged.maxConcurrent;
  if (body.maxPerSecond !== undefined) patch.maxPerSecond = merged.maxPerSecond;
  return patch;
}

function checkedDefinition(definition: TargetPolicyDefinition): TargetPolicyDefinition {
  if (definition.name === '') throw invalid('name', 'name must not be blank');
  const pattern = normalisePattern(definition.pattern);
  if (typeof pattern === 'string') throw invalid('pattern', `pattern: ${pattern}`);
  if (definition.maxConcurrent === null && definition.maxPerSecond === null) {
    throw invalid('maxConcurrent', 'give maxConcurrent, maxPerSecond or both: a policy without a limit limits nothing');
  }
  return { ...definition, pattern: pattern.pattern };
}

function invalid(property: string, message: string): JobSchedulerError {
  return new JobSchedulerError('VALIDATION_FAILED', message, { property });
}
