/**
 * A task queue whose handlers run in this process, over shared task records (task-records.ts): bounded
 * concurrency, throttled progress, cancellation and shutdown. Every queue over the same records (API processes,
 * `lf worker`) claims tasks atomically, so a task runs once at a time; a task of a dead process is given back to
 * the queue (handlers are idempotent) and fails after `maxAttempts` interruptions — never left stuck.
 *
 * One timer tick (every `pollMs`) claims tasks other processes queued, renews this process's lease, aborts its
 * tasks cancelled elsewhere (or taken over after its lease lapsed) and, with leases, recovers dead owners' tasks.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClaimedTask, TaskRecordStore } from './task-records.js';
import { progressWriter } from './progress-writer.js';
import { publicErrorMessage } from '../../core/error-text.js';
import { announcedProgress, taskBus } from './task-bus.js';
import { TaskFailure, type TaskHandler, type TaskQueue, type TaskRecord, type TaskScope, type TaskSelector } from './types.js';

export interface LocalQueueOptions {
  /** Tasks this queue runs at once once started (default 1). */
  concurrency?: number;
  /** Runs of a task that is interrupted (process death, shutdown) before it fails (default 3). */
  maxAttempts?: number;
  /** Minimum ms between progress writes (default 200). */
  progressIntervalMs?: number;
  /** Ms between ticks (default 1000; at most a third of the lease). */
  pollMs?: number;
  /** How long `cancelWhere` waits for running tasks to stop (default 60 s). */
  cancelWaitMs?: number;
}

/** A task's end that could not be written yet (disk full, database away): answered from memory meanwhile. */
interface UnrecordedEnd {
  state: 'SUCCESS' | 'FAILURE';
  result: Record<string, unknown> | null;
  error: string | null;
  finishedAt: number;
}

/** Immediate retries of a failed end write before it is kept in memory (then retried every tick). */
const END_WRITE_RETRY_MS = [50, 250];

interface Running {
  controller: AbortController;
  done: Promise<void>;
  scope: TaskScope;
}

/** Distinguishes this process from earlier runs that left tasks STARTED. */
export const PROCESS_OWNER_PREFIX = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
let queues = 0;

export class LocalTaskQueue implements TaskQueue {
  /** This queue's owner id in the records. */
  readonly owner = `${PROCESS_OWNER_PREFIX}:${++queues}`;
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly running = new Map<string, Running>();
  private readonly unrecorded = new Map<string, UnrecordedEnd>();
  private started = false;
  private closing = false;
  private claiming: Promise<void> | undefined;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly progressIntervalMs: number;
  private readonly pollMs: number;

