/** `lf tasks get|wait`. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { printJson } from '../output.js';
import { printTaskOutcome, taskFailure } from '../task-report.js';
import { getTask, waitForTask } from '../task-wait.js';

export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('follow asynchronous server tasks (dataset processing)');

  tasks
    .command('get <taskId>')
    .description('show a task\'s state, progress and result')
    .action(async (taskId: string, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const task = await getTask(ctx.client, ctx.namespace, ctx.project(), taskId);
      if (ctx.json) return printJson(task);
      printTaskOutcome(task);
    });

  tasks
    .command('wait <taskId>')
    .description('wait for a task with a progress bar; exits 4 when it ends in FAILURE')
    .action(async (taskId: string, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const task = await waitForTask(ctx.client, ctx.namespace, ctx.project(), taskId);
      if (ctx.json) printJson(task);
      else printTaskOutcome(task);
      const failure = taskFailure(task);
      if (failure) throw failure;
    });
}
