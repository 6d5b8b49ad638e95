import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { setApiKeyPrompter } from '../auth.js';

interface Prompt {
  readonly rejected: boolean;
  readonly resolve: (key: string | null) => void;
}

/**
 * Asks for the API key when the server answers 401. The key is kept in sessionStorage
 * (this tab only) by auth.ts; this component only collects it.
 */
export function ApiKeyDialog(): JSX.Element | null {
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setApiKeyPrompter(
      (rejected) =>
        new Promise<string | null>((resolve) => {
          setValue('');
          setPrompt({ rejected, resolve });
        }),
    );
    return () => setApiKeyPrompter(null);
  }, []);

  useEffect(() => {
    if (prompt) input.current?.focus();
  }, [prompt]);

  if (!prompt) return null;
  const finish = (key: string | null): void => {
    setPrompt(null);
    prompt.resolve(key);
  };
  const onSubmit = (event: Event): void => {
    event.preventDefault();
    const key = value.trim();
    if (key !== '') finish(key);
  };
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="api-key-title">
      <form class="dialog card" onSubmit={onSubmit}>
        <h2 id="api-key-title">API key required</h2>
        <p class="muted">
          {prompt.rejected
            ? 'The server did not accept that key. Enter another one.'
            : 'This server asks for an API key. It is kept for this browser tab only.'}
        </p>
        <label class="field">
          <span>API key</span>
          <input
            ref={input}
            type="password"
            name="apiKey"
            autocomplete="off"
            value={value}
            onInput={(event) => setValue(event.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="button" class="button" onClick={() => finish(null)}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={value.trim() === ''}>
            Use key
          </button>
        </div>
      </form>
    </div>
  );
}
