import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { missingRuntimeFlags, RUNTIME_FLAGS } from '../../src/cli/runtime-flags.js';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

describe('the runtime flags a node needs', () => {
  it('are set by the launcher itself, so ./bin/jobscheduler serve gets them however it is started', async () => {
    const shebang = read('bin/jobscheduler').split('\n')[0]!;
    for (const flag of RUNTIME_FLAGS) expect(shebang).toContain(flag);
    // The launcher really runs with them: a program run through the same line prints its flags.
    const { stdout } = await promisify(execFile)('/usr/bin/env', [...shebang.slice('#!/usr/bin/env '.length).split(' '), '-p', 'JSON.stringify(process.execArgv)']);
    expect(JSON.parse(stdout)).toEqual(expect.arrayContaining([...RUNTIME_FLAGS]));
  });

  it('are given by npm start and by the container image, which runs the launcher', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    for (const flag of RUNTIME_FLAGS) expect(start).toContain(flag);
    expect(read('Dockerfile')).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/bin\/jobscheduler"\]/);
  });

  it('are found missing unless given on the command line or in NODE_OPTIONS, with either spelling', () => {
    expect(missingRuntimeFlags([], undefined)).toEqual(['--max-semi-space-size=128']);
    expect(missingRuntimeFlags(['--max-semi-space-size=64'], undefined)).toEqual([]);
    expect(missingRuntimeFlags([], '--enable-source-maps --max_semi_space_size=256')).toEqual([]);
    expect(missingRuntimeFlags(['--import', 'tsx'], '--max-old-space-size=4096')).toEqual(['--max-semi-space-size=128']);
  });
});
