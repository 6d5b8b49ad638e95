import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    // Minutes long, and root only: npm run test:partition (vitest.partition.config.ts).
    // Containers are built and started by their own script: npm run test:container.
    // The tools users bring (promtool, redocly, openapi-typescript, newman): npm run test:tools.
    exclude: [...configDefaults.exclude, 'test/partition/**', 'test/container/**', 'test/tools/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
