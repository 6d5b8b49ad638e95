import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closedPort } from '../scheduler/receiver.js';
import { ROOT } from './global-setup.js';
import {
  apiClient,
  createEverySecondJob,
  expectGracefulStop,
  historyOf,
  receivedJobIds,
  startReceiver,
  waitForSuccesses,
  type ApiClient,
} from './node-container.js';
import { openPodman, runCommand, type CommandResult } from './podman.js';
import { composeProject, removeComposeProject, Scope } from './scope.js';

/**
 * compose.yaml brought up by scripts/container-setup.sh with podman-compose, as a podman user
 * would: PostgreSQL (the stand-in image) with its named volume, the one-shot migration, two
 * scheduler nodes and the API node. The compose file is copied to a directory of its own,
 * where the script writes config.env, so the project's checkout is left as it was.
 */

const run = inject('containerRun');
const podman = openPodman(run.cacheDir);
const project = composeProject(run.runId);
const scope = new Scope(podman, run.runId, 'compose');

describe('compose.yaml with podman-compose, on PostgreSQL', () => {
  let directory: string;
  let environment: NodeJS.ProcessEnv;
  let port: number;
  let api: ApiClient;
  let jobId: string;

  const setup = (): Promise<CommandResult> =>
    runCommand(join(ROOT, 'scripts', 'container-setup.sh'), ['--no-build'], { env: environment, timeoutMs: 600_000 });
  const compose = (...args: string[]): Promise<CommandResult> =>
    runCommand('podman-compose', ['-f', join(directory, 'compose.yaml'), '-p', project, ...args], { env: environment });
  const container = async (service: string): Promise<string> => {
    const { stdout } = await podman.run([
      'ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`,
    ]);
    return stdout.trim().split('\n')[0]!;
  };
  const inspect = async (service: string, format: string): Promise<string> =>
    (await podman.run(['inspect', '--format', format, await container(service)])).stdout.trim();

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'jobscheduler-compose-'));
    copyFileSync(join(ROOT, 'compose.yaml'), join(directory, 'compose.yaml'));
    port = await closedPort();
    environment = {
      ...podman.env,
      CONTAINER_ENGINE: 'podman',
      COMPOSE_FILE: join(directory, 'compose.yaml'),
      COMPOSE_PROJECT_NAME: project,
      JOBSCHEDULER_IMAGE: run.image,
      POSTGRES_IMAGE: run.postgresImage,
      JOBSCHEDULER_PORT: String(port),
    };
  });
  afterAll(async () => {
    await scope.cleanup();
    await removeComposeProject(podman, project);
    rmSync(directory, { recursive: true, force: true });
  });

  it('comes up with the setup script: PostgreSQL healthy, the migration done, two scheduler nodes and the API node running', async () => {
    const started = await setup();
    expect(started.stdout).toContain(`curl http://127.0.0.1:${port}/health`);
    const config = readFileSync(join(directory, 'config.env'), 'utf8');
    expect(config).not.toMatch(/=.*change-me/);
    const apiKey = /^JOBSCHEDULER_API_KEYS=(.+)$/m.exec(config)![1]!;
    api = apiClient(`http://127.0.0.1:${port}`, apiKey);

    expect(await inspect('postgres', '{{.State.Running}} {{.State.Health.Status}}')).toBe('true healthy');
    expect(await inspect('migrate', '{{.State.Running}} {{.State.ExitCode}}')).toBe('false 0');
    expect((await podman.run(['logs', await container('migrate')])).stdout).toContain('The PostgreSQL database schema is up to date.');
    for (const service of ['scheduler-1', 'scheduler-2', 'api']) expect(await inspect(service, '{{.State.Running}}')).toBe('true');

    const health = await api.request('GET', '/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', store: 'postgres' } });
    const nodes = await api.request('GET', '/api/v1/nodes');
    const alive = (nodes.body as { items: { id: string; alive: boolean }[] }).items.filter((node) => node.alive).map((node) => node.id);
    expect(alive.sort()).toEqual(['scheduler-1', 'scheduler-2']);
  });

  it('publishes only the API node, and only on 127.0.0.1', async () => {
    expect((await podman.run(['port', await container('api')])).stdout.trim()).toBe(`8080/tcp -> 127.0.0.1:${port}`);
    for (const service of ['postgres', 'scheduler-1', 'scheduler-2']) {
      expect((await podman.run(['port', await container(service)])).stdout.trim()).toBe('');
    }
    const keyless = await apiClient(api.url, null).request('GET', '/api/v1/jobs');
    expect(keyless.status).toBe(401);
  });

  it('fires a job created through the API node from the scheduler nodes', async () => {
    const receiver = await startReceiver(scope, `${project}_default`, run.image);
    jobId = await createEverySecondJob(api, 'fires from compose');
    const fired = await waitForSuccesses(api, jobId, 4);
    for (const item of fired) expect(['scheduler-1', 'scheduler-2']).toContain(item.node);
    expect((await receivedJobIds(podman, receiver)).filter((id) => id === jobId).length).toBeGreaterThanOrEqual(4);
  });

  it('stops a scheduler node gracefully on SIGTERM while the other goes on firing', async () => {
    await expectGracefulStop(podman, await container('scheduler-1'));

    const fired = await waitForSuccesses(api, jobId, 3, await historyOf(api, jobId));
    for (const item of fired) expect(item.node).toBe('scheduler-2');
  });

  it('keeps the jobs in the PostgreSQL volume across down and up', async () => {
    await compose('down', '--timeout', '30');
    expect(await container('api')).toBe('');
    expect((await podman.run(['volume', 'exists', `${project}_postgres-data`], { okCodes: [0, 1] })).code).toBe(0);

    await setup();
    const { status, body } = await api.request('GET', `/api/v1/jobs/${jobId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: jobId, name: 'fires from compose' });
    await waitForSuccesses(api, jobId, 2, await historyOf(api, jobId));
  });
});
