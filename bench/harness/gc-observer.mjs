/**
 * Loaded into a bench node (or the floor) with `--import` under `npm run bench -- --gc`: writes
 * one JSON line per garbage collection to the file BENCH_GC_LOG names, with the wall-clock time
 * it ended, its kind, whether it was asked for (the scavenge pacer's) and the young and old
 * generations' used bytes as read when the observer hears of it: right after it, or after the
 * last of several reported together. The bench reads the file once the node has stopped
 * (gc.ts). Plain JavaScript: it runs in the node as users start it, without tsx.
 *
 * Why not --trace-gc: the node's standard output carries its log, which the bench reads.
 */
import { appendFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.BENCH_GC_LOG;
if (file) {
  const kinds = new Map([
    [constants.NODE_PERFORMANCE_GC_MINOR, 'young'],
    [constants.NODE_PERFORMANCE_GC_MAJOR, 'full'],
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
    [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak'],
  ]);
  let pending = [];
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(file, pending.join(''));
    pending = [];
  };
  new PerformanceObserver((list) => {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size]));
    for (const entry of list.getEntries()) {
      const { kind, flags } = entry.detail ?? {};
      pending.push(
        `${JSON.stringify({
          at: Date.now(),
          kind: kinds.get(kind) ?? String(kind),
          forced: ((flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
          pauseMs: entry.duration,
          youngBytes: spaces.new_space ?? 0,
          oldBytes: spaces.old_space ?? 0,
        })}\n`,
      );
    }
  }).observe({ entryTypes: ['gc'] });
  // Written in the background once a second, and at exit, rather than at each collection.
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
