import { randomFillSync } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter in rand_a
 * (the RFC's method 1), then 62 random bits. Ids made later sort later, so new rows land
 * at the right edge of primary-key indexes instead of scattering across them.
 *
 * Within one process ids are strictly increasing, even many in one millisecond: each new
 * millisecond starts the counter at a random value below 2048 (so at least 2048 ids fit in
 * it), the next ids of that millisecond count up from there, and when the counter runs out
 * the id borrows the next millisecond, as the RFC allows. Jobs created by one batch thus
 * list in creation order, since they share created_at and the list breaks ties by id.
 * A clock that steps back by less than ROLLBACK_MS keeps counting on the last timestamp;
 * a larger step (a test's fake clock, a corrected system clock) starts over from the time
 * given, since stamping ids far from it would mislead more than a break in order.
 */

const ROLLBACK_MS = 10_000;
const MAX_MS = 2 ** 48 - 1;

/**
 * Randomness is drawn 4 KiB at a time: one system call per 500 ids instead of one per id,
 * which was most of the cost of an id. Bytes are used once and never handed out.
 */
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function randomByte(): number {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  return POOL[poolOffset++]!;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

let lastMs = -Infinity;
let counter = 0;
/** "tttttttt-tttt-7": the part of an id that depends only on lastMs. */
let prefix = '';

function startMillisecond(ms: number): void {
  lastMs = ms;
  counter = ((randomByte() & 0x07) << 8) | randomByte();
  const hex = ms.toString(16).padStart(12, '0');
  prefix = `${hex.slice(0, 8)}-${hex.slice(8)}-7`;
}

export function uuidv7(nowMs: number = Date.now()): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > MAX_MS) {
    throw new RangeError(`uuidv7 needs a time in whole milliseconds from 0 to 2^48 - 1, got ${nowMs}`);
  }
  if (nowMs > lastMs || nowMs < lastMs - ROLLBACK_MS) {
    startMillisecond(nowMs);
  } else if (counter < 0xfff) {
    counter++;
  } else {
    startMillisecond(Math.min(lastMs + 1, MAX_MS));
  }
  const rand = HEX[0x80 | (randomByte() & 0x3f)]! + HEX[randomByte()]! + '-' +
    HEX[randomByte()]! + HEX[randomByte()]! + HEX[randomByte()]! + HEX[randomByte()]! + HEX[randomByte()]! + HEX[randomByte()]!;
  return `${prefix}${HEX[counter >> 8]![1]}${HEX[counter & 0xff]}-${rand}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
