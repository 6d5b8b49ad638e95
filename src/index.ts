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
export { startNode, type NodeOptions, type RunningNode } from './node.js';
export { buildServer, type ServerOptions } from './api/server.js';
export { openApiDocument } from './api/openapi.js';
export { toPostmanCollection } from './api/postman.js';
export { checkTarget, isForbiddenAddress, type TargetPolicy } from './jobs/targets.js';
