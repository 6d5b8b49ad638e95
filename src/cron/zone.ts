import { JobSchedulerError } from '../errors.js';
import { civilFromDays, daysFromCivil, DAY_MS, SECOND_MS } from './calendar.js';

/**
 * A stretch of time with one UTC offset: instants in [start, end). Regimes are cut at the
 * start of each UTC year as well as at offset changes; `previousOffset` tells which is which.
 */
export interface Regime {
  readonly start: number;
  readonly end: number;
  /** Local wall time minus UTC, in milliseconds. */
  readonly offset: number;
  /** The offset in force just before `start` (equal to `offset` at a year boundary). */
  readonly previousOffset: number;
}

/** Years of offsets one zone keeps computed (each costs about a millisecond to work out). */
const MAX_CACHED_YEARS = 256;

/** Zones that never change offset; their names come straight from the IANA database. */
const FIXED_ZONE = /^(Etc\/)?(UTC|UCT|GMT|GMT0|GMT[+-]\d{1,2}|Universal|Zulu|Greenwich)$/;

function yearStart(year: number): number {
  return daysFromCivil(year, 1, 1) * DAY_MS;
}

/**
 * The offsets of one IANA zone, read from Intl once and kept: the changes of each year asked
 * about are found by sampling the offset daily and bisecting to the second where it changes.
 * (Two changes less than a day apart would hide each other; zones change far less often.)
 */
export class ZoneRules {
  readonly name: string;
  /** Set for zones without transitions (UTC, Etc/GMT+5): the search then needs no regimes at all. */
  readonly fixedOffset: number | undefined;
  /** The zone is UTC itself: timestamps print with Z. */
  readonly isUtc: boolean;
  private readonly format: Intl.DateTimeFormat;
  private readonly regimes = new Map<number, readonly Regime[]>();
  private last: Regime = { start: 0, end: 0, offset: 0, previousOffset: 0 };

  constructor(name: string, format: Intl.DateTimeFormat) {
    this.name = name;
    this.format = format;
    const canonical = format.resolvedOptions().timeZone;
    const fixed = FIXED_ZONE.test(canonical);
    this.fixedOffset = fixed ? this.offsetFromIntl(0) : undefined;
    this.isUtc = fixed && this.fixedOffset === 0;
    if (this.fixedOffset !== undefined) {
      this.last = { start: -Infinity, end: Infinity, offset: this.fixedOffset, previousOffset: this.fixedOffset };
    }
  }

  offsetAt(ms: number): number {
    return this.regimeAt(ms).offset;
  }

  regimeAt(ms: number): Regime {
    const last = this.last;
    if (ms >= last.start && ms < last.end) return last;
    const year = civilFromDays(Math.floor(ms / DAY_MS)).year;
    for (const regime of this.regimesOf(year)) {
      if (ms >= regime.start && ms < regime.end) {
        this.last = regime;
        return regime;
      }
    }
    throw new Error(`no offset regime covers ${ms} in ${this.name}`);
  }

  /**
   * The instant a local wall time (as milliseconds, read as if UTC) stands for: the only one
   * if it happens once, the first if it happens twice (a fall-back repeats it), and for a
   * time skipped by a spring-forward change, the first instant after the gap.
   */
  instantOf(wall: number): number {
    const regime = this.regimeAt(wall - this.offsetAt(wall));
    const instant = wall - regime.offset;
    if (instant >= regime.start && instant < regime.end) {
      // A fall-back repeats wall times: the same wall time may also lie at the end of the previous
      // regime (which lasts far longer than any change is wide).
      const earlier = wall - regime.previousOffset;
      return earlier < regime.start ? earlier : instant;
    }
    // Offsets span at most UTC-12 to UTC+14, so every instant this wall time could be lies in this window.
    let candidate = this.regimeAt(wall - 15 * 3_600_000);
    let previous: Regime | undefined;
    while (candidate.start <= wall + 13 * 3_600_000) {
      const at = wall - candidate.offset;
      if (at >= candidate.start && at < candidate.end) return at;
      if (previous && wall >= candidate.start + previous.offset && wall < candidate.start + candidate.offset) return candidate.start;
      previous = candidate;
      candidate = this.regimeAt(candidate.end);
    }
    throw new Error(`no instant for local time ${wall} in ${this.name}`);
  }

