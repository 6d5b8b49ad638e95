/** The library entry point. */
export { JobSchedulerError, isJobSchedulerError, ErrorCodes, type ErrorCode } from './errors.js';
export type { Clock, TimerHandle } from './time/clock.js';
export { systemClock } from './time/system-clock.js';
export { loadConfig, type Config } from './config/index.js';
export { parseCron, isValidTimezone, formatInZone, type CronSchedule, type ParseCronOptions, type CronErrorDetails } from './cron/index.js';
export { createStore, type CreateStoreOptions } from './store/index.js';
export type * from './store/types.js';
export {
  Scheduler,
  backoffDelay,
  planOccurrences,
  createWebhookSigner,
  idempotencyKey,
  type SchedulerOptions,
  type SchedulerSettings,
  type SchedulerEvents,
  type SchedulerState,
  type BackoffStrategy,
  type WebhookSigner,
} from './scheduler/index.js';
