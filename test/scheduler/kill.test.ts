import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBackend, testSchema, TEST_DATABASE_URL, type StoreContext } from '../store/harness.js';
import {
  everySecondJobs,
  expectEveryOccurrenceDelivered,
  expectNoneDeliveredTwice,
  historyOf,
  nextSecond,
  sleepUntil,
  startCountingReceiver,
  stopPlanning,
  type CountingReceiver,
} from './cluster-harness.js';
import { spawnNode, urlWithSchema, type NodeProcess } from './node-processes.js';

const JOBS_PER_TYPE = 60;

describe.skipIf(!TEST_DATABASE_URL)('kill -9 of one of three node processes', () => {
  let context: StoreContext;
  let target: CountingReceiver;
  let nodes: NodeProcess[] = [];

  beforeAll(async () => {
    context = await postgresBackend.open(testSchema('kill'));
    await context.store.migrate();
    target = await startCountingReceiver();
  });
  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await target?.close();
    if (context) await postgresBackend.dispose(context);
  });

  it('delivers every AT_LEAST_ONCE occurrence and never an AT_MOST_ONCE one twice', { timeout: 90_000 }, async () => {
    const env = {
      DATABASE_URL: urlWithSchema(TEST_DATABASE_URL!, context.schema),
      JOBSCHEDULER_HEARTBEAT_INTERVAL_MS: '500',
      JOBSCHEDULER_NODE_TIMEOUT_MS: '3000',
      JOBSCHEDULER_DB_POOL_SIZE: '4',
      JOBSCHEDULER_SHUTDOWN_GRACE_MS: '3000',
    };
    nodes = ['node-1', 'node-2', 'node-3'].map((nodeId) => spawnNode(nodeId, env));
    await Promise.all(nodes.map((node) => node.ready));

    const firstAt = nextSecond(2500);
    const url = target.receiver.url;
    const atLeastOnce = await context.store.jobCreateMany(everySecondJobs(JOBS_PER_TYPE, firstAt, url));
    const atMostOnce = await context.store.jobCreateMany(everySecondJobs(JOBS_PER_TYPE, firstAt, url, { type: 'AT_MOST_ONCE' }));

    await sleepUntil(firstAt + 6000);
    // Kill the node holding the most unfinished work, so the kill orphans some.
    const owners = await context.db.query<{ owner_node: string }>(
      `SELECT owner_node FROM executions WHERE status IN ('SCHEDULED', 'RUNNING') AND owner_node IS NOT NULL
       GROUP BY owner_node ORDER BY count(*) DESC LIMIT 1`,
    );
    const victim = nodes.find((node) => node.nodeId === owners.rows[0]?.owner_node) ?? nodes[1]!;
    victim.child.kill('SIGKILL');
    await victim.exited;

    await sleepUntil(firstAt + 14_000);
    await stopPlanning(context.db);
    // Let the survivors find the victim dead and finish what they claimed.
    await sleepUntil(Date.now() + 5000);
    const survivors = nodes.filter((node) => node !== victim);
    for (const node of survivors) node.child.kill('SIGTERM');
    expect(await Promise.all(survivors.map((node) => node.exited))).toEqual([0, 0]);

    const history = await historyOf(context.store, [...atLeastOnce, ...atMostOnce].map((job) => job.id));
    const { delivered, redelivered } = expectEveryOccurrenceDelivered(history, atLeastOnce.map((job) => job.id), firstAt, target.deliveries);
    const atMostOnceRows = expectNoneDeliveredTwice(history, atMostOnce.map((job) => job.id), target.deliveries);
    const lost = atMostOnceRows.filter((row) => row.status === 'LOST').length;
    const firedByVictim = atMostOnceRows.filter((row) => row.ownerNode === victim.nodeId && row.status === 'SUCCEEDED').length;
    const reaped = survivors.flatMap((node) => node.logs).filter((entry) => entry.msg === 'took over the work of dead nodes');
    expect(reaped.length).toBeGreaterThan(0);
    console.log(
      `kill -9 of ${victim.nodeId}: ${delivered} AT_LEAST_ONCE occurrences all SUCCEEDED (${redelivered} delivered twice after the kill); ` +
        `AT_MOST_ONCE: none delivered twice, ${lost} LOST, ${firedByVictim} delivered by the killed node before it died`,
    );
  });
});
