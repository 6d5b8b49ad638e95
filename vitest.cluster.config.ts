import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: several nodes on one PostgreSQL in real time, each file a minute or
 * less: three nodes sharing the work, kill -9 of one of three node processes, the database
 * going away under a running node, a target's limits held by three nodes together. They need
 * TEST_DATABASE_URL (skipped, saying so, without it) and run apart from `npm test` to keep it
 * short; .ci/run runs both.
 */
export const CLUSTER_SUITES = [
  'test/scheduler/cluster.test.ts',
  'test/scheduler/kill.test.ts',
  'test/scheduler/outage.test.ts',
  'test/scheduler/target-policies.test.ts',
];

export default defineConfig({
  test: {
    include: CLUSTER_SUITES,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real clocks and child processes: one file at a time, so none starves another's nodes.
    fileParallelism: false,
  },
});
