/** The scheduling engine: claims due occurrences, fires them over HTTP, records the outcomes. */
export { Scheduler, type SchedulerOptions, type SchedulerSettings, type SchedulerEvents, type SchedulerState } from './scheduler.js';
export { backoffDelay, type BackoffStrategy, type BackoffParams } from './backoff.js';
export { planOccurrences, type Schedule, type ScheduleOf, type PlanWindow } from './planner.js';
export { createWebhookSigner, type WebhookSigner } from './signing.js';
export { idempotencyKey } from './attempt.js';
