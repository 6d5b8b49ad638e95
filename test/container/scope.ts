import type { Podman } from './podman.js';

/**
 * Names and labels the containers, volumes and networks of one test file, so that they can be
 * removed when the file ends, failed or not, without touching anything else on the machine.
 * Everything carries the run's label; compose projects are named after the run too.
 */
export class Scope {
  readonly prefix: string;
  readonly #podman: Podman;
  readonly #runId: string;

  constructor(podman: Podman, runId: string, name: string) {
    this.#podman = podman;
    this.#runId = runId;
    this.prefix = `jobscheduler-test-${runId}-${name}`;
  }

  get labels(): string[] {
    return ['--label', `${RUN_LABEL}=${this.#runId}`, '--label', `${SCOPE_LABEL}=${this.prefix}`];
  }

  async network(): Promise<string> {
    const name = `${this.prefix}-net`;
    await this.#podman.run(['network', 'create', ...this.labels, name]);
    return name;
  }

  async volume(name: string): Promise<string> {
    const full = `${this.prefix}-${name}`;
    await this.#podman.run(['volume', 'create', ...this.labels, full]);
    return full;
  }

  /** `podman run -d` with this scope's name and labels; answers the container's name. */
  async start(name: string, args: readonly string[]): Promise<string> {
    const full = `${this.prefix}-${name}`;
    await this.#podman.run(['run', '-d', '--name', full, ...this.labels, ...args]);
    return full;
  }

  async cleanup(): Promise<void> {
    await removeLabelled(this.#podman, `${SCOPE_LABEL}=${this.prefix}`);
  }
}

const RUN_LABEL = 'jobscheduler-test-run';
const SCOPE_LABEL = 'jobscheduler-test-scope';

/** A compose project of a run is named like a scope, so that the run's sweep finds it. */
export function composeProject(runId: string): string {
  return `jobscheduler-test-${runId}-compose`;
}

/** Every container, volume and network a run left, its own or its compose project's. */
export async function removeRunResources(podman: Podman, runId: string): Promise<void> {
  await removeLabelled(podman, `${RUN_LABEL}=${runId}`);
  await removeComposeProject(podman, composeProject(runId));
}

/** podman-compose labels what it creates with the project's name. */
export async function removeComposeProject(podman: Podman, project: string): Promise<void> {
  await removeLabelled(podman, `com.docker.compose.project=${project}`);
}

export async function removeLabelled(podman: Podman, label: string): Promise<void> {
  const list = async (args: string[]) =>
    (await podman.run([...args, '--filter', `label=${label}`], { okCodes: [0, 125] })).stdout.split('\n').filter((line) => line !== '');
  const containers = await list(['ps', '--all', '--quiet']);
  if (containers.length > 0) await podman.run(['rm', '--force', '--volumes', '--time', '0', ...containers], { okCodes: [0, 1, 2, 125] });
  const volumes = await list(['volume', 'ls', '--quiet']);
  if (volumes.length > 0) await podman.run(['volume', 'rm', '--force', ...volumes], { okCodes: [0, 1, 2, 125] });
  const networks = await list(['network', 'ls', '--quiet', '--format', '{{.Name}}']);
  if (networks.length > 0) await podman.run(['network', 'rm', '--force', ...networks], { okCodes: [0, 1, 2, 125] });
}