  private regimesOf(year: number): readonly Regime[] {
    const cached = this.regimes.get(year);
    if (cached) return cached;
    // Schedules live in a few years around now; a preview centuries ahead should not pin
    // every year it passed through.
    if (this.regimes.size >= MAX_CACHED_YEARS) this.regimes.clear();
    const from = yearStart(year);
    const to = yearStart(year + 1);
    const bounds = [from, ...this.transitionsBetween(from, to), to];
    const regimes: Regime[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const start = bounds[i] as number;
      regimes.push({ start, end: bounds[i + 1] as number, offset: this.offsetFromIntl(start), previousOffset: this.offsetFromIntl(start - SECOND_MS) });
    }
    this.regimes.set(year, regimes);
    return regimes;
  }

  /** Instants in (from, to) where the offset changes. */
  private transitionsBetween(from: number, to: number): number[] {
    const found: number[] = [];
    let at = from;
    let offset = this.offsetFromIntl(at);
    while (at < to) {
      const next = Math.min(at + DAY_MS, to);
      const nextOffset = this.offsetFromIntl(next);
      if (nextOffset !== offset) {
        let low = at;
        let high = next;
        while (high - low > SECOND_MS) {
          const middle = low + Math.floor((high - low) / 2 / SECOND_MS) * SECOND_MS;
          if (this.offsetFromIntl(middle) === offset) low = middle;
          else high = middle;
        }
        if (high < to) found.push(high);
        offset = nextOffset;
      }
      at = next;
    }
    return found;
  }

  private offsetFromIntl(ms: number): number {
    const whole = Math.floor(ms / SECOND_MS) * SECOND_MS;
    // en-US with h23 prints "3/8/2026, 03:00:00".
    const parts = this.format.format(whole).split(/[/, :]+/).map(Number);
    const [month, day, year, hour, minute, second] = parts as [number, number, number, number, number, number];
    const wall = daysFromCivil(year, month, day) * DAY_MS + (hour * 3600 + minute * 60 + second) * SECOND_MS;
    return wall - whole;
  }
}

/**
 * Rules by canonical name (America/New_York, whatever the case or alias asked for): at most one
 * per IANA zone, so this map is bounded by the database itself. Before, names were kept as
 * given, and 40 case variants of one zone cost 40 sets of rules, each computed from scratch.
 */
const zones = new Map<string, ZoneRules>();
/** Names as given -> canonical name (null: not a zone). Cleared when full: it holds client text. */
const canonicalNames = new Map<string, string | null>();
const MAX_NAMES = 4096;

function formatterFor(zone: string): Intl.DateTimeFormat | undefined {
  if (typeof zone !== 'string' || zone.trim() === '' || zone !== zone.trim()) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    return undefined;
  }
}

export function isValidTimezone(zone: string): boolean {
  return canonicalTimezone(zone) !== undefined;
}

/**
 * The IANA database's own spelling of a zone name, as Intl resolves it: names are matched
 * without regard to case and links resolve to their zone (america/new_york and US/Eastern
 * both give America/New_York, Etc/UTC gives UTC). Undefined for a name that is no zone.
 */
export function canonicalTimezone(zone: string): string | undefined {
  const known = canonicalNames.get(zone);
  if (known !== undefined) return known ?? undefined;
  const canonical = formatterFor(zone)?.resolvedOptions().timeZone ?? null;
  if (canonicalNames.size >= MAX_NAMES) canonicalNames.clear();
  canonicalNames.set(zone, canonical);
  return canonical ?? undefined;
}

/** The rules of a zone, shared by every schedule in it. Throws TIMEZONE_INVALID for unknown names. */
export function zoneRules(zone: string): ZoneRules {
  const canonical = canonicalTimezone(zone);
  const cached = canonical === undefined ? undefined : zones.get(canonical);
  if (cached) return cached;
  const format = canonical === undefined ? undefined : formatterFor(canonical);
  if (canonical === undefined || !format) {
    throw new JobSchedulerError('TIMEZONE_INVALID', `Unknown time zone "${String(zone)}"; use an IANA name such as UTC or Europe/Paris`, {
      timezone: zone,
    });
  }
  const rules = new ZoneRules(canonical, format);
  zones.set(canonical, rules);
  return rules;
}
