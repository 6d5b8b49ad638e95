import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { CLUSTER_SUITES } from './vitest.cluster.config.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    // Minutes long, and root only: npm run test:partition (vitest.partition.config.ts).
    // Containers are built and started by their own script: npm run test:container.
    // The tools users bring (promtool, redocly, openapi-typescript, newman): npm run test:tools.
    // Several nodes on PostgreSQL in real time, a minute or less a file: npm run test:cluster.
    exclude: [...configDefaults.exclude, 'test/partition/**', 'test/container/**', 'test/tools/**', ...CLUSTER_SUITES],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default leaves one core free, so a 2-core machine ran one file at a time; the
    // suites wait on the database, HTTP and child processes much of the time, and two at once
    // took the suite from 624 s to 452 s there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
