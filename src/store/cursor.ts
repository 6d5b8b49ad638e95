import { JobSchedulerError } from '../errors.js';

/**
 * Opaque keyset cursors: base64url of a small JSON array of the last row's sort key.
 * Timestamps travel as whole microseconds since the epoch (text), because PostgreSQL keeps
 * microseconds and a JavaScript Date would round them away and skip or repeat rows.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor whose elements must have the given types; VALIDATION_FAILED otherwise. */
export function decodeCursor<T extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: T,
): { [K in keyof T]: T[K] extends 'string' ? string : number } {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((value, i) => typeof value !== shape[i])) {
    throw new JobSchedulerError('VALIDATION_FAILED', 'The cursor is not one this server handed out', { cursor });
  }
  return key as { [K in keyof T]: T[K] extends 'string' ? string : number };
}
