/**
 * The firing benchmark's target, run as a child process (its own event loop and its own CPU
 * figure): a node:http server on 127.0.0.1 with keep-alive that answers 204, after
 * `delayMs` when asked to. It counts every occurrence by its Idempotency-Key, so missed and
 * duplicated occurrences can be told, and measures lateness = receipt - X-Scheduled-At.
 *
 * Protocol (IPC): the child listens at once and sends { type: 'ready', url }; the parent sends
 * a ReceiverConfig before any job can fire (requests before it count as unexpected), later
 * { type: 'report' }, answered with a ReceiverReport, and { type: 'close' } to end it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceiverConfig {
  readonly type: 'config';
  readonly jobs: number;
  /** First scheduled second (ms since the epoch) that is counted. */
  readonly firstSecond: number;
  /** Seconds counted from firstSecond (warm-up, window and some after). */
  readonly seconds: number;
  /** The measured window, [windowStart, windowEnd) in scheduled time. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly delayMs: number;
}

export interface ReceiverReport {
  readonly type: 'report';
  readonly requests: number;
  /** Distinct occurrences scheduled in the window that arrived at least once. */
  readonly windowOccurrences: number;
  /** Extra copies of occurrences scheduled in the window. */
  readonly windowDuplicates: number;
  /** Occurrences scheduled in the window that never arrived. */
  readonly windowMissed: number;
  /** Before the window (warm-up): occurrences that never arrived, and extra copies. */
  readonly warmupMissed: number;
  readonly warmupDuplicates: number;
  /** Requests whose scheduled time or job fell outside what was configured. */
  readonly unexpected: number;
  /** Requests to paths other than /hook/<index>. */
  readonly other: number;
  /** Lateness (ms) of the window's requests, sorted ascending. */
  readonly lateness: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Requests received per wall-clock second of the window (by arrival). */
  readonly perSecond: number[];
}

type Message = ReceiverConfig | { readonly type: 'report' } | { readonly type: 'close' };

const HOOK_PATH = '/hook/';
/** Where the scheduled instant starts in an Idempotency-Key ("<36-char job id>:<ISO instant>:<trigger>"). */
const KEY_SCHEDULED_AT = 37;

/** Counts of one run; exists once the parent sent the configuration. */
class Tally {
  readonly #config: ReceiverConfig;
  readonly #counts: Uint8Array;
  readonly #jobIds: (string | undefined)[] = [];
  readonly #windowSeconds: number;
  readonly #perSecond: number[];
  #lateness: Float64Array;
  #latenessCount = 0;
  unexpected = 0;
  /** Requests to other paths than /hook/<index> (jobs the run does not follow one by one). */
  other = 0;

  constructor(config: ReceiverConfig) {
    this.#config = config;
    this.#counts = new Uint8Array(config.jobs * config.seconds);
    this.#windowSeconds = Math.round((config.windowEnd - config.windowStart) / 1000);
    this.#perSecond = new Array<number>(this.#windowSeconds).fill(0);
    this.#lateness = new Float64Array(Math.max(1024, Math.ceil(this.#windowSeconds * config.jobs * 1.05)));
  }

  /**
   * One request to /hook/<job index>: its occurrence is the cell (scheduled second, job). The
   * Idempotency-Key ("<job id>:<ISO instant>:<trigger>") must name the instant of
   * X-Scheduled-At and the same job id every time for that index.
   */
  count(path: string, key: string | string[] | undefined, scheduledHeader: string | string[] | undefined, receivedAt: number): void {
    const config = this.#config;
    const arrivalSecond = Math.floor((receivedAt - config.windowStart) / 1000);
    if (arrivalSecond >= 0 && arrivalSecond < this.#windowSeconds) this.#perSecond[arrivalSecond]!++;
    if (!path.startsWith(HOOK_PATH)) {
      this.other++;
      return;
    }
    const index = Number(path.slice(HOOK_PATH.length));
    const scheduledAt = typeof scheduledHeader === 'string' ? Date.parse(scheduledHeader) : NaN;
    const second = Math.floor((scheduledAt - config.firstSecond) / 1000);
    if (
      typeof key !== 'string' ||
      !Number.isInteger(index) || index < 0 || index >= config.jobs ||
      !Number.isFinite(scheduledAt) || second < 0 || second >= config.seconds ||
      key.slice(KEY_SCHEDULED_AT, key.lastIndexOf(':')) !== scheduledHeader
    ) {
      this.unexpected++;
      return;
    }
    const jobId = key.slice(0, KEY_SCHEDULED_AT - 1);
    const known = this.#jobIds[index];
    if (known === undefined) this.#jobIds[index] = jobId;
    else if (known !== jobId) {
      this.unexpected++;
      return;
    }
    const cell = second * config.jobs + index;
    if (this.#counts[cell]! < 255) this.#counts[cell]!++;
    if (scheduledAt >= config.windowStart && scheduledAt < config.windowEnd) {
      if (this.#latenessCount === this.#lateness.length) {
        const grown = new Float64Array(this.#lateness.length * 2);
        grown.set(this.#lateness);
        this.#lateness = grown;
      }
      this.#lateness[this.#latenessCount++] = receivedAt - scheduledAt;
    }
  }

  report(requests: number): ReceiverReport {
    const config = this.#config;
    const windowFirst = Math.round((config.windowStart - config.firstSecond) / 1000);
    const windowLast = windowFirst + this.#windowSeconds;
    let windowOccurrences = 0;
    let windowDuplicates = 0;
    let warmupMissed = 0;
    let warmupDuplicates = 0;
    for (let second = 0; second < windowLast; second++) {
      for (let job = 0; job < config.jobs; job++) {
        const count = this.#counts[second * config.jobs + job]!;
        if (second >= windowFirst) {
          if (count > 0) windowOccurrences++;
          if (count > 1) windowDuplicates += count - 1;
        } else {
          if (count === 0) warmupMissed++;
          if (count > 1) warmupDuplicates += count - 1;
        }
      }
    }
    const n = this.#latenessCount;
    const sorted = this.#lateness.subarray(0, n).sort();
    const at = (p: number): number => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.floor(p * n))]!);
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      type: 'report',
      requests,
      windowOccurrences,
      windowDuplicates,
      windowMissed: this.#windowSeconds * config.jobs - windowOccurrences,
      warmupMissed,
      warmupDuplicates,
      unexpected: this.unexpected,
      other: this.other,
      lateness: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: n === 0 ? NaN : sorted[n - 1]!, mean: sum / Math.max(1, n) },
      perSecond: this.#perSecond,
    };
  }
}

let tally: Tally | null = null;
let delayMs = 0;
let requests = 0;
let early = 0;

const server = createServer((request, response) => {
  const receivedAt = performance.timeOrigin + performance.now();
  requests++;
  request.resume();
  if (tally) tally.count(request.url ?? '', request.headers['idempotency-key'], request.headers['x-scheduled-at'], receivedAt);
  else early++;
  if (delayMs > 0) setTimeout(() => response.writeHead(204).end(), delayMs);
  else response.writeHead(204).end();
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}` });
});

process.on('message', (message: Message) => {
  if (message.type === 'config') {
    // A new configuration starts a new count (the scale benchmark measures phases).
    tally = new Tally(message);
    tally.unexpected += early;
    early = 0;
    delayMs = message.delayMs;
    return;
  }
  if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    return;
  }
  if (tally) process.send!(tally.report(requests));
});
