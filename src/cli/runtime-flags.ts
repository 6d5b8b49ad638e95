/**
 * Node.js flags a scheduling node runs with. The launcher (bin/jobscheduler's first line) sets
 * them, so `./bin/jobscheduler serve`, `npm start` and the container image all get them
 * without the operator knowing about them.
 *
 * --max-semi-space-size=128: V8's young generation may grow to 128 MiB instead of 16. At
 * thousands of firings a second most of a firing's objects die young, and with the larger
 * space fewer of them are copied before they do (docs/benchmarks.md: p99 lateness 636 ms
 * instead of 884 at 10,000 firings/s and a sixth less CPU per firing, for about 150 MiB more
 * resident memory).
 */
export const RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=128'];

/** The runtime flags this process was not started with (given on the command line or in NODE_OPTIONS). */
export function missingRuntimeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  // V8 reads --max_semi_space_size as --max-semi-space-size: compare names with dashes.
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map((arg) => arg.split('=')[0]!.replace(/_/g, '-'));
  return RUNTIME_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]!));
}
