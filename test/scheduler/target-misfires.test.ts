import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids.js';
import type { MisfirePolicy } from '../../src/store/types.js';
import { useEngineWorld } from './engine-world.js';
import { leaseRows } from '../store/fixtures.js';

const world = useEngineWorld('target misfires');

/**
 * A policy of one request at a time on the receiver, and a first request the receiver holds
 * open: every occurrence after it is held back by the policy, on the fake clock, until the
 * test lets the first one finish. What then happens to each follows its job's misfire policy.
 */
describe('occurrences a target policy holds back', () => {
  it('follow the misfire policy past the grace: skip records them MISSED, fire_once sends the latest due, fire_all sends each', async () => {
    const { store } = world.context;
    const held: ServerResponse[] = [];
    world.receiver.setHandler((request, response) => {
      if (request.path === '/block') held.push(response);
      else response.writeHead(204).end();
    });
    await store.targetPolicyCreate({ id: uuidv7(), name: 'one at a time', pattern: new URL(world.receiver.url).origin, maxConcurrent: 1, maxPerSecond: null });
    await world.createJob({ schedule: null, runAt: world.at(1000), nextRunAt: world.at(1000), api: `${world.receiver.url}/block`, timeoutMs: 60_000 });
    const jobOf = async (misfirePolicy: MisfirePolicy) =>
      world.createJob({ schedule: '* * * * * *', nextRunAt: world.at(2000), misfirePolicy, api: `${world.receiver.url}/${misfirePolicy}` });
    const skip = await jobOf('skip');
    const fireOnce = await jobOf('fire_once');
    const fireAll = await jobOf('fire_all');
    // With no later occurrence, a fire_once occurrence held back past the grace is still sent.
    const once = await world.createJob({ schedule: null, runAt: world.at(2000), nextRunAt: world.at(2000), misfirePolicy: 'fire_once', api: `${world.receiver.url}/once` });

    const scheduler = await world.startScheduler();
    // A budget round at each step: the share follows what the node holds.
    for (let at = 250; at <= 5000; at += 250) {
      await world.clock.set(world.at(at));
      await scheduler.claimNow();
      await scheduler.targetBudgetNow();
      if (at === 1500) expect(held).toHaveLength(1);
    }
    expect(world.receiver.requests.map((request) => request.path)).toEqual(['/block']);

    // Pause the jobs so that nothing past 5 s joins the queue, then let the first request end.
    await store.jobUpdate({ id: skip, patch: { paused: true } });
    await store.jobUpdate({ id: fireOnce, patch: { paused: true } });
    await store.jobUpdate({ id: fireAll, patch: { paused: true } });
    held[0]!.writeHead(204).end();
    const jobs = [skip, fireOnce, fireAll, once];
    // Open rows, and leases (each goes once every attempt it lists is written).
    const open = async (): Promise<number> =>
      (await Promise.all(jobs.map((id) => world.history(id)))).flat().filter((row) => row.status === 'SCHEDULED' || row.status === 'RUNNING').length +
      (await leaseRows(world.context.db)).filter((lease) => lease.attempts.some(([, job]) => jobs.includes(job))).length;
    for (let step = 0; step < 40 && (await open()) > 0; step++) {
      await world.clock.advance(250);
      await scheduler.targetBudgetNow();
      await scheduler.flush();
    }
    expect(await open()).toBe(0);

    const outcome = async (jobId: string) => (await world.history(jobId)).map((row) => [row.scheduledAt.getTime() - world.at(0).getTime(), row.status]);
    const planned = (await world.history(skip)).map((row) => row.scheduledAt.getTime() - world.at(0).getTime());
    expect(planned[0]).toBe(2000);
    // 2, 3 and 4 s waited past the 1 s grace at 5 s; what fell due at 5 s or later was in time.
    const lateOnes = planned.filter((offset) => offset < 4000 + 1);
    expect(await outcome(skip)).toEqual(planned.map((offset) => [offset, lateOnes.includes(offset) ? 'MISSED' : 'SUCCEEDED']));
    expect(await outcome(fireAll)).toEqual(planned.map((offset) => [offset, 'SUCCEEDED']));
    // fire_once: of the late ones only the latest due by then (5 s, which was not late) goes; 2, 3 and 4 s are MISSED.
    expect(await outcome(fireOnce)).toEqual(planned.map((offset) => [offset, lateOnes.includes(offset) ? 'MISSED' : 'SUCCEEDED']));
    expect(await outcome(once)).toEqual([[2000, 'SUCCEEDED']]);
    const [missed] = (await world.history(skip)).filter((row) => row.status === 'MISSED');
    expect(missed!.error).toMatch(/^not sent: held back \d+ ms by target policy "one at a time" after falling due \(misfire policy skip\), longer than the misfire grace of 1000 ms$/);
  });
});
