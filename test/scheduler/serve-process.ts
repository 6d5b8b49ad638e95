/**
 * `jobscheduler serve` as a separate process for tests that kill nodes: `node --import tsx
 * test/scheduler/serve-process.ts <serve flags>`, configured through the environment like
 * any deployment.
 */
import { main } from '../../src/cli/main.js';

main(['serve', ...process.argv.slice(2)]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
