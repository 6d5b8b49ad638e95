/** How the dashboard writes times, durations and rates. Pure functions, tested on their own. */

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * An RFC 3339 instant as written in its own offset ("Mon 2025-05-05 10:15:31 +02:00"), so
 * that a job's next runs read in the job's time zone, whatever the browser's zone is.
 */
export function formatInOwnOffset(value: string): string {
  const match = rfc3339.exec(value);
  if (!match) return value;
  const [, year, month, day, time, offset] = match as unknown as [string, string, string, string, string, string];
  const weekday = weekdays[new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDay()];
  return `${weekday} ${year}-${month}-${day} ${time} ${offset === 'Z' || offset === '+00:00' ? 'UTC' : offset}`;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** An instant in the browser's local time: "2025-05-05 10:15:31". */
export function formatLocal(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "in 4 s", "12 min ago", "just now": how far an instant is from `now`. */
export function formatRelative(value: string | null | undefined, now: number): string {
  if (value === null || value === undefined) return '—';
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return '—';
  const deltaMs = at - now;
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  if (seconds === 0) return 'now';
  let amount: string;
  if (seconds < 60) amount = `${seconds} s`;
  else if (seconds < 3600) amount = `${Math.round(seconds / 60)} min`;
  else if (seconds < 86_400 * 2) amount = `${Math.round(seconds / 3600)} h`;
  else amount = `${Math.round(seconds / 86_400)} d`;
  return deltaMs > 0 ? `in ${amount}` : `${amount} ago`;
}

/** "850 ms", "1.25 s", "2 min 5 s"; negative values keep their sign. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.round((abs % 60_000) / 1000);
  return `${sign}${minutes} min${seconds > 0 ? ` ${seconds} s` : ''}`;
}

/** A 0..1 rate as a percentage with at most one decimal ("99.5 %", "100 %"); "—" for none. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  const percent = Math.round(rate * 1000) / 10;
  return `${percent} %`;
}

/** Firings per second with a precision that suits the magnitude. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(2);
  if (perSecond < 100) return perSecond.toFixed(1);
  return Math.round(perSecond).toLocaleString('en-US');
}

/**
 * The last characters of an id, enough to tell jobs apart in a table. (Ids are UUIDv7: the
 * first characters are a timestamp, shared by jobs created together.)
 */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(-8) : id;
}
