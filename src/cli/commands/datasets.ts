/** `lf datasets list|create|upload|process|rm-file|delete`. */
import type { Command } from 'commander';
import { contextOf, type CommandContext } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { expandInputs } from '../files.js';
import { projectPath } from '../http.js';
import { humanBytes, printJson, printTable, println, styled } from '../output.js';
import { printTaskOutcome, taskFailure } from '../task-report.js';
import { waitForTask } from '../task-wait.js';
import { uploadAll, type UploadReport } from '../upload.js';

interface FileDetail {
  hash: string;
  original_filename?: string;
  size?: number;
}

interface Dataset {
  name: string;
  database: string;
  data_processing_strategy: string;
  files?: string[];
  details?: { total_files?: number; total_size_bytes?: number; file_details?: FileDetail[] };
}

async function listDatasets(ctx: CommandContext): Promise<Dataset[]> {
  const res = await ctx.client.get<{ datasets: Dataset[] }>(projectPath(ctx.namespace, ctx.project(), 'datasets'));
  return res.datasets;
}

/** A dataset's file by full hash, unique hash prefix (6+ characters) or original file name. */
export function findFile(files: FileDetail[], ref: string): FileDetail {
  const byHash = /^[0-9a-f]{6,64}$/i.test(ref) ? files.filter((f) => f.hash.startsWith(ref.toLowerCase())) : [];
  const matches = byHash.length ? byHash : files.filter((f) => f.original_filename === ref);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new CliError(`no file '${ref}' in the dataset (give its name or hash; see \`lf datasets list\`)`, EXIT.serverError);
  throw usageError(`'${ref}' matches ${matches.length} files: ${matches.map((f) => `${f.original_filename} (${f.hash.slice(0, 12)})`).join(', ')}; give the hash`);
}

function printUploadReport(r: UploadReport): void {
  const s = styled();
  println(`Uploaded ${r.uploaded.length} file${r.uploaded.length === 1 ? '' : 's'} (${humanBytes(r.bytes)}) to dataset ${r.dataset}`);
  if (r.skipped.length) {
    println(`Skipped ${r.skipped.length} duplicate${r.skipped.length === 1 ? '' : 's'} (same bytes already in the dataset):`);
    for (const f of r.skipped) println(`  ${f.file} (${f.hash.slice(0, 12)})`);
  }
  if (r.failed.length) {
    println(s.red(`Failed ${r.failed.length}:`));
    for (const f of r.failed) println(`  ${f.file}: ${f.error} (HTTP ${f.status})`);
  }
}

