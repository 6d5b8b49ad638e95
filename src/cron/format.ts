import { civilFromDays, DAY_MS, MAX_INSTANT, MIN_INSTANT, MINUTE_MS } from './calendar.js';
import { zoneRules } from './zone.js';

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * RFC 3339 timestamp of `date` in `timezone` with that zone's offset, e.g.
 * 2026-03-08T03:00:00-04:00; UTC prints Z. Milliseconds appear only when not zero.
 * Offsets with seconds (local mean time before 1900) are rounded to the minute and the
 * wall time shifted with them, so the text always denotes exactly `date`.
 */
export function formatInZone(date: Date, timezone: string): string {
  const zone = zoneRules(timezone);
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('formatInZone: invalid date');
  // Outside years 1-9999 the zone's offset is taken from the nearest year the engine knows.
  const offsetMinutes = Math.round(zone.offsetAt(Math.min(Math.max(ms, MIN_INSTANT), MAX_INSTANT - 1)) / MINUTE_MS);
  const wall = ms + offsetMinutes * MINUTE_MS;
  const days = Math.floor(wall / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const msOfDay = wall - days * DAY_MS;
  const hour = Math.floor(msOfDay / 3_600_000);
  const minute = Math.floor(msOfDay / MINUTE_MS) % 60;
  const second = Math.floor(msOfDay / 1000) % 60;
  const millis = msOfDay % 1000;
  const fraction = millis === 0 ? '' : `.${pad(millis, 3)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const offset = zone.isUtc ? 'Z' : `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${offset}`;
}
