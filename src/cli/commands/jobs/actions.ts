import { ExitCode } from '../../io.js';
import { asRow, idPath, printJob, printJson, type Subcommand } from './shared.js';

/** delete, pause and resume: one request about one job, no options of their own. */
function action(verb: 'delete' | 'pause' | 'resume', summary: string): Subcommand {
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
      else printJob(context.io, asRow(body));
      return ExitCode.ok;
    },
  };
}

export const remove = action('delete', 'Delete a job: it stops firing and stays readable with its history.');
export const pause = action('pause', 'Stop a job from firing until it is resumed.');
export const resume = action('resume', 'Let a paused job fire again.');
