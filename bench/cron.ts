/**
 * Next-firing computations per second, ours and croner's, on the same fixed mix in the same run.
 * Run: npm run bench:cron   (optional: ROUNDS=9)
 *
 * Each round walks every expression of the mix from the same start instants, a few firings
 * ahead each; rounds of the two engines alternate so both see the same machine load, and the
 * medians are compared. Before that, the cost of the first firing in every zone (cold caches).
 */
import { Cron } from 'croner';
import { parseCron } from '../src/cron/index.js';

const MIX: readonly (readonly [expression: string, timezone: string])[] = [
  ['* * * * * *', 'UTC'],
  ['0 */5 * * * *', 'UTC'],
  ['31 10-15 1 * * MON-FRI', 'UTC'],
  ['0 0 0 29 2 *', 'UTC'],
  ['0 0 0 1 1 *', 'UTC'],
  ['*/15 * * * * *', 'America/New_York'],
  ['0 0 9 * * MON-FRI', 'America/New_York'],
  ['0 30 2 * * *', 'Europe/London'],
  ['0 0 12 L * *', 'Australia/Lord_Howe'],
  ['0 0 8 * * 1#2', 'Asia/Kathmandu'],
  ['0 0 0 29 2 *', 'Pacific/Chatham'],
  ['0 15 10 1,15 * *', 'Asia/Tokyo'],
];
const STARTS = Array.from({ length: 25 }, (_, i) => Date.UTC(2026, 0, 1) + i * 1_234_567_890);
const CHAIN = 4;
const ROUNDS = Number(process.env.ROUNDS ?? 7);

type Next = (after: Date) => Date | null;

function round(engines: readonly Next[]): { opsPerSecond: number; checksum: number } {
  let ops = 0;
  let checksum = 0;
  const began = performance.now();
  do {
    for (const next of engines) {
      for (const start of STARTS) {
        let at: Date | null = new Date(start);
        for (let i = 0; i < CHAIN && at; i++) {
          at = next(at);
          ops++;
          checksum += at ? at.getTime() % 1_000_000 : 0;
        }
      }
    }
  } while (performance.now() - began < 300);
  return { opsPerSecond: (ops / (performance.now() - began)) * 1000, checksum };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Cold start: the first firing asked in each zone Node.js knows, before any zone is cached. */
function coldZones(): string {
  const zones = Intl.supportedValuesOf('timeZone');
  const began = performance.now();
  for (const timezone of zones) parseCron('0 0 9 * * *', { timezone }).next(new Date(STARTS[0] as number));
  const elapsed = performance.now() - began;
  return `first next() in each of ${zones.length} zones: ${Math.round(elapsed)} ms (${(elapsed / zones.length).toFixed(1)} ms per zone)`;
}
const cold = coldZones();

const ours: Next[] = MIX.map(([expression, timezone]) => {
  const schedule = parseCron(expression, { timezone });
  return (after) => schedule.next(after);
});
const theirs: Next[] = MIX.map(([expression, timezone]) => {
  // croner's fastest path for UTC is a numeric offset; a zone name goes through Intl on every call.
  const job = new Cron(expression, timezone === 'UTC' ? { utcOffset: 0, paused: true } : { timezone, paused: true });
  return (after) => job.nextRun(after);
});

let disagreements = 0;
for (let i = 0; i < MIX.length; i++) {
  for (const start of STARTS) {
    const a = (ours[i] as Next)(new Date(start))?.getTime();
    const b = (theirs[i] as Next)(new Date(start))?.getTime();
    if (a !== b) disagreements++;
  }
}

function compare(label: string, pick: (zone: string) => boolean): void {
  const mine = ours.filter((_, i) => pick((MIX[i] as readonly [string, string])[1]));
  const other = theirs.filter((_, i) => pick((MIX[i] as readonly [string, string])[1]));
  round(mine);
  round(other);
  const mineRates: number[] = [];
  const otherRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    mineRates.push(round(mine).opsPerSecond);
    otherRates.push(round(other).opsPerSecond);
  }
  const a = median(mineRates);
  const b = median(otherRates);
  const format = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(12);
  console.log(`${label.padEnd(16)} jobscheduler ${format(a)}/s   croner ${format(b)}/s   ratio ${(a / b).toFixed(1)}x`);
}

console.log(`mix: ${MIX.length} expressions, ${STARTS.length} start instants, ${CHAIN} firings ahead each; medians of ${ROUNDS} rounds`);
console.log(`first firings that differ from croner's: ${disagreements} of ${MIX.length * STARTS.length}`);
console.log(cold);
compare('whole mix', () => true);
compare('UTC only', (zone) => zone === 'UTC');
compare('zoned only', (zone) => zone !== 'UTC');
