import { defineConfig } from 'vitest/config';

/**
 * The container tests (`npm run test:container`), apart from `npm test`: they build images and
 * start containers with podman as root, and take minutes. One file at a time, so that two
 * sets of containers never compete for the machine's cores.
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/container/**/*.test.ts'],
    globalSetup: ['test/container/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
