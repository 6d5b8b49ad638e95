import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { canRunThrowawayPostgres } from '../scheduler/throwaway-postgres.js';

const run = promisify(execFile);

/**
 * A small network of the test's own: a bridge in the root namespace with one address (where
 * the database and the targets listen), and one network namespace per node, joined to the
 * bridge by a veth link. Every name carries this run's id and every address comes from a
 * private /24 no route of the machine uses; destroy() removes all of it, and so does the
 * process exiting. A firewall rule in a node's namespace that drops packets silently cuts
 * that node off from one service the way a partition does: nothing is refused, nothing
 * arrives.
 */
export interface Netlab {
  /** The bridge's address, in the root namespace. */
  readonly hostAddress: string;
  /** The /24 the test's addresses come from ("10.87.3.0/24"). */
  readonly network: string;
  readonly nodes: readonly LabNode[];
  /** Drops every packet between `node` and port `port` of the host, both ways, until heal(). */
  cut(node: LabNode, port: number): Promise<void>;
  /** Removes every rule cut() added for `node`. */
  heal(node: LabNode): Promise<void>;
  destroy(): Promise<void>;
}

export interface LabNode {
  readonly namespace: string;
  readonly address: string;
}

/** Names of this test's namespaces: the creator's pid tells a leftover from a run in progress. */
const NAMESPACE_PREFIX = 'jobscheduler-partition-';

/** Why the test cannot run here, or null when it can. */
export function netlabUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces and firewall rules needs root';
  for (const tool of ['ip', 'iptables']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (iproute2, iptables)`;
    }
  }
  if (!canRunThrowawayPostgres()) return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed';
  const probe = `${NAMESPACE_PREFIX}${process.pid}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'exec', probe, 'iptables', '-L', '-n'], { stdio: 'pipe' });
  } catch (error) {
    return `network namespaces or iptables are not usable here: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  } finally {
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  }
  return null;
}

export async function createNetlab(nodeCount: number): Promise<Netlab> {
  await sweepLeftovers();
  const id = randomBytes(3).toString('hex');
  const network = await freeNetwork();
  const prefix = network.replace(/\.0\/24$/, '');
  const bridge = `jsb${id}`;
  const made: { namespaces: string[]; bridge: string | null } = { namespaces: [], bridge: null };
  const removeAll = (): void => {
    for (const namespace of made.namespaces) ignoreFailure(() => execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' }));
    if (made.bridge) ignoreFailure(() => execFileSync('ip', ['link', 'del', made.bridge!], { stdio: 'ignore' }));
    made.namespaces = [];
    made.bridge = null;
  };
  process.once('exit', removeAll);
  const rules = new Map<LabNode, string[][]>();

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    made.bridge = bridge;
    await ip('link', 'set', bridge, 'alias', `${NAMESPACE_PREFIX}${process.pid}`);
    await ip('addr', 'add', `${prefix}.1/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    const nodes: LabNode[] = [];
    for (let i = 1; i <= nodeCount; i++) {
      const namespace = `${NAMESPACE_PREFIX}${process.pid}-${id}-${i}`;
      const outside = `jsh${id}${i}`;
      const inside = `jsn${id}${i}`;
      await ip('netns', 'add', namespace);
      made.namespaces.push(namespace);
      // Once one end is inside the namespace, the pair goes away with it.
      await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace);
      await ip('link', 'set', outside, 'master', bridge);
      await ip('link', 'set', outside, 'up');
      const address = `${prefix}.${10 + i}`;
      await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', inside);
      await ip('-n', namespace, 'link', 'set', inside, 'up');
      await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      nodes.push({ namespace, address });
    }
    const hostAddress = `${prefix}.1`;
    return {
      hostAddress,
      network,
      nodes,
      async cut(node, port) {
        const added = [
          ['OUTPUT', '-p', 'tcp', '-d', hostAddress, '--dport', String(port), '-j', 'DROP'],
          ['INPUT', '-p', 'tcp', '-s', hostAddress, '--sport', String(port), '-j', 'DROP'],
        ];
        for (const rule of added) await run('ip', ['netns', 'exec', node.namespace, 'iptables', '-A', ...rule]);
        rules.set(node, [...(rules.get(node) ?? []), ...added]);
      },
      async heal(node) {
        for (const rule of rules.get(node) ?? []) await run('ip', ['netns', 'exec', node.namespace, 'iptables', '-D', ...rule]);
        rules.delete(node);
      },
      async destroy() {
        removeAll();
        process.off('exit', removeAll);
      },
    };
  } catch (error) {
    removeAll();
    process.off('exit', removeAll);
    throw error;
  }
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

function ignoreFailure(work: () => void): void {
  try {
    work();
  } catch {
    // Already gone.
  }
}

/** A private /24 that no address or route of the machine touches. */
async function freeNetwork(): Promise<string> {
  const { stdout: routes } = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
  const { stdout: addresses } = await run('ip', ['-4', '-o', 'addr']);
  const used = `${routes}\n${addresses}`;
  for (let tries = 0; tries < 50; tries++) {
    const prefix = `10.${randomInt(64, 255)}.${randomInt(0, 256)}`;
    if (!used.includes(`${prefix}.`)) return `${prefix}.0/24`;
  }
  throw new Error('found no free private /24 for the test network');
}

/** Namespaces and bridges an earlier run left behind when it was killed before cleaning up. */
async function sweepLeftovers(): Promise<void> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const { stdout: namespaces } = await run('ip', ['netns', 'list']);
  for (const name of namespaces.split('\n').map((line) => line.split(' ')[0]!)) {
    const match = new RegExp(`^${NAMESPACE_PREFIX}(\\d+)-`).exec(name);
    if (match && !alive(Number(match[1]))) ignoreFailure(() => execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' }));
  }
  const { stdout: links } = await run('ip', ['-o', 'link', 'show', 'type', 'bridge']);
  for (const line of links.split('\n')) {
    const match = new RegExp(`^\\d+: (jsb[0-9a-f]{6})[:@].*alias ${NAMESPACE_PREFIX}(\\d+)`).exec(line);
    if (match && !alive(Number(match[2]))) ignoreFailure(() => execFileSync('ip', ['link', 'del', match[1]!], { stdio: 'ignore' }));
  }
}
