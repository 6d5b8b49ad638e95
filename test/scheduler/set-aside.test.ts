import { describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { Claimer } from '../../src/scheduler/claimer.js';
import { EngineHealth, watchEngine } from '../../src/scheduler/engine-health.js';
import { cachedCronSchedules } from '../../src/scheduler/schedules.js';
import type { ClaimedAttempt } from '../../src/store/types.js';
import { FakeClock } from '../../src/time/fake-clock.js';
import { jobParams } from '../store/fixtures.js';
import { describeStore, type StoreContext } from '../store/harness.js';
import { capturingLogger } from './engine-harness.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Round {
  readonly claimer: Claimer;
  readonly claimed: ClaimedAttempt[];
  readonly failures: unknown[];
  readonly metrics: Metrics;
  readonly logs: () => Record<string, unknown>[];
}

function claimerOn(context: StoreContext): Round {
  const claimed: ClaimedAttempt[] = [];
  const failures: unknown[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const { logger, lines } = capturingLogger('info');
  const claimer = new Claimer({
    store: context.store,
    clock: new FakeClock(NOW),
    logger,
    metrics,
    nodeId: 'node-a',
    lookaheadMs: 2000,
    intervalMs: 250,
    batchSize: 100,
    misfireGraceMs: 1000,
    scheduleOf: cachedCronSchedules(),
    canClaim: () => true,
    onClaimed: (attempts) => claimed.push(...attempts),
  });
  claimer.signals.on('claimFailed', ({ error }) => failures.push(error));
  return { claimer, claimed, failures, metrics, logs: lines };
}

async function setAsideCount(metrics: Metrics, reason: string): Promise<number> {
  const metric = await metrics.jobsSetAside.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

describeStore('jobs set aside', (context) => {
  describe('a job whose date no store can hold (stored before dates were checked)', () => {
    it('is set aside with its reason, and the next round claims every other job', async () => {
      const { store, db } = context();
      const good = await store.jobCreate(jobParams({ schedule: '* * * * * *', nextRunAt: new Date(NOW + 1000) }));
      const bad = await store.jobCreate(jobParams({ schedule: null, runAt: new Date(NOW), nextRunAt: new Date(NOW) }));
      await db.query(`UPDATE jobs SET run_at = '0001-01-01 00:00:00+00 BC' WHERE id = $1`, [bad.id]);
      await db.query(`UPDATE job_next_runs SET next_run_at = '0001-01-01 00:00:00+00 BC' WHERE job_id = $1`, [bad.id]);
      const round = claimerOn(context());

      // The claim reads the due job's dates as numbers, which both stores give back for any
      // date, and sets it aside in the same round.
      await round.claimer.claimOnce();
      expect(round.failures).toHaveLength(0);
      await round.claimer.claimOnce();
      expect(round.failures).toHaveLength(0);
      expect(round.claimed.map((attempt) => attempt.job.id)).toContain(good.id);
      expect(round.claimed.map((attempt) => attempt.job.id)).not.toContain(bad.id);
      const setAside = await store.jobGet(bad.id);
      expect(setAside.nextRunAt).toBeNull();
      expect(setAside.setAsideReason).toMatch(/lay outside 1970-01-01T00:00:00Z\.\.9999-12-31T23:59:59\.999Z/);
      expect(setAside.runAt).toEqual(new Date('1970-01-01T00:00:00.000Z'));
      expect(setAside.setAsideAt).toBeInstanceOf(Date);
      expect((await store.jobGet(good.id)).setAsideReason).toBeNull();
    });

    it('shows in the engine health while a round fails, and no longer once the next round goes through', async () => {
      const { store } = context();
      await store.jobCreate(jobParams({ schedule: '* * * * * *', nextRunAt: new Date(NOW + 1000) }));
      // The first claim fails as a database that cannot be reached would; the next goes through.
      let failing = true;
      const flaky = new Proxy(store, {
        get(target, name) {
          if (name === 'jobClaimDue') {
            return (params: Parameters<typeof store.jobClaimDue>[0]) => {
              if (!failing) return target.jobClaimDue(params);
              failing = false;
              return Promise.reject(new Error('connection terminated unexpectedly'));
            };
          }
          const value: unknown = Reflect.get(target, name, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const round = claimerOn({ ...context(), store: flaky });
      const health = new EngineHealth();
      const signals = { on: (name: string, listener: never) => round.claimer.signals.on(name as 'claimed', listener) };
      watchEngine(health, signals, () => NOW);

      await round.claimer.claimOnce();
      expect(health.problems(NOW, 0)).toEqual([{ activity: 'claim', since: new Date(NOW), reason: expect.stringContaining('connection terminated') as string }]);
      await round.claimer.claimOnce();
      expect(health.problems(NOW, 0)).toEqual([]);
      expect(round.claimed).toHaveLength(2);
    });

    it('is counted and logged once, when the sweep finds it', async () => {
      const { store, db } = context();
      const bad = await store.jobCreate(jobParams({ schedule: null, runAt: new Date(NOW), nextRunAt: new Date(NOW) }));
      await db.query(`UPDATE jobs SET run_at = '0001-06-01 00:00:00+00 BC' WHERE id = $1`, [bad.id]);
      await db.query(`UPDATE job_next_runs SET next_run_at = '0001-06-01 00:00:00+00 BC' WHERE job_id = $1`, [bad.id]);
      const round = claimerOn(context());

      for (let i = 0; i < 3; i++) await round.claimer.claimOnce();

      expect(await setAsideCount(round.metrics, 'out_of_range')).toBe(1);
      expect(round.logs().filter((line) => line.jobId === bad.id && /set aside/.test(String(line.msg)))).toHaveLength(1);
      expect((await store.jobGet(bad.id)).setAsideReason).not.toBeNull();
    });

    it('has its runAt moved into the range, the old value kept in the reason, so every read of it works again', async () => {
      const { store, db } = context();
      const early = await store.jobCreate(jobParams({ schedule: null, runAt: new Date(NOW), nextRunAt: new Date(NOW), isActive: false }));
      const late = await store.jobCreate(jobParams({ schedule: null, runAt: new Date(NOW), nextRunAt: new Date(NOW) }));
      const fine = await store.jobCreate(jobParams({ nextRunAt: new Date(NOW) }));
      await db.query(`UPDATE jobs SET run_at = '0001-01-01 00:00:00+00 BC' WHERE id = $1`, [early.id]);
      await db.query(`UPDATE jobs SET run_at = '10000-01-01 00:00:00+00' WHERE id = $1`, [late.id]);
      await db.query(`UPDATE job_next_runs SET next_run_at = NULL WHERE job_id = $1`, [late.id]);

      expect(new Set(await store.jobSetAsideOutOfRange())).toEqual(new Set([early.id, late.id]));
      expect(await store.jobSetAsideOutOfRange()).toEqual([]);
      const moved = await store.jobGet(early.id);
      expect(moved.runAt).toEqual(new Date('1970-01-01T00:00:00.000Z'));
      expect(moved.setAsideReason).toMatch(/^runAt 0001-01-01 .*BC/);
      expect((await store.jobGet(late.id)).runAt).toEqual(new Date('9999-12-31T23:59:59.999Z'));
      expect((await store.jobGet(fine.id)).setAsideReason).toBeNull();
    });
  });

  describe('a job whose schedule cannot be planned', () => {
    it('is set aside with the reason while every other due job is claimed in the same round', async () => {
      const { store } = context();
      const good = await store.jobCreate(jobParams({ schedule: '* * * * * *', nextRunAt: new Date(NOW + 1000) }));
      const bad = await store.jobCreate(jobParams({ schedule: 'not a cron expression', nextRunAt: new Date(NOW + 500) }));
      const round = claimerOn(context());

      await round.claimer.claimOnce();

      expect(round.failures).toEqual([]);
      expect(new Set(round.claimed.map((attempt) => attempt.job.id))).toEqual(new Set([good.id]));
      const setAside = await store.jobGet(bad.id);
      expect(setAside).toMatchObject({ nextRunAt: null, isActive: true });
      expect(setAside.setAsideReason).toMatch(/^its schedule could not be planned: /);
      expect(await setAsideCount(round.metrics, 'unplannable')).toBe(1);
    });

    it('is not planned again on later rounds', async () => {
      const { store } = context();
      const bad = await store.jobCreate(jobParams({ schedule: 'not a cron expression', nextRunAt: new Date(NOW) }));
      const round = claimerOn(context());

      for (let i = 0; i < 3; i++) await round.claimer.claimOnce();

      expect(await setAsideCount(round.metrics, 'unplannable')).toBe(1);
      expect(round.logs().filter((line) => line.jobId === bad.id && line.level === 50)).toHaveLength(1);
    });

    it('fires again once an update gives it a new next run, which clears the reason', async () => {
      const { store } = context();
      const bad = await store.jobCreate(jobParams({ schedule: 'not a cron expression', nextRunAt: new Date(NOW) }));
      await claimerOn(context()).claimer.claimOnce();

      const fixed = await store.jobUpdate({ id: bad.id, patch: { schedule: '* * * * * *', nextRunAt: new Date(NOW + 1000) } });

      expect(fixed).toMatchObject({ setAsideReason: null, setAsideAt: null, nextRunAt: new Date(NOW + 1000) });
      const round = claimerOn(context());
      await round.claimer.claimOnce();
      expect(round.claimed.map((attempt) => attempt.job.id)).toContain(bad.id);
    });

    it('is not set aside when an update gave it a next run between the claim and the set-aside', async () => {
      const { store } = context();
      const job = await store.jobCreate(jobParams({ nextRunAt: new Date(NOW) }));
      expect(await store.jobSetAside([{ id: job.id, reason: 'late' }])).toEqual([]);
      expect((await store.jobGet(job.id)).setAsideReason).toBeNull();
    });
  });
});
