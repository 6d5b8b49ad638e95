/** Where a command writes; injected so tests read what a user would see. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
};

/** Exit codes: 0 success, 1 failure at run time, 2 bad usage or bad input. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

export type Command = (args: readonly string[], io: CliIo) => Promise<number>;
