import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { isUuid, uuidv7 } from './ids.js';

vi.mock('node:crypto', async (importActual) => {
  const actual = await importActual<typeof crypto>();
  return { ...actual, randomFillSync: vi.fn(actual.randomFillSync) };
});

/** Each test takes its own milliseconds, later than any earlier test's, as a fresh process would see them. */
let nextMs = Date.UTC(2031, 0, 1);
function freshMs(): number {
  nextMs += 60_000;
  return nextMs;
}

const timestampOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const counterOf = (id: string): number => parseInt(id.slice(15, 18), 16);
const randomPartOf = (id: string): string => id.slice(19);

describe('uuidv7', () => {
  it('makes version 7, variant 10 UUIDs stamped with the given millisecond', () => {
    const ms = freshMs();
    const id = uuidv7(ms);
    expect(isUuid(id)).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(timestampOf(id)).toBe(ms);
    expect(new Date(timestampOf(uuidv7())).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('lists 1,000 ids made in one millisecond in the order they were made, all stamped with it', () => {
    const ms = freshMs();
    const ids = Array.from({ length: 1000 }, () => uuidv7(ms));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ids.every((id) => timestampOf(id) === ms)).toBe(true);
  });

  it('starts each millisecond at a random counter value with room for at least 2,048 ids', () => {
    const starts = Array.from({ length: 200 }, () => counterOf(uuidv7(freshMs())));
    expect(Math.max(...starts)).toBeLessThan(2048);
    expect(new Set(starts).size).toBeGreaterThan(100);
  });

  it('borrows the next millisecond when one millisecond runs out of counter values, and stays in order', () => {
    const ms = freshMs();
    const ids = Array.from({ length: 10_000 }, () => uuidv7(ms));
    expect([...ids].sort()).toEqual(ids);
    expect(timestampOf(ids[0]!)).toBe(ms);
    expect(timestampOf(ids.at(-1)!)).toBeGreaterThan(ms);
    expect(timestampOf(uuidv7(ms + 100))).toBe(ms + 100);
  });

  it('keeps order when the clock steps back a little, and follows the clock when it steps back far', () => {
    const ms = freshMs();
    const before = uuidv7(ms);
    const slightlyEarlier = uuidv7(ms - 500);
    expect(slightlyEarlier > before).toBe(true);
    expect(timestampOf(slightlyEarlier)).toBe(ms);
    const muchEarlier = uuidv7(ms - 3_600_000);
    expect(timestampOf(muchEarlier)).toBe(ms - 3_600_000);
  });

  it('fills the random part from fresh randomness for every id, across refills of the pool', () => {
    const ms = freshMs();
    const randomParts = Array.from({ length: 20_000 }, () => randomPartOf(uuidv7(ms)));
    expect(new Set(randomParts).size).toBe(20_000);
    const firstHexDigits = new Set(randomParts.map((part) => part[5]));
    expect(firstHexDigits.size).toBe(16);
  });

  it('draws randomness from the system in blocks, not once per id', () => {
    const draws = vi.mocked(crypto.randomFillSync);
    draws.mockClear();
    const ms = freshMs();
    for (let i = 0; i < 5000; i++) uuidv7(ms + i);
    expect(draws.mock.calls.length).toBeGreaterThan(0);
    expect(draws.mock.calls.length).toBeLessThanOrEqual(Math.ceil((5000 * 10) / 4096));
  });

  it('refuses times outside what 48 bits of milliseconds can hold', () => {
    expect(() => uuidv7(-1)).toThrow(RangeError);
    expect(() => uuidv7(2 ** 48)).toThrow(RangeError);
    expect(() => uuidv7(1.5)).toThrow(RangeError);
  });
});
