/**
 * Runs in a worker thread (see pdf-pool.ts): takes one job at a time, opens the PDF with unpdf (pdf.js) and posts
 * each page's text as soon as it is extracted, so the parent can enforce time limits and kill a runaway parse
 * without blocking its own event loop.
 */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { getDocumentProxy } from 'unpdf';

export interface PdfJob {
  id: number;
  path: string;
  password?: string;
}

export type PdfWorkerEvent =
  | { type: 'open'; numPages: number; encrypted: boolean; title?: string; author?: string }
  | { type: 'page'; page: number; text: string }
  | { type: 'done' }
  | { type: 'error'; name: string; code?: number; message: string };

/** What the worker posts: an event of one job. */
export type PdfWorkerMessage = PdfWorkerEvent & { id: number };

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

const ENCRYPT = Buffer.from('/Encrypt');

let currentJob = 0;

function post(m: PdfWorkerEvent): void {
  parentPort!.postMessage({ ...m, id: currentJob } satisfies PdfWorkerMessage);
}

function infoString(info: unknown, key: string): string | undefined {
  const v = info && typeof info === 'object' ? (info as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

async function run(input: PdfJob): Promise<void> {
  const bytes = await readFile(input.path);
  // The trailer (or xref stream) of an encrypted PDF names an /Encrypt dictionary; it is never compressed.
  const encrypted = bytes.includes(ENCRYPT);
  const pdf = await getDocumentProxy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    password: input.password,
    verbosity: 0,
    stopAtErrors: false,
  });
  try {
    const meta = await pdf.getMetadata().catch(() => undefined); // optional: a PDF without readable metadata still parses
    post({
      type: 'open',
      numPages: pdf.numPages,
      encrypted,
      title: infoString(meta?.info, 'Title'),
      author: infoString(meta?.info, 'Author'),
    });
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const text = (content.items as TextItemLike[]).map((it) => (it.str ?? '') + (it.hasEOL ? '\n' : '')).join('');
      page.cleanup();
      post({ type: 'page', page: n, text });
    }
    post({ type: 'done' });
  } finally {
    await pdf.loadingTask.destroy();
  }
}

let queue = Promise.resolve();

parentPort!.on('message', (job: PdfJob) => {
  queue = queue.then(async () => {
    currentJob = job.id;
    try {
      await run(job);
    } catch (err) {
      const e = err as { name?: string; code?: number; message?: string };
      post({ type: 'error', name: e?.name ?? 'Error', code: typeof e?.code === 'number' ? e.code : undefined, message: e?.message ?? String(err) });
    }
  });
});
