/**
 * Live task events (the `/tasks/{id}/events` stream): `progress` (the task's meta), `file` (one per change of a
 * file's status), then one terminal `state` event (the task view) and the end.
 *
 * One watcher per watched task, shared by all its listeners: it hears this process's tasks at once through the
 * task bus, and reads the durable record every `pollMs` for tasks running elsewhere (another API replica, an
 * `lf worker`, any backend) — so listeners cost nothing extra and the stream works on every backend.
 */
import { taskBus } from '../../adapters/queues/task-bus.js';
import type { TaskQueue, TaskRecord } from '../../adapters/queues/types.js';
import { FINAL_FILE_STATUSES, filesOfRecord, type FileEvent } from './file-progress.js';
import { isFinished, taskView, type TaskView } from './view.js';

export type TaskEventName = 'progress' | 'file' | 'state';

export interface TaskEventListener {
  send(event: TaskEventName, data: unknown): void;
  /** The stream is over (terminal state sent, or the watcher failed for good). */
  end(): void;
}

const STATUS_RANK: Record<string, number> = { queued: 0, parsing: 1, embedding: 2, stored: 3, skipped: 3, failed: 3 };

class TaskWatcher {
  private readonly listeners = new Set<TaskEventListener>();
  private readonly files = new Map<string, FileEvent>();
  private meta: Record<string, unknown> | null = null;
  private metaJson = 'null';
  /** Set once this process announced progress: polled (possibly older) meta then never overrides it. */
  private live = false;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private done = false;
  private readonly onProgress = (id: string, meta: Record<string, unknown>) => {
    if (id !== this.id) return;
    this.live = true;
    this.update(meta, null);
  };
  private readonly onFinished = (id: string) => {
    if (id === this.id) void this.poll();
  };

  constructor(
    readonly id: string,
    private readonly queue: TaskQueue,
    pollMs: number,
    private readonly dispose: () => void,
  ) {
    taskBus.on('progress', this.onProgress);
    taskBus.on('finished', this.onFinished);
    this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer.unref();
  }

  /** Starts from the record read at subscription time, then replays the current state to the new listener. */
  add(record: TaskRecord, l: TaskEventListener): void {
    this.update(record.meta, record);
    if (this.done) {
      replay(record, l);
      return;
    }
    this.listeners.add(l);
    if (this.meta) l.send('progress', this.meta);
    for (const f of this.files.values()) l.send('file', f);
  }

  remove(l: TaskEventListener): void {
    this.listeners.delete(l);
    if (this.listeners.size === 0) this.stop();
  }

  private broadcast(event: TaskEventName, data: unknown): void {
    for (const l of this.listeners) l.send(event, data);
  }

  private update(meta: Record<string, unknown> | null, record: TaskRecord | null): void {
    if (this.done) return;
    const finished = record !== null && isFinished(record);
    if (meta && (!this.live || record === null || finished)) {
      const json = JSON.stringify(meta);
      if (json !== this.metaJson) {
        this.metaJson = json;
        this.meta = JSON.parse(json) as Record<string, unknown>;
        this.broadcast('progress', this.meta);
      }
    }
    for (const f of filesOfRecord(meta, record?.result ?? null)) {
      const before = this.files.get(f.hash);
      if (before && (STATUS_RANK[f.status] ?? 0) < (STATUS_RANK[before.status] ?? 0)) continue;
      if (before && before.status === f.status && before.chunks === f.chunks && before.error === f.error) continue;
      if (before && FINAL_FILE_STATUSES.has(before.status) && !finished) continue;
      const copy = { ...f };
      this.files.set(f.hash, copy);
      this.broadcast('file', copy);
    }
    if (finished) {
      this.done = true;
      this.broadcast('state', taskView(record));
      for (const l of this.listeners) l.end();
      this.listeners.clear();
      this.stop();
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.done) return;
    this.polling = true;
    try {
      const record = await this.queue.get(this.id);
      if (!record) {
        // Deleted with its project: nothing more will come.
        for (const l of this.listeners) l.end();
        this.listeners.clear();
        this.stop();
        return;
      }
      this.update(record.meta, record);
    } catch {
      /* the backend is briefly away: the next tick reads again */
    } finally {
      this.polling = false;
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.done = true;
    taskBus.off('progress', this.onProgress);
    taskBus.off('finished', this.onFinished);
    this.dispose();
  }
}

/** The whole story of a finished task at once: its meta, its files, its terminal state. */
function replay(record: TaskRecord, l: TaskEventListener): void {
  if (record.meta) l.send('progress', record.meta);
  for (const f of filesOfRecord(record.meta, record.result)) l.send('file', f);
  l.send('state', taskView(record));
  l.end();
}

export class TaskEventHub {
  private readonly watchers = new Map<string, TaskWatcher>();

  constructor(
    private readonly queue: TaskQueue,
    private readonly o: { pollMs?: number } = {},
  ) {}

  /** Listeners currently attached (for tests and health). */
  get watching(): number {
    return this.watchers.size;
  }

  /**
   * Attaches `l` to the task (whose record the caller has read and checked). Returns the detach function;
   * a finished task is replayed and ended at once.
   */
  subscribe(record: TaskRecord, l: TaskEventListener): () => void {
    if (isFinished(record)) {
      replay(record, l);
      return () => undefined;
    }
    let w = this.watchers.get(record.id);
    if (!w) {
      const created = new TaskWatcher(record.id, this.queue, this.o.pollMs ?? 250, () => {
        if (this.watchers.get(record.id) === created) this.watchers.delete(record.id);
      });
      w = created;
      this.watchers.set(record.id, w);
    }
    const watcher = w;
    watcher.add(record, l);
    return () => watcher.remove(l);
  }
}

export type { TaskView };
