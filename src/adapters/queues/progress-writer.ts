/**
 * A task's progress (`meta`) written to its backend at most every `intervalMs` (a forced report is written at
 * once). Writes stay in order, a failed write is logged and skipped (progress is advisory), and `flush` writes
 * the last unwritten report and waits for every write.
 */
import type { Logger } from 'pino';

export type Meta = Record<string, unknown>;

export interface ProgressWriter {
  report(meta: Meta, force?: boolean): void;
  flush(): Promise<void>;
  /** The latest report, written or not. */
  last(): Meta | null;
}

export function progressWriter(save: (meta: Meta) => Promise<unknown>, intervalMs: number, log: Logger, task: string | undefined): ProgressWriter {
  let last: Meta | null = null;
  let unwritten = false;
  let lastWrite = 0;
  let writes: Promise<unknown> = Promise.resolve();
  const write = (meta: Meta) => {
    lastWrite = Date.now();
    unwritten = false;
    writes = writes.then(() => save(meta)).catch((e: Error) => log.debug({ task, err: e.message }, 'progress not written'));
  };
  return {
    report(meta, force) {
      last = meta;
      unwritten = true;
      if (force || Date.now() - lastWrite >= intervalMs) write(meta);
    },
    async flush() {
      if (unwritten && last) write(last);
      await writes;
    },
    last: () => last,
  };
}
