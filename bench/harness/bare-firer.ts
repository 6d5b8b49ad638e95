/**
 * The floor the engine is measured against (`npm run bench -- --engine bare`): a child process
 * that does nothing but send, at every whole second, one request per job to the receiver
 * with undici (keep-alive, the engine's headers and body), with no database at all. Its
 * lateness and CPU are what HTTP alone costs on this machine.
 *
 * Protocol (IPC): the parent sends a BareConfig; the child answers { type: 'started' } and
 * fires from config.firstSecond until it is killed.
 */
import { Agent } from 'undici';

export interface BareConfig {
  readonly type: 'bare';
  readonly url: string;
  readonly jobIds: readonly string[];
  readonly firstSecond: number;
  readonly connections: number;
}

function start(config: BareConfig): void {
  const agent = new Agent({ connections: config.connections, keepAliveTimeout: 30_000 });
  const origin = new URL(config.url).origin;
  const fire = (second: number): void => {
    const scheduledAt = new Date(second).toISOString();
    config.jobIds.forEach((jobId, i) => {
      const key = `${jobId}:${scheduledAt}:schedule`;
      void agent
        .request({
          origin,
          path: `/hook/${i}`,
          method: 'POST',
          headers: {
            'user-agent': 'jobscheduler-bench',
            'content-type': 'application/json',
            'X-Job-Id': jobId,
            'X-Execution-Id': jobId,
            'X-Scheduled-At': scheduledAt,
            'X-Attempt': '1',
            'Idempotency-Key': key,
          },
          body: JSON.stringify({ job: i }),
        })
        .then((response) => response.body.dump(), () => undefined);
    });
  };
  const next = (second: number): void => {
    setTimeout(() => {
      fire(second);
      next(second + 1000);
    }, second - Date.now());
  };
  next(config.firstSecond);
  process.send!({ type: 'started' });
}

process.once('message', (message: BareConfig) => start(message));
// Exit through process.exit on SIGTERM, so a --cpu-prof profile is written.
process.once('SIGTERM', () => process.exit(0));
