/**
 * Jitter: each occurrence of a job with `jitterMs` J > 0 is sent at its scheduled time plus a
 * delay in [0, J), so thousands of jobs sharing one schedule do not reach their targets in the
 * same millisecond. The delay is a pure function of the job id and the occurrence's epoch
 * milliseconds: every node, every restart and every preview computes the same one, so a
 * firing can be predicted (GET /jobs/{id}/schedule) and tested.
 *
 * Invariant: the delay is also less than the gap to the job's following occurrence, so the
 * jittered times of a job keep the order of its occurrences (the planner and the misfire
 * rules rely on it). The API refuses a jitterMs larger than the gaps it can see; the clamp
 * here covers the gaps it cannot (a daylight-saving change years ahead).
 */

/** The delay of one occurrence, in ms: 0 <= delay < min(jitterMs, gapMs); 0 when either is 0. */
export function jitterDelayMs(jobId: string, scheduledAtMs: number, jitterMs: number, gapMs = Number.POSITIVE_INFINITY): number {
  const range = Math.min(jitterMs, gapMs);
  if (!(range > 1)) return 0;
  return Math.floor((occurrenceHash(jobId, scheduledAtMs) / 0x1_0000_0000) * range);
}

/**
 * 32 bits from the job id and the occurrence: FNV-1a over both, then murmur3's finaliser so
 * that neighbouring ids and instants land far apart. Stable across versions: changing it moves
 * every jittered firing, so it is pinned by a test with fixed values.
 */
export function occurrenceHash(jobId: string, scheduledAtMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) hash = Math.imul(hash ^ jobId.charCodeAt(i), 0x01000193);
  const high = Math.floor(scheduledAtMs / 0x1_0000_0000);
  hash = Math.imul(hash ^ (scheduledAtMs >>> 0), 0x01000193);
  hash = Math.imul(hash ^ (high >>> 0), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
