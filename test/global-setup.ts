/**
 * Says once, before the run, that the PostgreSQL half of the suite is skipped when
 * TEST_DATABASE_URL is unset, rather than leaving it to a count of skipped tests.
 */
export default function setup(): void {
  if (process.env.TEST_DATABASE_URL) return;
  process.stderr.write(
    'TEST_DATABASE_URL is not set: the PostgreSQL tests are skipped and the store, API and engine suites run on the embedded store only.\n' +
      'To run them too: TEST_DATABASE_URL=postgresql://user@127.0.0.1:5432/test npm test (any empty database the user may create schemas in).\n',
  );
}
