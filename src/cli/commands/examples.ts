/** `lf examples list|import`. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { printJson, printTable, println } from '../output.js';
import { printTaskOutcome, taskFailure } from '../task-report.js';
import { waitForTask, type Task } from '../task-wait.js';

interface Example {
  id: string;
  title?: string;
  description?: string;
  dataset_count?: number;
  data_size_human?: string;
  tags?: string[];
}

interface ImportAnswer {
  project: string;
  namespace: string;
  datasets: string[];
  task_ids: string[];
}

export function registerExamples(program: Command): void {
  const examples = program.command('examples').description('example projects shipped with the server');

  examples
    .command('list')
    .description('list the examples')
    .action(async (_o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.get<{ examples: Example[] }>('/v1/examples');
      if (ctx.json) return printJson(res);
      printTable(
        ['ID', 'TITLE', 'DATASETS', 'DATA', 'TAGS'],
        res.examples.map((e) => [e.id, e.title, e.dataset_count, e.data_size_human, (e.tags ?? []).join(', ')]),
        'no examples',
      );
    });

  examples
    .command('import <exampleId>')
    .description('import an example as a new project (named --name, else --project, else the example id) and process its data')
    .option('--name <project>', 'name of the new project')
    .option('--no-process', 'import the files without processing them')
    .option('--no-wait', 'return once the processing tasks are started')
    .action(async (exampleId: string, o: { name?: string; process: boolean; wait: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const name = o.name ?? cmd.optsWithGlobals().project ?? process.env.LF_PROJECT ?? exampleId;
      const res = await ctx.client.post<ImportAnswer>(`/v1/examples/${encodeURIComponent(exampleId)}/import-project`, { namespace: ctx.namespace, name, process: o.process });
      if (!ctx.json) println(`Imported example ${exampleId} as project ${res.namespace}/${res.project} (datasets: ${res.datasets.join(', ') || 'none'})`);
      const tasks: Task[] = [];
      if (o.wait) {
        for (const [i, id] of res.task_ids.entries()) {
          const task = await waitForTask(ctx.client, res.namespace, res.project, id, { title: `processing ${res.datasets[i] ?? id}` });
          tasks.push(task);
          if (!ctx.json) printTaskOutcome(task);
        }
      } else if (!ctx.json && res.task_ids.length) println(`Processing tasks: ${res.task_ids.join(', ')}`);
      if (ctx.json) printJson({ ...res, tasks: o.wait ? tasks : undefined });
      const failed = tasks.map(taskFailure).find(Boolean);
      if (failed) throw failed;
    });
}
