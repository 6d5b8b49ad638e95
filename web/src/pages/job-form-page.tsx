import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ErrorBanner } from '../components/badges.js';
import { Field } from '../components/field.js';
import { formatInOwnOffset } from '../format.js';
import { useDebounced, useResource } from '../hooks.js';
import { buildJob, createBody, defaultValues, patchBody, valuesFromJob, type FieldErrors, type FormValues } from '../job-form.js';
import { Link, navigate } from '../router.js';
import { paths } from '../routes.js';
import type { Job, Problem } from '../types.js';

const zones: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

/** Which form field a server-side problem points at (its `property`: "api", "retry.maxAttempts"). */
function problemField(problem: Problem): keyof FormValues | null {
  if (typeof problem.property !== 'string') return null;
  const [first = '', second = ''] = problem.property.split(/[./[\]]/);
  const name = first === 'retry' ? second : first;
  return name in defaultValues ? (name as keyof FormValues) : null;
}

/** Validates the schedule on the server as the person types, and shows what it means. */
function SchedulePreview({ expression, timezone, onValidity }: { expression: string; timezone: string; onValidity: (error: string | null) => void }): JSX.Element {
  const settled = useDebounced({ expression: expression.trim(), timezone: timezone.trim() }, 250);
  const preview = useResource(
    (signal) =>
      settled.expression === '' ? Promise.resolve(null) : api.previewSchedule({ ...settled, timezone: settled.timezone || 'UTC', count: 5 }, signal),
    [settled.expression, settled.timezone],
  );
  const error = preview.error instanceof ApiError ? preview.error.message : preview.error ? 'The preview is unavailable right now.' : null;
  useEffect(() => onValidity(preview.error instanceof ApiError ? error : null), [error]);
  const stale = settled.expression !== expression.trim() || settled.timezone !== timezone.trim();
  return (
    <div class={`preview${stale || preview.loading ? ' stale' : ''}`} aria-live="polite" data-testid="schedule-preview">
      {error ? (
        <p class="field-error">{error}</p>
      ) : preview.data ? (
        <>
          <p class="strong">{preview.data.description}</p>
          <ol class="runs compact">
            {preview.data.nextRuns.map((run) => (
              <li key={run} class="mono small">
                {formatInOwnOffset(run)}
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p class="muted">Type a cron expression to see when it fires.</p>
      )}
    </div>
  );
}

function Form({ original, etag }: { original: Job | null; etag: string | null }): JSX.Element {
  const [values, setValues] = useState<FormValues>(() => (original ? valuesFromJob(original) : defaultValues));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [scheduleError, setScheduleError] = useState<string | null>(null);
  const [submitError, setSubmitError] = useState<Error | undefined>();
  const [saving, setSaving] = useState(false);
  const set =
    <K extends keyof FormValues>(key: K) =>
    (event: Event): void => {
      const value = (event.currentTarget as HTMLInputElement).value as FormValues[K];
      setValues((previous) => ({ ...previous, [key]: value }));
      setErrors((previous) => ({ ...previous, [key]: undefined }));
    };

  const onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const built = buildJob(values);
    const found = { ...built.errors };
    if (values.kind === 'recurring' && scheduleError) found.schedule = scheduleError;
    setErrors(found);
    if (Object.values(found).some((message) => message !== undefined)) return;
    setSaving(true);
    setSubmitError(undefined);
    try {
      if (original) {
        const patch = patchBody(built.input, original);
        if (Object.keys(patch).length > 0) await api.updateJob(original.id, patch, etag);
        navigate(paths.job(original.id));
      } else {
        navigate(paths.job((await api.createJob(createBody(built.input))).id));
      }
    } catch (caught) {
      if (caught instanceof ApiError) {
        const field = problemField(caught.problem);
        if (field) setErrors({ [field]: caught.message });
        setSubmitError(
          caught.status === 412 ? new Error('Someone changed this job since you opened it. Reload the page to edit the latest version.') : caught,
        );
      } else {
        setSubmitError(caught instanceof Error ? caught : new Error(String(caught)));
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="form" onSubmit={(event) => void onSubmit(event)} noValidate>
      <div class="card">
        <h2>Job</h2>
        <div class="fields">
          <Field label="Name" error={errors.name}>
            <input name="name" value={values.name} onInput={set('name')} placeholder="nightly-report" />
          </Field>
          <Field label="Description" error={errors.description}>
            <input name="description" value={values.description} onInput={set('description')} />
          </Field>
        </div>
      </div>

      <div class="card">
        <h2>When</h2>
        <div class="segmented" role="radiogroup" aria-label="Kind">
          {(['recurring', 'once'] as const).map((kind) => (
            <label key={kind}>
              <input type="radio" name="kind" value={kind} checked={values.kind === kind} onChange={set('kind')} />
              {kind === 'recurring' ? 'Recurring (cron)' : 'Once'}
            </label>
          ))}
        </div>
        <div class="fields">
          {values.kind === 'recurring' ? (
            <Field label="Schedule" error={errors.schedule} hint="Six fields with seconds (sec min hour day month weekday), or five without.">
              <input name="schedule" class="mono" value={values.schedule} onInput={set('schedule')} spellcheck={false} autocomplete="off" />
            </Field>
          ) : (
            <Field label="Run at (your browser's time)" error={errors.runAt}>
              <input name="runAt" type="datetime-local" step={1} value={values.runAt} onInput={set('runAt')} />
            </Field>
          )}
          <Field label="Time zone" error={errors.timezone}>
            <input name="timezone" list="zones" value={values.timezone} onInput={set('timezone')} autocomplete="off" />
          </Field>
          {values.kind === 'recurring' && (
            <>
              <Field label="Start at (your browser's time)" error={errors.startAt} hint="No run before it; empty: from now.">
                <input name="startAt" type="datetime-local" step={1} value={values.startAt} onInput={set('startAt')} />
              </Field>
              <Field label="End at (your browser's time)" error={errors.endAt} hint="No run after it; the job then ends.">
                <input name="endAt" type="datetime-local" step={1} value={values.endAt} onInput={set('endAt')} />
              </Field>
              <Field label="Max runs" error={errors.maxRuns} hint="Scheduled runs in all; empty: no limit.">
                <input name="maxRuns" inputMode="numeric" value={values.maxRuns} onInput={set('maxRuns')} />
              </Field>
            </>
          )}
        </div>
        {values.kind === 'recurring' && <SchedulePreview expression={values.schedule} timezone={values.timezone} onValidity={setScheduleError} />}
        <datalist id="zones">
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      </div>

      <div class="card">
        <h2>What</h2>
        <div class="fields">
          <Field label="Method" error={errors.method}>
            <select name="method" value={values.method} onChange={set('method')}>
              {['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((method) => (
                <option key={method}>{method}</option>
              ))}
            </select>
          </Field>
          <Field label="URL" error={errors.api} wide>
            <input name="api" type="url" value={values.api} onInput={set('api')} placeholder="https://example.com/hooks/report" />
          </Field>
          <Field label="Headers" error={errors.headers} hint='One "Name: value" per line.' wide>
            <textarea name="headers" rows={2} class="mono" value={values.headers} onInput={set('headers')} spellcheck={false} />
          </Field>
          <Field label="Payload (JSON)" error={errors.payload} wide>
            <textarea name="payload" rows={4} class="mono" value={values.payload} onInput={set('payload')} spellcheck={false} placeholder='{"report": "daily"}' />
          </Field>
        </div>
      </div>

      <details class="card">
        <summary>
          <h2>Delivery and retries</h2>
        </summary>
        <div class="fields">
          <Field label="Delivery" error={errors.type}>
            <select name="type" value={values.type} onChange={set('type')}>
              <option value="AT_LEAST_ONCE">At least once (retried, may repeat)</option>
              <option value="AT_MOST_ONCE">At most once (never repeated)</option>
            </select>
          </Field>
          <Field label="Timeout (ms)" error={errors.timeoutMs}>
            <input name="timeoutMs" inputMode="numeric" value={values.timeoutMs} onInput={set('timeoutMs')} />
          </Field>
          <Field label="Attempts" error={errors.maxAttempts}>
            <input name="maxAttempts" inputMode="numeric" value={values.maxAttempts} onInput={set('maxAttempts')} />
          </Field>
          <Field label="Min backoff (ms)" error={errors.minBackoffMs}>
            <input name="minBackoffMs" inputMode="numeric" value={values.minBackoffMs} onInput={set('minBackoffMs')} />
          </Field>
          <Field label="Max backoff (ms)" error={errors.maxBackoffMs}>
            <input name="maxBackoffMs" inputMode="numeric" value={values.maxBackoffMs} onInput={set('maxBackoffMs')} />
          </Field>
          <Field label="Missed runs" error={errors.misfirePolicy} hint="What to do with runs missed while no node was up.">
            <select name="misfirePolicy" value={values.misfirePolicy} onChange={set('misfirePolicy')}>
              <option value="skip">Skip them</option>
              <option value="fire_once">Fire once</option>
              <option value="fire_all">Fire all</option>
            </select>
          </Field>
          <Field label="Jitter (ms)" error={errors.jitterMs} hint="Send each run up to this much later (a delay fixed per job and run), so jobs sharing a schedule do not all arrive at once.">
            <input name="jitterMs" inputMode="numeric" value={values.jitterMs} onInput={set('jitterMs')} />
          </Field>
          <Field label="Overlap" error={errors.overlapPolicy}>
            <select name="overlapPolicy" value={values.overlapPolicy} onChange={set('overlapPolicy')}>
              <option value="allow">Allow overlapping runs</option>
              <option value="forbid">Skip a run while the previous one is running</option>
            </select>
          </Field>
          <Field label="On failure, notify (URL)" error={errors.onFailure} wide>
            <input name="onFailure" type="url" value={values.onFailure} onInput={set('onFailure')} />
          </Field>
          <Field label="Pause after failures" error={errors.pauseAfterFailures} hint="Runs in a row that failed after their retries; empty: never.">
            <input name="pauseAfterFailures" inputMode="numeric" value={values.pauseAfterFailures} onInput={set('pauseAfterFailures')} />
          </Field>
        </div>
      </details>

      <ErrorBanner error={submitError} />
      <div class="actions">
        <Link href={original ? paths.job(original.id) : paths.jobs()} class="button">
          Cancel
        </Link>
        <button type="submit" class="button primary" disabled={saving}>
          {original ? 'Save changes' : 'Create job'}
        </button>
      </div>
    </form>
  );
}

export function JobFormPage({ id }: { id?: string }): JSX.Element {
  const existing = useResource((signal) => (id === undefined ? Promise.resolve(null) : api.getJob(id, signal)), [id]);
  const title = id === undefined ? 'New job' : 'Edit job';
  return (
    <section>
      <div class="page-head">
        <div>
          <p class="crumbs">
            <Link href={paths.jobs()}>Jobs</Link> /{' '}
            {id !== undefined && existing.data && (
              <>
                <Link href={paths.job(id)}>{existing.data.data.name ?? 'Unnamed job'}</Link> /
              </>
            )}
          </p>
          <h1>{title}</h1>
        </div>
      </div>
      <ErrorBanner error={existing.error} />
      {id === undefined ? (
        <Form original={null} etag={null} />
      ) : existing.data ? (
        <Form original={existing.data.data} etag={existing.data.etag} />
      ) : (
        !existing.error && <p class="muted">Loading…</p>
      )}
    </section>
  );
}
