/**
 * The data-loop commands (issue 17): `lf tasks cancel`, `lf datasets files|chunks`, `lf rag stats|reindex`.
 * They attach to the `tasks`, `datasets` and `rag` commands the other modules create.
 */
import type { Command } from 'commander';
import { contextOf, type CommandContext } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { projectPath } from '../http.js';
import { positiveInt } from '../option-parsers.js';
import { humanBytes, oneLine, printJson, printTable, println, styled } from '../output.js';
import { printTaskOutcome, taskFailure } from '../task-report.js';
import { waitForTask } from '../task-wait.js';

interface DatasetFile {
  hash: string;
  filename: string;
  status: string;
  chunks: number;
  parser: string | null;
  size: number;
  error: string | null;
}

async function datasetFiles(ctx: CommandContext, dataset: string): Promise<DatasetFile[]> {
  const res = await ctx.client.get<{ dataset: { files: DatasetFile[] } }>(projectPath(ctx.namespace, ctx.project(), 'datasets', dataset));
  return res.dataset.files;
}

/** A file by full hash, unique hash prefix (6+ characters) or file name. */
function pickFile(files: DatasetFile[], ref: string): DatasetFile {
  const byHash = /^[0-9a-f]{6,64}$/i.test(ref) ? files.filter((f) => f.hash.startsWith(ref.toLowerCase())) : [];
  const matches = byHash.length ? byHash : files.filter((f) => f.filename === ref);
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new CliError(`no file '${ref}' in the dataset (see \`lf datasets files\`)`, EXIT.serverError);
  throw usageError(`'${ref}' matches ${matches.length} files; give the hash`);
}

const subcommand = (program: Command, name: string) => {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`the '${name}' command must be registered first`);
  return found;
};

export function registerDataLoop(program: Command): void {
  subcommand(program, 'tasks')
    .command('cancel <taskId>')
    .description('cancel a queued or running task; the chunks it wrote are removed unless --keep')
    .option('--keep', 'keep the files already stored (revert=false)')
    .action(async (taskId: string, o: { keep?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.delete<{ state: string; reverted_files: { filename: string }[]; kept_files: { filename: string }[] }>(
        projectPath(ctx.namespace, ctx.project(), 'tasks', taskId),
        { revert: o.keep ? false : undefined },
      );
      if (ctx.json) return printJson(res);
      println(`Task ${taskId} cancelled (${res.state})`);
      if (res.reverted_files.length) println(`Removed the chunks of: ${res.reverted_files.map((f) => f.filename).join(', ')}`);
      if (res.kept_files.length) println(`Kept: ${res.kept_files.map((f) => f.filename).join(', ')}`);
    });

  const datasets = subcommand(program, 'datasets');
  datasets
    .command('files <dataset>')
    .description('list the files of a dataset with their status (uploaded, processing, processed, failed), chunks and parser')
    .action(async (dataset: string, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const files = await datasetFiles(ctx, dataset);
      if (ctx.json) return printJson({ dataset, files });
      const s = styled();
      printTable(
        ['FILE', 'HASH', 'STATUS', 'CHUNKS', 'PARSER', 'SIZE'],
        files.map((f) => [f.filename, f.hash.slice(0, 12), f.status === 'failed' ? s.red(f.status) : f.status, f.chunks, f.parser ?? '', humanBytes(f.size)]),
        `no files (upload some with \`lf datasets upload ${dataset} <paths...>\`)`,
      );
      for (const f of files.filter((x) => x.error)) println(s.red(`${f.filename}: ${f.error}`));
    });

  datasets
    .command('chunks <dataset> <file>')
    .description('show the stored chunks of a file (by name or hash) in order')
    .option('--limit <n>', 'chunks to show', positiveInt)
    .option('--offset <n>', 'chunks to skip', (v: string) => Number.parseInt(v, 10))
    .action(async (dataset: string, ref: string, o: { limit?: number; offset?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const file = /^[0-9a-f]{64}$/i.test(ref) ? { hash: ref.toLowerCase(), filename: ref } : pickFile(await datasetFiles(ctx, dataset), ref);
      const res = await ctx.client.get<{ total: number; chunks: { chunk_index: number; content: string; page: number | null; start_position: number | null; end_position: number | null }[] }>(
        projectPath(ctx.namespace, ctx.project(), 'datasets', dataset, 'data', file.hash, 'chunks'),
        { limit: o.limit, offset: o.offset },
      );
      if (ctx.json) return printJson(res);
      const s = styled();
      if (!res.chunks.length) return println(`no stored chunks for ${file.filename} (process the dataset first)`);
      for (const c of res.chunks) {
        const where = [c.page !== null ? `page ${c.page}` : '', c.start_position !== null ? `chars ${c.start_position}–${c.end_position}` : ''].filter(Boolean).join(', ');
        println(`${s.bold(`#${c.chunk_index}`)}${where ? s.dim(` (${where})`) : ''}  ${oneLine(c.content, 300)}`);
      }
      println(s.dim(`(${res.chunks.length} of ${res.total} chunks)`));
    });

  const rag = subcommand(program, 'rag');
  rag
    .command('stats')
    .description('what a database holds: documents, chunks, size on disk, embedder, dimension, index')
    .option('-d, --database <database>', 'database (default: the project\'s default database)')
    .action(async (o: { database?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const st = await ctx.client.get<Record<string, any>>(projectPath(ctx.namespace, ctx.project(), 'rag', 'stats'), { database: o.database });
      if (ctx.json) return printJson(st);
      printTable(
        ['FIELD', 'VALUE'],
        [
          ['database', st.database],
          ['store', st.store_type],
          ['documents', st.documents ?? '?'],
          ['chunks', st.chunks],
          ['on disk', humanBytes(st.bytes_on_disk)],
          ['embedder', st.embedder ?? '(none yet)'],
          ['dimension', st.dimension],
          ['index', st.index_type],
          ['last update', st.last_update ?? ''],
        ],
        '',
      );
    });

  rag
    .command('reindex <database>')
    .description('re-embed every stored chunk with the database\'s configured embedder (queries keep working meanwhile)')
    .option('--no-wait', 'print the task id and return at once')
    .action(async (database: string, o: { wait: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const project = ctx.project();
      const started = await ctx.client.post<{ task_id: string }>(projectPath(ctx.namespace, project, 'rag', 'databases', database, 'reindex'));
      if (!o.wait) {
        if (ctx.json) return printJson(started);
        return println(`Re-index started: task ${started.task_id}`);
      }
      const task = await waitForTask(ctx.client, ctx.namespace, project, started.task_id, { title: `re-indexing ${database}` });
      if (ctx.json) printJson(task);
      else printTaskOutcome(task);
      const failure = taskFailure(task);
      if (failure) throw failure;
    });
}