  constructor(
    protected readonly records: TaskRecordStore,
    protected readonly log: Logger,
    private readonly o: LocalQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, o.concurrency ?? 1);
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 3);
    this.progressIntervalMs = o.progressIntervalMs ?? 200;
    this.pollMs = Math.max(10, o.pollMs ?? 1000);
  }

  register(kind: string, handler: TaskHandler): void {
    this.handlers.set(kind, handler);
  }

  async enqueue(kind: string, payload: Record<string, unknown>, scope: TaskScope): Promise<string> {
    const id = randomUUID();
    await this.records.insert({ id, kind, scope, payload });
    this.pump();
    return id;
  }

  async recordFinished(kind: string, scope: TaskScope, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown>, error?: string): Promise<string> {
    const id = randomUUID();
    await this.records.insert({ id, kind, scope, payload: {}, finished: { state, result, error: error ?? null } });
    return id;
  }

  /** The stored record; a task whose end is not written yet is answered with its end from memory. */
  async get(id: string): Promise<TaskRecord | undefined> {
    const record = await this.records.get(id);
    const end = this.unrecorded.get(id);
    if (!record || !end || record.state === 'SUCCESS' || record.state === 'FAILURE') return record;
    return { ...record, state: end.state, result: end.result, error: end.error, finishedAt: end.finishedAt };
  }

  /**
   * Writes a task's end, retrying a little; when it still cannot be written the end is kept in memory (`get`
   * answers it) and written again on every tick until it lands.
   */
  private async recordEnd(id: string, end: Omit<UnrecordedEnd, 'finishedAt'>): Promise<void> {
    const pending: UnrecordedEnd = { ...end, finishedAt: Date.now() };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.records.finish(id, this.owner, end.state, end.result, end.error);
        this.unrecorded.delete(id);
        return;
      } catch (err) {
        if (attempt >= END_WRITE_RETRY_MS.length) {
          this.unrecorded.set(id, pending);
          this.log.warn({ task: id, err: (err as Error).message }, 'could not record the end of a task; answering it from memory and retrying');
          return;
        }
        await new Promise((r) => setTimeout(r, END_WRITE_RETRY_MS[attempt]));
      }
    }
  }

  /** Tries again to write the ends kept in memory. */
  private async flushUnrecorded(): Promise<void> {
    for (const [id, end] of [...this.unrecorded]) {
      try {
        await this.records.finish(id, this.owner, end.state, end.result, end.error);
        this.unrecorded.delete(id);
        this.log.info({ task: id }, 'recorded the end of a task after an earlier failure');
      } catch {
        return;
      }
    }
  }

  async cancelWhere(scope: TaskSelector, reason: string): Promise<number> {
    const { queued, running } = await this.records.cancel(scope, reason);
    for (const id of running) this.running.get(id)?.controller.abort(new Error(reason));
    await Promise.all(running.map((id) => this.running.get(id)?.done));
    await this.waitUntilStopped(running);
    return queued + running.length;
  }

  async start(): Promise<void> {
    if (this.started || this.closing) return;
    this.started = true;
    await this.recover();
    this.pump();
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.claiming;
    const waits = [...this.running.values()].map((r) => {
      r.controller.abort(new Error('server shutting down'));
      return r.done;
    });
    await Promise.all(waits);
    await this.flushUnrecorded();
  }

  async stats(): Promise<{ pending: number; running: number; workers: number }> {
    const { pending, running } = await this.records.counts();
    return { pending, running, workers: this.started && !this.closing ? this.concurrency : 0 };
  }

  private async recover(): Promise<void> {
    const { requeued, failed } = await this.records.recover(this.owner, this.maxAttempts);
    for (const id of requeued) this.log.info({ task: id }, 're-queued a task whose process stopped (restart or crash)');
    for (const id of failed) this.log.warn({ task: id }, 'a task interrupted too many times (or cancelled) was failed');
  }

  /** One tick, never two at once; errors (database away) are logged and retried on the next tick. */
  private tick(): Promise<void> {
    if (this.ticking || this.closing) return this.ticking ?? Promise.resolve();
    // `.finally` runs after the assignment even when the tick finishes synchronously.
    this.ticking = this.tickOnce().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    if (this.unrecorded.size > 0) await this.flushUnrecorded();
    try {
      if (this.running.size > 0) {
        // Only tasks claimed before the heartbeat read can be missing from it.
        const before = [...this.running.keys()];
        const { owned, cancelled } = await this.records.heartbeat(this.owner);
        const mine = new Set(owned);
        for (const id of before) {
          const r = this.running.get(id);
          if (!r) continue;
          const reason = cancelled.get(id);
          if (reason !== undefined) r.controller.abort(new Error(reason));
          else if (!mine.has(id)) r.controller.abort(new Error('this process lost the task (its lease lapsed); another one runs it'));
        }
      }
      if (this.records.deadOwner === 'lease') await this.recover();
      this.pump();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'task queue tick failed');
    }
  }

  /** Claims tasks while there is room; one claim loop at a time (a pump during it runs again after it). */
  private pump(): void {
    if (!this.started || this.closing) return;
    if (this.claiming) {
      this.pumpAgain = true;
      return;
    }
    this.pumpAgain = false;
    this.claiming = this.claimWhileRoom().finally(() => {
      this.claiming = undefined;
      if (this.pumpAgain) setImmediate(() => this.pump());
    });
  }

  private async claimWhileRoom(): Promise<void> {
    try {
      while (!this.closing && this.running.size < this.concurrency) {
        const task = await this.records.claimNext(this.owner, [...this.handlers.keys()]);
        if (!task) break;
        if (this.closing) {
          // Claimed while closing, never run: back to the queue (not counted against it as an interruption).
          await this.records.release(task.id, this.owner, this.maxAttempts + 1);
          break;
        }
        this.runTask(task);
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not claim a task');
    }
  }

  private runTask(task: ClaimedTask): void {
    const controller = new AbortController();
    const progress = progressWriter((meta) => this.records.setMeta(task.id, this.owner, meta), this.progressIntervalMs, this.log, task.id);
    const handler = this.handlers.get(task.kind)!;
    const done = (async () => {
      try {
        const result = await handler({
          id: task.id,
          payload: task.payload,
          scope: task.scope,
          signal: controller.signal,
          attempt: task.attempts,
          progress: announcedProgress(task.id, progress.report),
        });
        await progress.flush();
        if (controller.signal.aborted) throw controller.signal.reason;
        await this.recordEnd(task.id, { state: 'SUCCESS', result, error: null });
      } catch (e) {
        await progress.flush();
        await this.afterFailure(task, e, controller.signal);
      } finally {
        this.running.delete(task.id);
        taskBus.emit('finished', task.id);
        setImmediate(() => this.pump());
      }
    })();
    this.running.set(task.id, { controller, done, scope: task.scope });
  }

  private async afterFailure(task: ClaimedTask, e: unknown, signal: AbortSignal): Promise<void> {
    try {
      if (this.closing && signal.aborted) {
        await this.records.release(task.id, this.owner, this.maxAttempts);
        this.log.info({ task: task.id }, 'task interrupted by shutdown; it will be re-run');
        return;
      }
      // A cancelled task ends FAILURE with the cancellation reason (finish applies it); a lost one is not ours.
      const message = publicErrorMessage(e);
      await this.recordEnd(task.id, { state: 'FAILURE', result: e instanceof TaskFailure ? (e.result ?? null) : null, error: message });
      if (!signal.aborted) this.log.warn({ task: task.id, err: message }, 'task failed');
    } catch (err) {
      this.log.warn({ task: task.id, err: (err as Error).message }, 'could not record the end of a task');
    }
  }

  private async waitUntilStopped(ids: string[]): Promise<void> {
    const deadline = Date.now() + (this.o.cancelWaitMs ?? 60_000);
    let left = ids.filter((id) => !this.running.has(id));
    let checks = 0;
    while (left.length > 0) {
      left = await this.records.stillRunning(left);
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        this.log.warn({ tasks: left }, 'cancelled tasks are still running; giving up waiting for them');
        return;
      }
      // A dead owner never stops its task: its lapsed lease ends it (cancelled → FAILURE).
      if (this.records.deadOwner === 'lease' && ++checks % 20 === 0) await this.recover();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
