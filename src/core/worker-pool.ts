/**
 * A small pool of worker threads running one module's exported async functions, so CPU-heavy work (parsing,
 * chunking, in-JS embedding) stays off the main event loop. Calls are queued; each worker runs one at a time.
 * A crashed worker fails its call and is replaced.
 */
import { Worker } from 'node:worker_threads';

interface Call {
  id: number;
  method: string;
  args: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: Call;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Call[] = [];
  private nextId = 1;
  private closed = false;

  /** `moduleUrl` must be a worker entry created with `serveWorker` (see below). */
  constructor(
    private readonly moduleUrl: URL,
    private readonly size: number,
    /** Worker options, e.g. `resourceLimits` (a call that exceeds them fails; its worker is replaced). */
    private readonly options: ConstructorParameters<typeof Worker>[1] = {},
  ) {}

  private spawn(): Slot {
    const worker = startModuleWorker(this.moduleUrl, this.options);
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (msg: { id: number; result?: unknown; error?: { message: string; name: string; reason?: string } }) => {
      const call = slot.busy;
      if (!call || call.id !== msg.id) return;
      slot.busy = undefined;
      if (msg.error) call.reject(Object.assign(new Error(msg.error.message), { name: msg.error.name, reason: msg.error.reason }));
      else call.resolve(msg.result);
      this.drain();
    });
    worker.on('error', (err) => {
      const call = slot.busy;
      slot.busy = undefined;
      const heapMb = this.options?.resourceLimits?.maxOldGenerationSizeMb;
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        call?.reject(new Error(`the work needed more than the worker's memory limit${heapMb ? ` of ${heapMb} MB (LF_INGEST_WORKER_MEMORY_MB)` : ''}`));
        return;
      }
      call?.reject(err instanceof Error ? err : new Error(String(err)));
    });
    worker.on('exit', () => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const call = slot.busy;
      slot.busy = undefined;
      call?.reject(new Error('worker thread exited unexpectedly'));
      if (!this.closed) this.drain();
    });
    this.slots.push(slot);
    return slot;
  }

  run<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, method, args, resolve: resolve as (v: unknown) => void, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const call = this.queue.shift()!;
      slot.busy = call;
      slot.worker.postMessage({ id: call.id, method: call.method, args: call.args });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.queue.splice(0)) c.reject(new Error('worker pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Worker side: answers calls to the given functions. */
export async function serveWorker(handlers: Record<string, (...args: any[]) => Promise<unknown>>): Promise<void> {
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error('serveWorker must run in a worker thread');
  const port = parentPort;
  port.on('message', async (msg: { id: number; method: string; args: unknown[] }) => {
    try {
      const fn = handlers[msg.method];
      if (!fn) throw new Error(`unknown worker method '${msg.method}'`);
      port.postMessage({ id: msg.id, result: await fn(...msg.args) });
    } catch (e) {
      const err = e as Error & { reason?: string };
      port.postMessage({ id: msg.id, error: { message: err.message ?? String(e), name: err.name ?? 'Error', reason: err.reason } });
    }
  });
}

/**
 * Starts a worker thread on a module: the compiled `.js` directly, or a `.ts` source through tsx's loader (tests
 * and development run from sources; workers do not inherit the parent's `--import tsx`).
 */
export function startModuleWorker(url: URL, options: ConstructorParameters<typeof Worker>[1] = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const loader = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(loader)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(source, { ...options, eval: true });
}

/** The URL of a sibling module, `.ts` when running from sources (tsx) and `.js` when built. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  const ext = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, importMetaUrl);
}
