import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { openPodman, runCommand } from './podman.js';
import { removeRunResources } from './scope.js';
import { ensureStandIns } from './stand-ins.js';

/**
 * Once per run of the container tests: the stand-in base images (cached), then the project's
 * image built from the Dockerfile exactly as a user would, without pulling anything. The
 * image carries the run's id and is removed at the end with everything else the run made.
 */

export interface ContainerRun {
  readonly cacheDir: string;
  readonly runId: string;
  readonly image: string;
  readonly postgresImage: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    containerRun: ContainerRun;
  }
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = ['podman', 'runc', 'debootstrap', 'podman-compose', 'tar'];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new Error('The container tests run podman and debootstrap as root.');
  const missing: string[] = [];
  for (const tool of TOOLS) {
    if ((await runCommand('sh', ['-c', `command -v ${tool}`], { okCodes: [0, 1, 127] })).code !== 0) missing.push(tool);
  }
  if (missing.length > 0) throw new Error(`The container tests need ${missing.join(', ')} (apt-get install podman runc debootstrap podman-compose; .ci/run does).`);

  const podman = openPodman();
  const runId = randomBytes(4).toString('hex');
  const log = (line: string) => console.log(`[container tests] ${line}`);
  const baseName = /^FROM\s+(\S+)/m.exec(readFileSync(`${ROOT}Dockerfile`, 'utf8'))?.[1];
  if (baseName === undefined) throw new Error('The Dockerfile names no base image.');
  const standIns = await ensureStandIns(podman, baseName, log);

  const image = `localhost/jobscheduler-test:${runId}`;
  const started = Date.now();
  await podman.run(['build', '--pull=never', '--layers=false', '--format', 'docker', '--label', `jobscheduler-test-run=${runId}`, '-t', image, ROOT], {
    timeoutMs: 1_200_000,
  });
  const size = async (name: string) => Number((await podman.run(['image', 'inspect', '--format', '{{.Size}}', name])).stdout.trim());
  const [imageBytes, baseBytes] = [await size(image), await size(standIns.node)];
  log(
    `image built in ${Math.round((Date.now() - started) / 1000)} s: ${megabytes(imageBytes)} MB, ` +
      `${megabytes(imageBytes - baseBytes)} MB of it on top of the base (the stand-in base weighs ${megabytes(baseBytes)} MB)`,
  );

  project.provide('containerRun', { cacheDir: podman.cacheDir, runId, image, postgresImage: standIns.postgres });
  return async () => {
    await removeRunResources(podman, runId);
    await podman.run(['rmi', '--force', image], { okCodes: [0, 1, 2] });
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
