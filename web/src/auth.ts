/**
 * The API key, kept for this browser tab only (sessionStorage): it survives reloads but
 * not closing the tab. The prompt itself is a component; it registers here so that any
 * call answered with 401 can wait for the person to type a key.
 */
const storageKey = 'jobscheduler.apiKey';

type Prompter = (rejected: boolean) => Promise<string | null>;

let prompter: Prompter | null = null;
let pending: Promise<string | null> | null = null;

export function currentApiKey(): string | null {
  try {
    return sessionStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function saveApiKey(key: string): void {
  sessionStorage.setItem(storageKey, key);
}

/** Drops the stored key, unless another call already replaced it with a newer one. */
export function forgetApiKey(key: string): void {
  if (currentApiKey() === key) sessionStorage.removeItem(storageKey);
}

export function setApiKeyPrompter(next: Prompter | null): void {
  prompter = next;
}

/**
 * Resolves with the key the person entered (already saved), or null when they cancel.
 * Concurrent callers share one prompt. If another call saved a key meanwhile, use it.
 */
export function askForApiKey(rejected: boolean): Promise<string | null> {
  if (pending !== null) return pending;
  const stored = currentApiKey();
  if (stored !== null) return Promise.resolve(stored);
  if (prompter === null) return Promise.resolve(null);
  pending = prompter(rejected).then((key) => {
    pending = null;
    if (key !== null) saveApiKey(key);
    return key;
  });
  return pending;
}
