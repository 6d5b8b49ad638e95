import { fileURLToPath } from 'node:url';
import { formatDefault, settingEntries } from './help.js';
import { loadConfig } from './load.js';
import type { Setting } from './schema.js';

/** Where the generated page lives (the same from src/config and dist/config). */
export const configurationDocPath = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));

/**
 * docs/configuration.md, rendered from the settings table. The validation messages shown are
 * produced by the real parsers, so the page says exactly what a node prints.
 */
export function renderConfigurationDoc(): string {
  const rows = settingEntries().map(([, setting]) => {
    const flag = setting.flag === undefined ? '' : `\`--${setting.flag}\``;
    const secret = setting.secret ? ' **Secret.**' : '';
    return `| \`${setting.env}\` | ${flag} | ${code(formatDefault(setting))} | ${escape(setting.description)}${secret} | ${escape(rejection(setting))} |`;
  });
  const secrets = settingEntries()
    .filter(([, setting]) => setting.secret)
    .map(([, setting]) => `\`${setting.env}\``);
  const secretList = `${secrets.slice(0, -1).join(', ')} and ${secrets.at(-1) ?? ''}`;

  return `# Configuration

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; a test fails when this page is stale. -->

Every setting of a node is read once at start, validated, and frozen: nothing changes while the
process runs. \`jobscheduler serve --help\` prints the same table in the terminal.

## Where settings come from

Each setting is taken from the first of these that sets it:

1. a command-line flag of \`jobscheduler serve\` (only the settings with a flag below);
2. an environment variable;
3. the file \`config.env\` in the working directory, when it exists;
4. the default.

\`config.env\` uses the dotenv syntax Node.js reads (\`node --env-file\`): one \`NAME=value\` per line,
\`#\` starts a comment, values may be quoted (on one line), and a leading \`export\` is allowed. A file
that exists but cannot be read, or has a line that is none of these, stops the node with the file
and line named; so does a wrong value, which names its line too. A name no setting reads is
logged as a warning with the setting it probably meant (\`JOBSCHEDULER_API_KEY\`: did you mean
\`JOBSCHEDULER_API_KEYS\`?); \`POSTGRES_*\` names are left alone, as the database container of
\`compose.yaml\` reads the same file. For example:

\`\`\`sh
# config.env: two scheduler nodes behind a load balancer share this file
DATABASE_URL=postgresql://jobscheduler:change-me@db.internal:5432/jobscheduler
JOBSCHEDULER_API_KEYS=key-for-ops,key-for-billing
HOST=0.0.0.0
PORT=8080
LOG_LEVEL=info
\`\`\`

## Settings

| Variable | Flag | Default | What it does | Message for a wrong value (\`abc\`, or an empty one where \`abc\` is fine) |
|---|---|---|---|---|
${rows.join('\n')}

## Validation

A node checks every value before it opens a port or a database connection. When some are wrong
it stops with exit code 2 and lists all of them at once, each naming the variable (or the flag,
when the value came from one) and what is allowed:

\`\`\`text
$ PORT=eighty JOBSCHEDULER_ROLE=boss LOG_LEVEL=loud jobscheduler serve
${sampleValidationMessage()}
\`\`\`

## Secrets

${secretList} are secrets. They have no command-line flag (a command line is visible to
every user of the machine through \`ps\`), \`--help\` shows only their defaults, and validation
messages never repeat their values. Keep them in \`config.env\` readable by the service user alone (\`chmod 600\`) or
in your service manager's credential store; see [deployment.md](deployment.md).

## The CLI client

\`jobscheduler jobs ...\` talks to a running node and reads its own two variables,
\`JOBSCHEDULER_SERVER\` and \`JOBSCHEDULER_API_KEY\`; see [cli.md](cli.md).
`;
}

/** What the setting's parser says about a value it cannot accept: `abc`, else an empty one. */
function rejection(setting: Setting<unknown>): string {
  for (const [value, prefix] of [['abc', ''], ['', 'empty: ']] as const) {
    try {
      setting.parse(value);
    } catch (error) {
      return `${prefix}${(error as Error).message}`;
    }
  }
  return '(free text)';
}

function sampleValidationMessage(): string {
  try {
    loadConfig({ env: { PORT: 'eighty', JOBSCHEDULER_ROLE: 'boss', LOG_LEVEL: 'loud' }, file: null });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the sample configuration was expected to be rejected');
}

function code(text: string): string {
  return `\`${text}\``;
}

/** Table cells are Markdown: keep pipes, angle brackets and emphasis marks literal. */
function escape(text: string): string {
  return text.replace(/[\\|*_<>]/g, (char) => (char === '<' ? '&lt;' : char === '>' ? '&gt;' : `\\${char}`));
}
