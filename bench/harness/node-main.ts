/**
 * Entry point of a benchmark node: exactly what `jobscheduler <args>` runs (bin/jobscheduler
 * calls the same main), loaded from the sources so a run always measures the working tree.
 */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
