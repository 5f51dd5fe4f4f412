/**
 * The context pool: one llama.cpp context with N sequences, handed out one per request so up to N requests
 * generate at once (node-llama-cpp batches their tokens together); further requests wait in arrival order.
 * A sequence goes back to the pool with its tokens kept, so a follow-up request sharing the prompt prefix
 * re-evaluates only the new tokens.
 */
import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';
import { abortError } from '../upstream.js';

interface Waiter {
  resolve(seq: LlamaContextSequence): void;
  reject(e: unknown): void;
}

export class SequencePool {
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: Waiter[] = [];
  private inUse = 0;

  constructor(readonly context: LlamaContext) {}

  get size(): number {
    return this.context.totalSequences;
  }

  get busy(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    if (signal.aborted) throw abortError(signal);
    const seq = this.free.pop() ?? (this.context.sequencesLeft > 0 ? this.context.getSequence() : undefined);
    if (seq) {
      this.inUse++;
      return seq;
    }
    return new Promise<LlamaContextSequence>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (s) => {
          signal.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(seq: LlamaContextSequence): void {
    const next = this.waiters.shift();
    if (next) {
      next.resolve(seq); // handed over directly: stays in use
      return;
    }
    this.inUse--;
    this.free.push(seq);
  }

  /** Fails every waiter and frees the context (the model owner disposes the model). */
  async dispose(): Promise<void> {
    for (const w of this.waiters.splice(0)) w.reject(new Error('the model was unloaded'));
    await this.context.dispose();
  }
}
