/** The cron engine: parse an expression, then ask when it fires. Pure: no timers, no I/O, no clock. */
export { parseCron, type CronSchedule, type ParseCronOptions } from './schedule.js';
export { type CronErrorDetails } from './parse.js';
export { type FieldName } from './fields.js';
export { canonicalTimezone, isValidTimezone } from './zone.js';
export { formatInZone } from './format.js';
