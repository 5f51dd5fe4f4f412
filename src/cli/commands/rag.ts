/** `lf rag query` and `lf rag eval`. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { projectPath } from '../http.js';
import { numberIn, positiveInt } from '../option-parsers.js';
import { oneLine, printJson, println, styled } from '../output.js';
import { CliError, EXIT } from '../errors.js';
import { waitForTask } from '../task-wait.js';
import { formatEvalTable, type EvalResult } from '../../services/eval/evaluate.js';

interface RagResult {
  content: string;
  score: number;
  metadata?: Record<string, any>;
  chunk_id?: string;
  document_id?: string;
}

export function sourceOf(r: RagResult): string {
  const m = r.metadata ?? {};
  const name = m.source ?? m.filename ?? m.file_name ?? r.document_id ?? r.chunk_id ?? '?';
  const page = m.page ?? m.page_number;
  return page !== undefined && page !== null ? `${name}, page ${page}` : String(name);
}

export function registerRag(program: Command): void {
  const rag = program.command('rag').description('search the project\'s RAG databases');

  rag
    .command('query <text...>')
    .description('semantic search: the best matching chunks with their scores and sources')
    .option('-d, --database <database>', 'database (default: the project\'s default database)')
    .option('-k, --top-k <n>', 'number of results', positiveInt)
    .option('--score-threshold <score>', 'keep results scoring at least this (0–1)', numberIn(0, 1))
    .option('--strategy <name>', 'retrieval strategy of the database')
    .action(async (words: string[], o: { database?: string; topK?: number; scoreThreshold?: number; strategy?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const query = words.join(' ');
      const res = await ctx.client.post<{ results: RagResult[]; total_results?: number; database_used?: string; retrieval_strategy_used?: string }>(
        projectPath(ctx.namespace, ctx.project(), 'rag', 'query'),
        { query, database: o.database, top_k: o.topK, score_threshold: o.scoreThreshold, retrieval_strategy: o.strategy },
      );
      if (ctx.json) return printJson(res);
      const s = styled();
      if (!res.results.length) return println('no results');
      res.results.forEach((r, i) => {
        println(`${s.bold(`${i + 1}.`)} ${r.score.toFixed(3)}  ${sourceOf(r)}`);
        println(`   ${oneLine(r.content, 200)}`);
      });
      const via = [res.database_used && `database ${res.database_used}`, res.retrieval_strategy_used && `strategy ${res.retrieval_strategy_used}`].filter(Boolean).join(', ');
      if (via) println(s.dim(`(${res.results.length} results; ${via})`));
    });

  rag
    .command('eval')
    .description("evaluate retrieval on the project's judged queries: nDCG, recall, MRR and latency per config")
    .option('-d, --database <database>', "database (default: the project's default database)")
    .option('-k <n>', 'cut-off for nDCG, Recall and MRR (default 10)', positiveInt)
    .option('--strategy <name...>', 'retrieval strategies to compare side by side (default: the database default)')
    .option('--hybrid-alpha <alpha>', 'hybrid strategies: weight of vector search (0–1)', numberIn(0, 1))
    .action(async (o: { database?: string; k?: number; strategy?: string[]; hybridAlpha?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const project = ctx.project();
      const configs = (o.strategy?.length ? o.strategy : [undefined]).map((name) => ({
        ...(name ? { name, retrieval_strategy: name } : {}),
        ...(o.hybridAlpha !== undefined ? { hybrid_alpha: o.hybridAlpha } : {}),
      }));
      const started = await ctx.client.post<{ task_id: string; queries: number }>(projectPath(ctx.namespace, project, 'rag', 'evaluate'), {
        database: o.database,
        k: o.k,
        configs,
      });
      const task = await waitForTask(ctx.client, ctx.namespace, project, started.task_id, { title: 'evaluating', progress: !ctx.json });
      if (task.state !== 'SUCCESS') throw new CliError(`evaluation failed: ${task.error ?? 'unknown error'}`, EXIT.taskFailed);
      if (ctx.json) return printJson(task.result);
      println(formatEvalTable(task.result as unknown as EvalResult));
    });
}
