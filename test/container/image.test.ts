import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createEverySecondJob,
  exitCode,
  expectGracefulStop,
  historyOf,
  processesOf,
  receivedJobIds,
  startReceiver,
  waitForNode,
  waitForSuccesses,
  type ApiClient,
} from './node-container.js';
import { openPodman } from './podman.js';
import { Scope } from './scope.js';

/**
 * The image on its own, as `docker run` would start it: one node of role `all` on the
 * embedded store in the /data volume, a job firing at a receiver on the same network, and
 * the ways a container stops (SIGTERM, SIGKILL of Node.js, SIGKILL of pid 1), each followed
 * by a start on the same volume. The tests run in order and share the volume and the job.
 */

const run = inject('containerRun');
const podman = openPodman(run.cacheDir);
const scope = new Scope(podman, run.runId, 'embedded');
const API_KEY = 'container-test-key';
const JOB_NAME = 'fires from a container';

describe('the image on the embedded store', () => {
  let network: string;
  let volume: string;
  let receiver: string;
  let jobId: string;
  let node: { name: string; api: ApiClient };
  let starts = 0;

  /** A node in a new container on `volume`, the API published on 127.0.0.1. */
  async function startNode(volume: string): Promise<{ name: string; api: ApiClient }> {
    const name = await scope.start(`node-${++starts}`, [
      '--network', network, '-p', '127.0.0.1::8080', '-v', `${volume}:/data`, '-e', `JOBSCHEDULER_API_KEYS=${API_KEY}`, run.image,
    ]);
    return { name, api: await waitForNode(podman, name, API_KEY) };
  }

  /** The job is still in the store, and the node fires it again. */
  async function expectJobStillFiring(api: ApiClient, id: string): Promise<void> {
    const { status, body } = await api.request('GET', `/api/v1/jobs/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id, name: JOB_NAME });
    await waitForSuccesses(api, id, 2, await historyOf(api, id));
  }

  beforeAll(async () => {
    network = await scope.network();
    volume = await scope.volume('data');
    receiver = await startReceiver(scope, network, run.image);
  });
  afterAll(() => scope.cleanup());

  it('refuses to serve the API on 0.0.0.0 without API keys, and says how to allow it', async () => {
    const refused = await podman.run(['run', '--rm', ...scope.labels, run.image], { okCodes: [0, 1, 2] });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Refusing to listen on 0.0.0.0 without API keys');
    expect(refused.stderr).toContain('JOBSCHEDULER_API_KEYS');
  });

  it('runs as an unprivileged user, tini as pid 1 and Node.js under it, and reports healthy', async () => {
    node = await startNode(volume);
    const image = await podman.run(['image', 'inspect', '--format', '{{.Config.User}}', run.image]);
    expect(image.stdout.trim()).toBe('10001:10001');
    const processes = await processesOf(podman, node.name);
    expect(processes.find((process) => process.pid === 1)?.command).toBe('tini');
    expect(processes.some((process) => process.command === 'node')).toBe(true);
    for (const process of processes) expect(process.uid).toBe(10001);

    const health = await podman.run(['healthcheck', 'run', node.name], { okCodes: [0, 1] });
    expect(health.code).toBe(0);
    const status = await podman.run(['inspect', '--format', '{{.State.Health.Status}}', node.name]);
    expect(status.stdout.trim()).toBe('healthy');
  });

  it('fires a job at a receiver and records each firing in the history', async () => {
    jobId = await createEverySecondJob(node.api, JOB_NAME);
    const fired = await waitForSuccesses(node.api, jobId, 3);
    expect(fired.every((item) => item.httpStatus === 200)).toBe(true);
    expect((await receivedJobIds(podman, receiver)).filter((id) => id === jobId).length).toBeGreaterThanOrEqual(3);
  });

  it('stops gracefully on SIGTERM: exit code 0 and the stop in its log', async () => {
    await expectGracefulStop(podman, node.name);
  });

  it('keeps the job in the /data volume: a new container on it fires the job again', async () => {
    node = await startNode(volume);
    await expectJobStillFiring(node.api, jobId);
  });

  it('comes back on the same volume after Node.js is killed with SIGKILL', async () => {
    const nodePid = (await processesOf(podman, node.name)).find((process) => process.command === 'node')!.pid;
    await podman.run(['exec', node.name, 'sh', '-c', `kill -KILL ${nodePid}`]);
    await podman.run(['wait', node.name]);
    // tini ends with the signal that ended Node.js: 128 + 9.
    expect(await exitCode(podman, node.name)).toBe(137);

    await podman.run(['start', node.name]);
    node = { name: node.name, api: await waitForNode(podman, node.name, API_KEY) };
    await expectJobStillFiring(node.api, jobId);
  });

  // On a volume of its own, so that it does not depend on the test before.
  it('comes back on the same volume after pid 1 is killed with SIGKILL', async () => {
    const ownVolume = await scope.volume('data-pid-1');
    const killed = await startNode(ownVolume);
    const ownJob = await createEverySecondJob(killed.api, JOB_NAME);
    await waitForSuccesses(killed.api, ownJob, 1);
    await podman.run(['kill', '--signal', 'KILL', killed.name]);
    await podman.run(['wait', killed.name]);
    expect(await exitCode(podman, killed.name)).toBe(137);

    const restarted = await startNode(ownVolume);
    await expectJobStillFiring(restarted.api, ownJob);
  });
});
