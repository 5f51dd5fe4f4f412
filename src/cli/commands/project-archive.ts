/** `lf projects export` and `lf projects import` (issue 18): a project as a .tar.gz archive. */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { projectPath } from '../http.js';
import { printJson, println } from '../output.js';
import { uploadFile } from '../upload.js';

export function registerProjectArchive(projects: Command): void {
  projects
    .command('export <name>')
    .description('download a project as a .tar.gz (config, manifest and the parts you include)')
    .option('-o, --output <file>', 'archive file (default <namespace>-<name>.lfproject.tar.gz)')
    .option('--include <parts>', 'comma-separated: files, vectors, sessions, judgments (default files,sessions,judgments)')
    .action(async (name: string, o: { output?: string; include?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const file = resolve(o.output ?? `${ctx.namespace}-${name}.lfproject.tar.gz`);
      const res = await ctx.client.send('GET', projectPath(ctx.namespace, name, 'export'), { query: { include: o.include } });
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
      } catch (e) {
        await rm(file, { force: true });
        throw e;
      }
      const size = (await stat(file)).size;
      if (ctx.json) return printJson({ file, bytes: size });
      println(`Exported ${ctx.namespace}/${name} to ${file} (${size} bytes)`);
    });

  projects
    .command('import <file>')
    .description('create a project from an exported archive (validated before anything is written)')
    .option('--name <name>', 'project name (default: the name in the archive)')
    .action(async (file: string, o: { name?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const path = resolve(file);
      const size = (await stat(path)).size;
      const url = `/v1/projects/${encodeURIComponent(ctx.namespace)}/import${o.name ? `?name=${encodeURIComponent(o.name)}` : ''}`;
      const res = await uploadFile(ctx.client, url, { path, display: file, size });
      if (ctx.json) return printJson(res);
      const r = res as unknown as { namespace: string; project: string; sessions: number; task_ids: string[] };
      println(`Imported ${r.namespace}/${r.project} (${r.sessions} sessions${r.task_ids.length ? `; re-ingesting: ${r.task_ids.join(', ')}` : ''})`);
    });
}
