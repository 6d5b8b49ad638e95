import type { FastifyInstance } from 'fastify';
import { canonicalTimezone, formatInZone } from '../../cron/index.js';
import { JobSchedulerError } from '../../errors.js';
import { JOB_DEFAULTS, JOB_LIMITS } from '../../jobs/defaults.js';
import { checkJitter, parseInstant } from '../../jobs/definition.js';
import { PREVIEW_YEARS, compileSchedule, dueAtOf, upcomingRuns } from '../../jobs/schedule.js';
import { problems } from '../schemas/common.js';
import type { ApiContext } from './context.js';

interface PreviewQuery {
  readonly expression: string;
  readonly timezone: string;
  readonly count: number;
  readonly from?: string;
  readonly jitterMs?: number;
  readonly jobId?: string;
}

/** Check an expression and see when it would fire, before creating anything. */
export function registerScheduleRoutes(api: FastifyInstance, context: ApiContext): void {
  api.get<{ Querystring: PreviewQuery }>(
    '/schedules/preview',
    {
      schema: {
        tags: ['schedules'],
        operationId: 'previewSchedule',
        summary: 'Validate a cron expression and preview its firings',
        description: `An invalid expression answers 400 naming the cron field and token at fault. The zone is answered as the IANA database spells it; firings more than ${PREVIEW_YEARS} years after from are not listed.`,
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['expression'],
          properties: {
            expression: { type: 'string', minLength: 1, maxLength: JOB_LIMITS.scheduleLength, examples: ['0 */15 9-17 * * MON-FRI'] },
            timezone: { type: 'string', minLength: 1, maxLength: JOB_LIMITS.timezoneLength, default: JOB_DEFAULTS.timezone },
            count: { type: 'integer', minimum: 1, maximum: JOB_LIMITS.previewCount, default: 10 },
            from: { type: 'string', description: 'RFC 3339 instant to start after (default: now).' },
            jitterMs: {
              type: 'integer',
              minimum: JOB_LIMITS.jitterMs.min,
              maximum: JOB_LIMITS.jitterMs.max,
              description: 'A job\'s jitterMs: checked against the schedule\'s gaps; with jobId, firesAt shows each firing\'s delay.',
            },
            jobId: { type: 'string', format: 'uuid', description: 'The job the jitter is for (the delay depends on its id).' },
          },
        },
        response: {
          200: {
            description: 'The expression, read back in words, and its next firings',
            type: 'object',
            additionalProperties: false,
            properties: {
              expression: { type: 'string' },
              timezone: { type: 'string' },
              description: { type: 'string' },
              nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } },
              firesAt: {
                type: 'array',
                items: { type: 'string', format: 'date-time' },
                description: 'When each of nextRuns is sent: with jitterMs and jobId, the scheduled time plus that job\'s delay; otherwise the scheduled time.',
              },
            },
            required: ['expression', 'timezone', 'description', 'nextRuns', 'firesAt'],
          },
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const { expression, count } = request.query;
      const timezone = canonicalTimezone(request.query.timezone);
      if (timezone === undefined) {
        throw new JobSchedulerError('TIMEZONE_INVALID', `timezone: "${request.query.timezone}" is not an IANA time zone (for example Europe/Paris or UTC)`, {
          property: 'timezone',
          timezone: request.query.timezone,
        });
      }
      const from = request.query.from === undefined ? new Date(context.clock.now()) : parseInstant(request.query.from, 'from');
      const fields = { expression: 'expression', timezone: 'timezone' };
      const schedule = compileSchedule(expression, timezone, fields);
      const jitterMs = checkJitter(request.query.jitterMs ?? 0, { schedule: expression, runAt: null, timezone }, from, (field) =>
        field === 'schedule' ? fields.expression : field,
      );
      const runs = upcomingRuns(schedule, count, from);
      const { jobId } = request.query;
      const firesAt = jobId === undefined ? runs : runs.map((run) => dueAtOf({ id: jobId.toLowerCase(), schedule: expression, timezone, jitterMs }, run));
      return {
        expression,
        timezone,
        description: schedule.describe(),
        nextRuns: runs.map((run) => formatInZone(run, timezone)),
        firesAt: firesAt.map((run) => formatInZone(run, timezone)),
      };
    },
  );
}
