import { ExitCode } from '../../io.js';
import { formatRecord } from '../../table.js';
import { asRow, idPath, printJob, printJson, type Subcommand } from './shared.js';

/** delete, run, pause and resume: one request about one job, no options of their own. */
function action(verb: 'delete' | 'run' | 'pause' | 'resume', summary: string): Subcommand {
  return {
    usage: `${verb} <id>`,
    summary,
    positionals: ['<id>'],
    async run(context) {
      const id = context.positionals[0]!;
      const path = `/api/v1/jobs/${idPath(id)}`;
      const { body } =
        verb === 'delete' ? await context.client.send('DELETE', path) : await context.client.send('POST', `${path}/${verb}`);
      if (context.json) printJson(context.io, body ?? { id, deleted: true });
      else if (verb === 'delete') context.io.stdout(`Deleted job ${id} (inactive; its history is kept).`);
      else if (verb === 'run') context.io.stdout(body === null ? `Asked job ${id} to run now.` : formatRecord(asRow(body)));
      else printJob(context.io, asRow(body));
      return ExitCode.ok;
    },
  };
}

export const remove = action('delete', 'Delete a job: it stops firing and stays readable with its history.');
export const run = action('run', 'Fire a job now, as an extra occurrence beside its schedule.');
export const pause = action('pause', 'Stop a job from firing until it is resumed.');
export const resume = action('resume', 'Let a paused job fire again.');
