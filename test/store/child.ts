/**
 * Runs in a separate process for tests that need one: `node --import tsx test/store/child.ts
 * <action> ...`. Prints one JSON line with the outcome and exits 0, or 1 on an unexpected error.
 */
import { isJobSchedulerError } from '../../src/errors.js';
import { createStore } from '../../src/store/index.js';
import { jobParams } from './fixtures.js';

const [action, target, extra] = process.argv.slice(2);

async function run(): Promise<unknown> {
  switch (action) {
    case 'migrate': {
      // target: database URL, extra: schema
      const store = await createStore({ databaseUrl: target!, schema: extra!, poolSize: 1 });
      await store.migrate();
      await store.close();
      return { migrated: true };
    }
    case 'open': {
      // target: PGlite data directory
      try {
        const store = await createStore({ dataDir: target! });
        await store.close();
        return { opened: true };
      } catch (error) {
        if (isJobSchedulerError(error)) return { code: error.code, message: error.message };
        throw error;
      }
    }
    case 'write-job': {
      const store = await createStore({ dataDir: target! });
      await store.migrate();
      const job = await store.jobCreate(jobParams({ name: extra! }));
      await store.close();
      return { id: job.id };
    }
    case 'read-job': {
      const store = await createStore({ dataDir: target! });
      const job = await store.jobGet(extra!);
      await store.close();
      return { name: job.name };
    }
    default:
      throw new Error(`unknown action ${action}`);
  }
}

run().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
