/** `lf models list|pull|rm`: the server's models cache (Hugging Face hub layout, used by the universal runtime). */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { humanBytes, note, printJson, printTable, println } from '../output.js';
import { createProgress, type ProgressView } from '../progress.js';
import { sseJson } from '../sse.js';

interface CachedModel {
  model_id?: string;
  id?: string;
  name?: string;
  size_bytes?: number;
  size?: number;
  size_human?: string;
  last_modified?: string;
  path?: string;
}

/** One event of `POST /v1/models/download`. */
export interface DownloadEvent {
  event: 'warning' | 'start' | 'progress' | 'end' | 'complete' | 'done' | 'error' | string;
  desc?: string;
  total?: number | null;
  n?: number;
  downloaded?: number;
  percent?: number;
  message?: string;
  model_name?: string;
  local_dir?: string;
}

export interface PullOutcome {
  model_name: string;
  local_dir?: string;
  files: string[];
}

/** `org/repo[:QUANT]` as a URL path whose `/` stay separators. */
export function modelPath(name: string): string {
  return `/v1/models/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** Follows a download's event stream with one byte bar per file; throws on an `error` event or a cut stream. */
export async function followDownload(modelName: string, events: AsyncIterable<DownloadEvent>): Promise<PullOutcome> {
  const outcome: PullOutcome = { model_name: modelName, files: [] };
  let view: ProgressView | undefined;
  let file: { desc: string; total: number } | undefined;
  let finished = false;
  try {
    for await (const ev of events) {
      switch (ev.event) {
        case 'warning':
          note(`warning: ${ev.message ?? ''}`);
          break;
        case 'start':
        case 'progress': {
          const desc = ev.desc ?? modelName;
          const n = ev.n ?? ev.downloaded ?? 0;
          if (!view || file?.desc !== desc) {
            view?.stop();
            view = createProgress('downloading', 'bytes');
            file = { desc, total: 0 };
            if (!outcome.files.includes(desc)) outcome.files.push(desc);
          }
          file.total = ev.total ?? Math.max(file.total, n);
          view.update(n, file.total, desc);
          break;
        }
        case 'end':
          if (view && file) view.update(file.total, file.total, file.desc);
          view?.stop();
          view = undefined;
          break;
        case 'complete':
        case 'done':
          finished = true;
          outcome.local_dir = ev.local_dir ?? outcome.local_dir;
          break;
        case 'error':
          throw new CliError(`download of ${modelName} failed: ${ev.message ?? 'no reason given'}`, EXIT.serverError);
      }
    }
  } finally {
    view?.stop();
  }
  if (!finished) throw new CliError(`the download of ${modelName} ended before it was complete`, EXIT.serverError);
  return outcome;
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('the server\'s cache of downloaded models (universal runtime)');

  models
    .command('list')
    .description('list the models in the cache')
    .action(async (_o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.get<{ data: CachedModel[] }>('/v1/models');
      if (ctx.json) return printJson(res);
      printTable(
        ['MODEL', 'SIZE', 'LAST MODIFIED'],
        res.data.map((m) => [m.model_id ?? m.id ?? m.name, m.size_human ?? humanBytes(m.size_bytes ?? m.size), m.last_modified]),
        'no cached models (download one with `lf models pull <org/repo[:QUANT]>`)',
      );
    });

  models
    .command('pull <model>')
    .description('download a model into the cache, e.g. unsloth/Qwen3-1.7B-GGUF:Q4_K_M')
    .action(async (model: string, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.send('POST', '/v1/models/download', { json: { provider: 'universal', model_name: model } });
      const outcome = await followDownload(model, sseJson<DownloadEvent>(res));
      if (ctx.json) return printJson(outcome);
      println(`Downloaded ${model}${outcome.local_dir ? ` to ${outcome.local_dir}` : ''}`);
    });

  models
    .command('rm <model>')
    .description('delete every cached revision of a model')
    .action(async (model: string, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.delete<{ model_name: string; revisions_deleted?: number; size_freed?: number }>(modelPath(model));
      if (ctx.json) return printJson(res);
      println(`Deleted ${res.model_name}${typeof res.size_freed === 'number' ? ` (${humanBytes(res.size_freed)} freed)` : ''}`);
    });
}
