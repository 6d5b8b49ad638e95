import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { JobSchedulerError } from '../errors.js';
import { closest } from '../suggest.js';

/** The values of an env file, and the line each name was set on (to say where a bad value came from). */
export interface EnvFile {
  readonly path: string;
  readonly values: Readonly<Record<string, string>>;
  readonly lines: Readonly<Record<string, number>>;
}

/** NAME=value, NAME="value", NAME='value', optionally after `export`; blank lines and # comments. */
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/**
 * Reads an env file, refusing any line that is not an assignment, a comment or blank (a
 * malformed line would otherwise be dropped without a word), naming the file and the line.
 */
export function readEnvFile(path: string): EnvFile {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new JobSchedulerError('CONFIG_INVALID', `Cannot read configuration file ${path}: ${(error as Error).message}`, { path });
  }
  const lines: Record<string, number> = {};
  const problems: string[] = [];
  content.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const match = ASSIGNMENT.exec(line);
    if (match) lines[match[1]!] = index + 1;
    else problems.push(`${path} line ${index + 1}: expected NAME=value, a # comment or a blank line, got "${line.trim().slice(0, 60)}"`);
  });
  if (problems.length > 0) {
    throw new JobSchedulerError('CONFIG_INVALID', `Invalid configuration file:\n  ${problems.join('\n  ')}`, { path, problems });
  }
  return { path, values: parseEnv(content) as Record<string, string>, lines };
}

/**
 * Names the file sets that no setting reads, each with the closest known name when there is
 * one. POSTGRES_* are left alone: the database container of compose.yaml reads the same file.
 */
export function unknownKeyWarnings(file: EnvFile, known: readonly string[]): string[] {
  return Object.keys(file.lines)
    .filter((name) => !known.includes(name) && !name.startsWith('POSTGRES_'))
    .map((name) => {
      const suggestion = closest(name, known);
      const hint = suggestion === undefined ? 'no setting reads it' : `did you mean ${suggestion}?`;
      return `${file.path} line ${file.lines[name]}: unknown setting ${name} (${hint}); "jobscheduler serve --help" lists every setting`;
    });
}
