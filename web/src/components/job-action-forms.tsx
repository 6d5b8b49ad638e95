import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { formatLocal } from '../format.js';
import { buildBackfill, buildRunOverride, type BackfillFormValues, type FormErrors, type RunFormValues } from '../job-actions-form.js';
import type { Job } from '../types.js';
import { ErrorBanner } from './badges.js';
import { Field } from './field.js';

/** A server-side 400 names the field at fault: shown under it rather than in a banner. */
function fieldOfProblem<T extends object>(error: unknown, values: T): { field: keyof T; message: string } | null {
  if (!(error instanceof ApiError) || error.status !== 400 || typeof error.problem.property !== 'string') return null;
  const name = error.problem.property.split('.')[0]!;
  return name in values ? { field: name as keyof T, message: error.message } : null;
}

function useSubmit<T extends object>(values: T): {
  busy: boolean;
  error: Error | undefined;
  serverErrors: FormErrors<T>;
  submit: (work: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [serverErrors, setServerErrors] = useState<FormErrors<T>>({});
  const submit = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setServerErrors({});
    try {
      await work();
    } catch (caught) {
      const field = fieldOfProblem(caught, values);
      if (field) setServerErrors({ [field.field]: field.message } as FormErrors<T>);
      else setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, serverErrors, submit };
}

/** Run now, sending another payload and/or headers this one time. */
export function RunWithOverrides({ job, onDone }: { job: Job; onDone: (message: string) => void }): JSX.Element {
  const [values, setValues] = useState<RunFormValues>({ payload: '', headers: '' });
  const [errors, setErrors] = useState<FormErrors<RunFormValues>>({});
  const { busy, error, serverErrors, submit } = useSubmit(values);
  const set = (name: keyof RunFormValues) => (event: Event) => setValues({ ...values, [name]: (event.target as HTMLTextAreaElement).value });
  const onSubmit = (event: Event): void => {
    event.preventDefault();
    const { body, errors: found } = buildRunOverride(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void submit(async () => {
      const answer = await api.runJob(job.id, body);
      onDone(answer.overridden ? 'Run requested with the overrides; the history marks it.' : 'Run requested.');
    });
  };
  return (
    <form class="form" aria-label="Run with overrides" onSubmit={onSubmit} noValidate>
      <p class="muted">For this one run (and its retries) only; the job keeps its own payload and headers. Leave a field empty to keep the job's.</p>
      <div class="fields">
        <Field label="Payload (JSON)" error={errors.payload ?? serverErrors.payload} hint={job.method === 'GET' ? 'A GET job sends no body.' : undefined} wide>
          <textarea name="overridePayload" rows={3} class="mono" value={values.payload} onInput={set('payload')} spellcheck={false} disabled={job.method === 'GET'} />
        </Field>
        <Field label="Headers" error={errors.headers ?? serverErrors.headers} hint={'One "Name: value" per line; replaces the job\'s header of that name.'} wide>
          <textarea name="overrideHeaders" rows={2} class="mono" value={values.headers} onInput={set('headers')} spellcheck={false} />
        </Field>
      </div>
      <ErrorBanner error={error} />
      <button class="button" type="submit" disabled={busy || !job.isActive}>
        Run now with these
      </button>
    </form>
  );
}

/** Fire the past occurrences of a range that never succeeded. */
export function BackfillForm({ job, onDone }: { job: Job; onDone: (message: string) => void }): JSX.Element {
  const [values, setValues] = useState<BackfillFormValues>({ from: '', to: '', intervalMs: '', maxOccurrences: '' });
  const [errors, setErrors] = useState<FormErrors<BackfillFormValues>>({});
  const { busy, error, serverErrors, submit } = useSubmit(values);
  const set = (name: keyof BackfillFormValues) => (event: Event) => setValues({ ...values, [name]: (event.target as HTMLInputElement).value });
  const onSubmit = (event: Event): void => {
    event.preventDefault();
    const { body, errors: found } = buildBackfill(values);
    setErrors(found);
    if (body === null) return;
    void submit(async () => {
      const answer = await api.backfillJob(job.id, body);
      const range = answer.count === 0 ? '' : ` (${formatLocal(answer.first)} to ${formatLocal(answer.last)})`;
      const skipped = answer.skipped.succeeded + answer.skipped.inProgress + answer.skipped.maybeSent;
      onDone(
        `Backfill: ${answer.count} of ${answer.scheduled} occurrences fire${range}; ${answer.queued} newly queued, ` +
          `${answer.alreadyQueued} already queued, ${skipped} left alone.`,
      );
    });
  };
  return (
    <form class="form" aria-label="Backfill" onSubmit={onSubmit} noValidate>
      <p class="muted">
        Fires, once each, every past occurrence in the range that never succeeded (for at-most-once jobs, none that may have been sent).
        Asking again for the same range fires nothing twice.
      </p>
      <div class="fields">
        <Field label="From (your browser's time)" error={errors.from ?? serverErrors.from}>
          <input name="backfillFrom" type="datetime-local" step={1} value={values.from} onInput={set('from')} />
        </Field>
        <Field label="To, not included" error={errors.to ?? serverErrors.to}>
          <input name="backfillTo" type="datetime-local" step={1} value={values.to} onInput={set('to')} />
        </Field>
        <Field label="Interval (ms)" error={errors.intervalMs ?? serverErrors.intervalMs} hint="Between two firings; default 1000.">
          <input name="backfillIntervalMs" inputMode="numeric" value={values.intervalMs} onInput={set('intervalMs')} />
        </Field>
        <Field label="Max occurrences" error={errors.maxOccurrences ?? serverErrors.maxOccurrences} hint="Refuse a larger range; default 1000.">
          <input name="backfillMaxOccurrences" inputMode="numeric" value={values.maxOccurrences} onInput={set('maxOccurrences')} />
        </Field>
      </div>
      <ErrorBanner error={error} />
      <button class="button" type="submit" disabled={busy || !job.isActive || job.paused}>
        Backfill
      </button>
    </form>
  );
}