export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('manage a project\'s datasets: upload files and process them into its RAG database');

  datasets
    .command('list')
    .description('list the datasets of the project with their files')
    .action(async (_o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const list = await listDatasets(ctx);
      if (ctx.json) return printJson({ total: list.length, datasets: list });
      printTable(
        ['NAME', 'DATABASE', 'STRATEGY', 'FILES', 'SIZE'],
        list.map((d) => [d.name, d.database, d.data_processing_strategy, d.details?.total_files ?? d.files?.length ?? 0, humanBytes(d.details?.total_size_bytes)]),
        'no datasets (create one with `lf datasets create <name>`)',
      );
    });

  datasets
    .command('create <name>')
    .description('create a dataset (strategy and database default to the project\'s first strategy and default database)')
    .option('-s, --strategy <strategy>', 'data processing strategy')
    .option('-d, --database <database>', 'RAG database the dataset feeds')
    .action(async (name: string, o: { strategy?: string; database?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      let { strategy, database } = o;
      if (!strategy || !database) {
        const { project } = await ctx.client.get(projectPath(ctx.namespace, ctx.project()));
        const rag = project.config?.rag ?? {};
        strategy ??= rag.data_processing_strategies?.[0]?.name;
        database ??= rag.default_database ?? rag.databases?.[0]?.name;
        if (!strategy || !database) throw usageError(`project ${ctx.namespace}/${ctx.project()} has no ${strategy ? 'database' : 'data processing strategy'}; pass --strategy and --database`);
      }
      const res = await ctx.client.post(projectPath(ctx.namespace, ctx.project(), 'datasets'), { name, data_processing_strategy: strategy, database });
      if (ctx.json) return printJson(res);
      println(`Created dataset ${name} (strategy ${strategy}, database ${database})`);
    });

  datasets
    .command('upload <dataset> <paths...>')
    .description('upload files, folders (recursively) or glob patterns such as "docs/**/*.pdf" (quote globs)')
    .option('--process', 'then process the dataset (waits with a progress bar unless --no-wait)')
    .option('--no-wait', 'with --process: print the task id and return at once')
    .action(async (dataset: string, paths: string[], o: { process?: boolean; wait: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const project = ctx.project();
      const files = await expandInputs(paths);
      const report = await uploadAll(ctx.client, ctx.namespace, project, dataset, files);
      if (ctx.json && !o.process) printJson(report);
      else if (!ctx.json) printUploadReport(report);
      if (report.failed.length) throw new CliError(`${report.failed.length} of ${files.length} files were refused`, EXIT.serverError);
      if (!o.process) return;
      const started = await ctx.client.post<{ task_id: string }>(projectPath(ctx.namespace, project, 'datasets', dataset, 'actions'), { action_type: 'process' });
      if (!o.wait) {
        if (ctx.json) return printJson({ upload: report, task_id: started.task_id });
        return println(`Processing started: task ${started.task_id}`);
      }
      const task = await waitForTask(ctx.client, ctx.namespace, project, started.task_id, { title: `processing ${dataset}` });
      if (ctx.json) printJson({ upload: report, task });
      else printTaskOutcome(task);
      const failure = taskFailure(task);
      if (failure) throw failure;
    });

  datasets
    .command('process <dataset>')
    .description('process the dataset\'s files into its database; waits with a progress bar unless --no-wait')
    .option('--no-wait', 'print the task id and return at once')
    .action(async (dataset: string, o: { wait: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const project = ctx.project();
      const started = await ctx.client.post<{ task_id: string; message?: string }>(projectPath(ctx.namespace, project, 'datasets', dataset, 'actions'), { action_type: 'process' });
      if (!o.wait) {
        if (ctx.json) return printJson(started);
        println(`Processing started: task ${started.task_id}`);
        println(`Follow it with: lf tasks wait ${started.task_id} -p ${project}${ctx.namespace !== 'default' ? ` -n ${ctx.namespace}` : ''}`);
        return;
      }
      const task = await waitForTask(ctx.client, ctx.namespace, project, started.task_id, { title: `processing ${dataset}` });
      if (ctx.json) printJson(task);
      else printTaskOutcome(task);
      const failure = taskFailure(task);
      if (failure) throw failure;
    });

  datasets
    .command('rm-file <dataset> <file>')
    .description('remove a file (by name or hash) and its chunks from the dataset')
    .option('--remove-from-disk', 'also delete the stored bytes')
    .action(async (dataset: string, ref: string, o: { removeFromDisk?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const project = ctx.project();
      let hash = ref.toLowerCase();
      let label = ref;
      if (!/^[0-9a-f]{64}$/.test(hash)) {
        const ds = (await listDatasets(ctx)).find((d) => d.name === dataset);
        if (!ds) throw new CliError(`Dataset ${dataset} not found`, EXIT.serverError);
        const file = findFile(ds.details?.file_details ?? [], ref);
        hash = file.hash;
        label = file.original_filename ?? ref;
      }
      const res = await ctx.client.delete<{ file_hash: string; deleted_chunks?: number }>(projectPath(ctx.namespace, project, 'datasets', dataset, 'data', hash), {
        remove_from_disk: o.removeFromDisk ? true : undefined,
      });
      if (ctx.json) return printJson(res);
      println(`Removed ${label} (${hash.slice(0, 12)}) from dataset ${dataset}${typeof res.deleted_chunks === 'number' ? `; ${res.deleted_chunks} chunks deleted` : ''}`);
    });

  datasets
    .command('delete <dataset>')
    .description('delete a dataset with its files and chunks')
    .action(async (dataset: string, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.delete(projectPath(ctx.namespace, ctx.project(), 'datasets', dataset));
      if (ctx.json) return printJson(res);
      println(`Deleted dataset ${dataset}`);
    });
}
