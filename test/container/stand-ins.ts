import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type Podman } from './podman.js';

/**
 * Local stand-ins for the public base images, for machines that reach no image registry:
 * a Debian bookworm root file system made with debootstrap (which needs only Debian's
 * package mirror) and, on top of it, the node image (this machine's Node.js and npm) and the
 * postgres image (Debian's PostgreSQL behind an entry point with the official image's
 * POSTGRES_* contract). Each is tagged with a key computed from everything that goes into it,
 * so a later run reuses it as long as nothing changed and builds it anew when something did.
 */

const RECIPES = fileURLToPath(new URL('./stand-ins/', import.meta.url));
const REPOSITORY = 'localhost/jobscheduler-stand-in';
const SUITE = 'bookworm';

/** Keeps apt's caches out of image layers, as the official Debian images do. */
const APT_NO_CACHE = ['Dir::Cache::pkgcache "";', 'Dir::Cache::srcpkgcache "";', 'APT::Keep-Downloaded-Packages "false";', ''].join('\n');
/** What the slim images leave out; removed before the root file system becomes an image. */
const SLIM_REMOVALS = ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/cache/apt', 'var/lib/apt/lists'];

export interface StandIns {
  /** The stand-in for the Dockerfile's base, also tagged with the name the Dockerfile uses. */
  readonly node: string;
  readonly postgres: string;
}

export async function ensureStandIns(podman: Podman, nodeImageName: string, log: (line: string) => void): Promise<StandIns> {
  assertNodeMatches(nodeImageName);
  const debian = await ensure(podman, 'debian', `${SUITE}-${key(SUITE, 'minbase', APT_NO_CACHE, SLIM_REMOVALS.join())}`, log, (tag) => importDebian(podman, tag));
  const node = await ensure(podman, 'node', `${process.versions.node}-${nodeKey(debian)}`, log, (tag) => buildNode(podman, debian, tag));
  await podman.run(['tag', node, nodeImageName]);
  const postgresRecipe = readRecipe('postgres.Containerfile') + readRecipe('postgres-entrypoint.sh');
  const postgres = await ensure(podman, 'postgres', `15-${key(debian, postgresRecipe)}`, log, (tag) =>
    build(podman, tag, debian, join(RECIPES, 'postgres.Containerfile'), RECIPES),
  );
  await removeStale(podman, [debian, node, postgres]);
  return { node, postgres };
}

/** The Dockerfile's base names a Node.js major version; the stand-in carries this machine's. */
function assertNodeMatches(nodeImageName: string): void {
  const major = /:(\d+)-/.exec(nodeImageName)?.[1];
  if (major !== process.versions.node.split('.')[0]) {
    throw new Error(`The Dockerfile builds on ${nodeImageName} but this machine runs Node.js ${process.versions.node}: the stand-in would not match it.`);
  }
}

async function ensure(podman: Podman, name: string, tagKey: string, log: (line: string) => void, make: (tag: string) => Promise<void>): Promise<string> {
  const tag = `${REPOSITORY}/${name}:${tagKey}`;
  const exists = await podman.run(['image', 'exists', tag], { okCodes: [0, 1] });
  if (exists.code === 0) {
    log(`stand-in ${tag}: cached`);
    return tag;
  }
  const started = Date.now();
  await make(tag);
  log(`stand-in ${tag}: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return tag;
}

async function importDebian(podman: Podman, tag: string): Promise<void> {
  const root = mkdtempSync(join(podman.cacheDir, 'tmp', 'debootstrap-'));
  try {
    // debootstrap's own default mirror: the only thing it needs is Debian's package archive.
    await runCommand('debootstrap', ['--variant=minbase', SUITE, root], { timeoutMs: 900_000 });
    for (const path of SLIM_REMOVALS) {
      rmSync(join(root, path), { recursive: true, force: true });
      mkdirSync(join(root, path), { recursive: true });
    }
    writeFileSync(join(root, 'etc/apt/apt.conf.d/docker-no-cache'), APT_NO_CACHE);
    const tar = spawn('tar', ['--numeric-owner', '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tarDone = new Promise<number | null>((resolve) => tar.on('close', resolve));
    await podman.run(['import', '--change', 'CMD ["bash"]', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-', tag], {
      stdin: tar.stdout,
    });
    if ((await tarDone) !== 0) {
      await podman.run(['rmi', tag], { okCodes: [0, 1] });
      throw new Error(`tar of the Debian root file system in ${root} failed`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Node.js, npm, and the certificate authorities this machine adds for Node.js or npm, if any
 * (NODE_EXTRA_CA_CERTS, else npm's cafile): the npm registry is reached through them here.
 */
function nodeInputs(): { npmDir: string; extraCa: string | null } {
  const npmDir = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm');
  if (!existsSync(join(npmDir, 'package.json'))) throw new Error(`npm was not found beside ${process.execPath} (looked in ${npmDir})`);
  const npmCafile = () => execFileSync(process.execPath, [join(npmDir, 'bin', 'npm-cli.js'), 'config', 'get', 'cafile'], { encoding: 'utf8' }).trim();
  const usable = (file: string | undefined) => (file !== undefined && file.startsWith('/') && existsSync(file) ? file : null);
  return { npmDir, extraCa: usable(process.env.NODE_EXTRA_CA_CERTS) ?? usable(npmCafile()) };
}

function nodeKey(debian: string): string {
  const { npmDir, extraCa } = nodeInputs();
  return key(
    debian,
    readFileSync(process.execPath),
    readFileSync(join(npmDir, 'package.json')),
    extraCa === null ? '' : readFileSync(extraCa),
    readRecipe('node.Containerfile'),
  );
}

async function buildNode(podman: Podman, debian: string, tag: string): Promise<void> {
  const { npmDir, extraCa } = nodeInputs();
  const context = mkdtempSync(join(podman.cacheDir, 'tmp', 'node-stand-in-'));
  try {
    cpSync(process.execPath, join(context, 'node'));
    cpSync(npmDir, join(context, 'npm'), { recursive: true });
    mkdirSync(join(context, 'extra-ca'));
    const buildArgs: string[] = [];
    if (extraCa !== null) {
      cpSync(extraCa, join(context, 'extra-ca', 'extra-ca.crt'));
      buildArgs.push('--build-arg', 'NODE_EXTRA_CA_CERTS=/usr/local/share/extra-ca/extra-ca.crt');
    }
    await build(podman, tag, debian, join(RECIPES, 'node.Containerfile'), context, buildArgs);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

async function build(podman: Podman, tag: string, debian: string, containerfile: string, context: string, extra: readonly string[] = []): Promise<void> {
  await podman.run(['build', '--pull=never', '--layers=false', '--format', 'docker', '--build-arg', `DEBIAN=${debian}`, ...extra, '-f', containerfile, '-t', tag, context], {
    timeoutMs: 900_000,
  });
}

/** Stand-ins of earlier keys (an older Node.js, a changed recipe) are of no further use. */
async function removeStale(podman: Podman, current: readonly string[]): Promise<void> {
  const listed = await podman.run(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${REPOSITORY}/*`]);
  // An image is listed under each of its names, the stand-in's and the Dockerfile's base alike.
  const stale = listed.stdout.split('\n').filter((name) => name.startsWith(`${REPOSITORY}/`) && !current.includes(name));
  if (stale.length > 0) await podman.run(['rmi', ...stale], { okCodes: [0, 1, 2] });
}

function readRecipe(name: string): string {
  return readFileSync(join(RECIPES, name), 'utf8');
}

function key(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}
