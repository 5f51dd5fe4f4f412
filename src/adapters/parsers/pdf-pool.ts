/**
 * A small pool of PDF worker threads (pdf-worker.ts). Workers are reused between files (loading pdf.js costs
 * a few hundred ms), run one file at a time, and are terminated — and replaced on demand — when a file stalls,
 * runs past its time limit, is aborted, or crashes the worker. Idle workers do not keep the process alive and
 * exit after a while.
 */
import { Worker } from 'node:worker_threads';
import type { PdfJob, PdfWorkerEvent, PdfWorkerMessage } from './pdf-worker.js';
import { ParseError } from './types.js';

export interface PdfPages {
  numPages: number;
  encrypted: boolean;
  title?: string;
  author?: string;
  /** Text per page, index 0 = page 1. */
  pages: string[];
}

export interface PdfExtractOptions {
  password?: string;
  /** Fails the file when no page arrives for this long (default 60 s). */
  pageTimeoutMs?: number;
  /** Fails the file when the whole extraction takes longer (default 10 min). */
  totalTimeoutMs?: number;
  /** Fails the file, before any page is read, when it has more pages than this (LF_MAX_PDF_PAGES). */
  maxPages?: number;
  signal?: AbortSignal;
}

/** How a job ended; `keepWorker` is false when the worker must not be reused (stalled, aborted, crashed). */
type Outcome = { ok: true; pages: PdfPages; keepWorker: true } | { ok: false; error: unknown; keepWorker: boolean };

interface Slot {
  worker: Worker;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
}

/** Starts a worker from compiled JS, or from the TypeScript source when running under tsx (tests, dev). */
function startWorker(maxMemoryMb: number): Worker {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const url = new URL(fromSource ? './pdf-worker.ts' : './pdf-worker.js', here);
  const options = { resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb } };
  const worker = fromSource
    ? new Worker(
      `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
      { ...options, eval: true },
    )
    : new Worker(url, options);
  // Its stdout/stderr stay shared with ours (capturing them would keep the process alive while workers idle);
  // the worker runs pdf.js with verbosity 0, and failures reach us as messages.
  return worker;
}

function failureOf(m: Extract<PdfWorkerEvent, { type: 'error' }>): ParseError {
  if (m.name === 'PasswordException') {
    return m.code === 2
      ? new ParseError('PDF is encrypted and the configured password is incorrect', 'encrypted')
      : new ParseError('PDF is encrypted: a password is required to open it', 'encrypted');
  }
  if (m.name === 'InvalidPDFException') return new ParseError(`not a valid PDF: ${m.message}`, 'malformed');
  return new ParseError(`could not read PDF: ${m.message}`, 'malformed');
}

export class PdfWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<(slot: Slot | undefined) => void> = [];
  private nextJobId = 1;

  constructor(
    private readonly size = 2,
    private readonly maxMemoryMb = 2048,
    private readonly idleMs = 30_000,
  ) {}

  /** Extracts every page's text; rejects with a ParseError (or the abort reason) instead of hanging. */
  async extract(path: string, o: PdfExtractOptions = {}): Promise<PdfPages> {
    o.signal?.throwIfAborted();
    const slot = await this.acquire(o.signal);
    const outcome = await this.runJob(slot, { id: this.nextJobId++, path, password: o.password }, o);
    if (!outcome.keepWorker) this.discard(slot);
    this.release(slot);
    if (!outcome.ok) throw outcome.error;
    return outcome.pages;
  }

  /** Terminates every worker (idle or busy). */
  async close(): Promise<void> {
    const all = this.slots.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private acquire(signal?: AbortSignal): Promise<Slot> {
    const idle = this.slots.find((s) => !s.busy);
    if (idle) return Promise.resolve(this.claim(idle));
    if (this.slots.length < this.size) return Promise.resolve(this.claim(this.spawn()));
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const take = (slot: Slot | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.claim(slot ?? this.spawn()));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker(this.maxMemoryMb), busy: false };
    slot.worker.on('exit', () => this.discard(slot));
    // A crash outside a job (e.g. while idle) only removes the worker; jobs listen for their own errors.
    slot.worker.on('error', () => this.discard(slot));
    this.slots.push(slot);
    return slot;
  }

  private claim(slot: Slot): Slot {
    slot.busy = true;
    clearTimeout(slot.idleTimer);
    slot.worker.ref();
    return slot;
  }

  private release(slot: Slot): void {
    slot.busy = false;
    const next = this.waiting.shift();
    if (next) {
      next(this.slots.includes(slot) ? slot : undefined);
      return;
    }
    if (!this.slots.includes(slot)) return;
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => this.discard(slot), this.idleMs);
    slot.idleTimer.unref();
  }

  private discard(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
  }

  /** Runs one job on a claimed worker; never rejects. */
  private runJob(slot: Slot, job: PdfJob, o: PdfExtractOptions): Promise<Outcome> {
    const pageTimeoutMs = o.pageTimeoutMs ?? 60_000;
    const totalTimeoutMs = o.totalTimeoutMs ?? 600_000;
    const { worker } = slot;
    return new Promise<Outcome>((resolve) => {
      const result: PdfPages = { numPages: 0, encrypted: false, pages: [] };
      let idleTimer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(idleTimer);
        clearTimeout(totalTimer);
        o.signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const fail = (error: unknown, keepWorker = false) => {
        cleanup();
        resolve({ ok: false, error, keepWorker });
      };
      const armIdle = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => fail(new ParseError(`PDF parsing stalled: no page finished within ${pageTimeoutMs} ms`, 'timeout')), pageTimeoutMs);
      };
      const totalTimer = setTimeout(() => fail(new ParseError(`PDF parsing took longer than ${totalTimeoutMs} ms`, 'timeout')), totalTimeoutMs);
      const onAbort = () => fail(o.signal!.reason);
      const onError = (err: Error) => {
        const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        fail(new ParseError(oom ? 'PDF needs more memory than the parser may use' : `PDF parser crashed: ${err.message}`, 'other'));
      };
      const onExit = (code: number) => fail(new ParseError(`PDF parser stopped unexpectedly (exit code ${code})`, 'other'));
      const onMessage = (m: PdfWorkerMessage) => {
        if (m.id !== job.id) return;
        armIdle();
        if (m.type === 'open') {
          Object.assign(result, { numPages: m.numPages, encrypted: m.encrypted, title: m.title, author: m.author });
          if (o.maxPages !== undefined && m.numPages > o.maxPages) {
            // The worker is mid-document: it is not reused.
            fail(new ParseError(`PDF has ${m.numPages} pages; the limit is ${o.maxPages} pages per file (LF_MAX_PDF_PAGES)`, 'too_large'));
          }
        } else if (m.type === 'page') {
          result.pages[m.page - 1] = m.text;
        } else if (m.type === 'done') {
          cleanup();
          resolve({ ok: true, pages: result, keepWorker: true });
        } else {
          fail(failureOf(m), true); // a per-file error leaves the worker fine
        }
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      armIdle();
      worker.postMessage(job);
    });
  }
}
