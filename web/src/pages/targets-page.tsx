import type { JSX } from 'preact';
import { api } from '../api.js';
import { ErrorBanner } from '../components/badges.js';
import { formatLocal, formatRelative } from '../format.js';
import { useNow, useResource } from '../hooks.js';

/**
 * The target policies: what all nodes together may send to an origin, a host or a domain.
 * Read-only here; they are created and changed through the API or `jobscheduler targets`.
 */
export function TargetsPage(): JSX.Element {
  const now = useNow();
  const policies = useResource((signal) => api.targetPolicies(signal), [], 10_000);
  const list = policies.data ?? [];
  return (
    <section>
      <div class="page-head">
        <h1>Targets</h1>
      </div>
      <p class="muted">
        Limits every node keeps to together when sending to the targets a pattern covers. When several patterns match a request, the most specific
        applies: an origin, then a host, then the longest <code>*.domain</code>. Manage them with <code>jobscheduler targets</code> or{' '}
        <code>/api/v1/targets</code>.
      </p>
      <ErrorBanner error={policies.error} />
      <div class="card table-wrap">
        <table class="table" aria-label="Target policies">
          <thead>
            <tr>
              <th>Name</th>
              <th>Pattern</th>
              <th class="num">Max concurrent</th>
              <th class="num">Max per second</th>
              <th>Changed</th>
            </tr>
          </thead>
          <tbody>
            {list.map((policy) => (
              <tr key={policy.id} data-policy-id={policy.id}>
                <td class="strong">{policy.name}</td>
                <td class="mono">{policy.pattern}</td>
                <td class="num">{policy.maxConcurrent ?? 'no limit'}</td>
                <td class="num">{policy.maxPerSecond ?? 'no limit'}</td>
                <td title={formatLocal(policy.updatedAt)}>{formatRelative(policy.updatedAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {policies.data && list.length === 0 && <p class="empty muted">No target policy: every target gets requests as fast as its jobs fire.</p>}
      </div>
    </section>
  );
}
