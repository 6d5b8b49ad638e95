import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The structures young-garbage-burst.ts knows how to put a burst through. */
export type BurstHolderName = 'linked-list' | 'set' | 'id-map' | 'map';

const BURST_SCRIPT = fileURLToPath(new URL('./young-garbage-burst.ts', import.meta.url));

/**
 * Bytes of the heap a burst leaves behind after two young-generation collections, when it went
 * through `holder`: a structure kept for the whole life of a node and holding each of the
 * burst's objects for a moment. Run in a process of its own with a young generation large
 * enough for the whole burst, so no collection falls in the middle of it (that would promote
 * the burst whatever held it) and the figure is about the structure alone.
 */
export async function retainedAfterBurst(holder: BurstHolderName): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', '--import', 'tsx', BURST_SCRIPT, holder],
    { timeout: 20_000 },
  );
  return Number(stdout.trim());
}
