import { defineConfig } from 'vitest/config';

/**
 * `npm run test:partition`: nodes in network namespaces cut off by firewall rules. Minutes
 * long and root only, so it runs apart from `npm test` (.ci/run runs both).
 */
export default defineConfig({
  test: {
    include: ['test/partition/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One network and one database for the whole file; nothing else runs beside it.
    fileParallelism: false,
  },
});
