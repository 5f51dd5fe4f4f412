/**
 * The scale-out task queue: tasks are BullMQ jobs in Redis (job id = task id), run by `lf worker` processes that
 * call `start()`; API processes only enqueue and read. Handler errors are retried with exponential backoff; a
 * worker that dies mid-task stops renewing its job lock and another worker re-runs the task (handlers are
 * idempotent). Cancellation writes a finished record, removes queued jobs and signals running ones over pub/sub.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { FinishedRecords, inScope, recordOfJob, type TaskJob, type TaskJobData } from './bullmq-records.js';
import { progressWriter } from './progress-writer.js';
import { publicErrorMessage } from '../../core/error-text.js';
import { announcedProgress, taskBus } from './task-bus.js';
import { TaskFailure, type QueueService, type TaskHandler, type TaskQueue, type TaskRecord, type TaskScope, type TaskSelector } from './types.js';

export interface BullMqQueueOptions {
  /** `redis://[user:password@]host:port/db` */
  url: string;
  /** Queue name inside Redis (default `tasks`, keys under `lf:`); tests use their own. */
  queueName?: string;
  /** Jobs this process runs at once once started (default 1). */
  concurrency?: number;
  /** Runs per task when its handler throws; retries wait 1×, 2×, 4× … `backoffMs` (defaults 3 and 1000). */
  attempts?: number;
  backoffMs?: number;
  /** A job whose worker stopped renewing its lock for this long is re-run elsewhere (default 30 s). */
  lockMs?: number;
  /** How many times a task may be interrupted by a dead worker before it fails (default 2). */
  maxStalls?: number;
  /** Minimum ms between progress writes (default 200). */
  progressIntervalMs?: number;
  /** How long `cancelWhere` waits for running tasks to stop (default 60 s). */
  cancelWaitMs?: number;
}

const QUEUED_STATES = ['waiting', 'delayed', 'prioritized', 'waiting-children'] as const;

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://<invalid url>';
  }
}

export class BullMqTaskQueue implements TaskQueue {
  readonly service: QueueService;
  private readonly handlers = new Map<string, TaskHandler>();
  /** Abort controllers of the tasks this process is running, by task id. */
  private readonly running = new Map<string, AbortController>();
  private readonly redis: Redis;
  private readonly queue: Queue<TaskJobData, Record<string, unknown>>;
  private readonly records: FinishedRecords;
  private readonly prefix = 'lf';
  private readonly queueName: string;
  private readonly cancelChannel: string;
  private worker?: Worker<TaskJobData, Record<string, unknown>>;
  private subscriber?: Redis;
  private closing = false;
  private lastWarning = 0;

  constructor(
    private readonly o: BullMqQueueOptions,
    private readonly log: Logger,
  ) {
    this.queueName = o.queueName ?? 'tasks';
    this.cancelChannel = `${this.prefix}:${this.queueName}:cancel`;
    // Commands fail after a few reconnect attempts (about 3 s) instead of waiting for Redis forever.
    this.redis = new Redis(o.url, { maxRetriesPerRequest: 3, retryStrategy: (times) => Math.min(times * 100, 1000) });
    this.redis.on('error', (e) => this.warnConnection(e));
    this.queue = new Queue<TaskJobData, Record<string, unknown>>(this.queueName, {
      connection: this.redis,
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: Math.max(1, o.attempts ?? 3),
        backoff: { type: 'exponential', delay: o.backoffMs ?? 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    });
    this.queue.on('error', (e) => this.warnConnection(e));
    this.records = new FinishedRecords(this.redis, `${this.prefix}:${this.queueName}:record`);
    const where = redactRedisUrl(o.url);
    this.service = {
      name: 'redis',
      ping: async () => {
        await this.redis.ping();
        return `Redis at ${where} answering`;
      },
    };
  }

  register(kind: string, handler: TaskHandler): void {
    this.handlers.set(kind, handler);
  }

  async enqueue(kind: string, payload: Record<string, unknown>, scope: TaskScope): Promise<string> {
    const id = randomUUID();
    await this.reachable();
    await this.queue.add(kind, { scope, payload }, { jobId: id });
    return id;
  }

  async recordFinished(kind: string, scope: TaskScope, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown>, error?: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await this.records.write({
      id,
      kind,
      namespace: scope.namespace,
      project: scope.project,
      ...(scope.dataset !== undefined ? { dataset: scope.dataset } : {}),
      state,
      payload: {},
      meta: result,
      result,
      error: error ?? null,
      cancelled: false,
      attempts: 0,
      createdAt: now,
      startedAt: now,
      finishedAt: now,
    });
    return id;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    await this.reachable();
    const finished = await this.records.read(id);
    if (finished) return finished;
    // State first: the job read after it is at least as new (a finished state always comes with its result).
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const job = (await this.queue.getJob(id)) as TaskJob | undefined;
    return job ? recordOfJob(job, state) : undefined;
  }

  async cancelWhere(scope: TaskSelector, reason: string): Promise<number> {
    await this.reachable();
    const jobs = ((await this.queue.getJobs(['active', ...QUEUED_STATES])) as (TaskJob | undefined)[]).filter(
      (j): j is TaskJob => Boolean(j?.id) && (scope.id === undefined || j!.id === scope.id) && inScope(j!.data?.scope, scope),
    );
    if (jobs.length === 0) return 0;
    const now = Date.now();
    // The record comes first: a worker that takes the job from here on sees it and does not run the task.
    for (const job of jobs) {
      const record = recordOfJob(job, await job.getState());
      if (record) await this.records.write({ ...record, state: 'FAILURE', result: null, cancelled: true, error: reason, finishedAt: now });
    }
    const ids = jobs.map((j) => j.id!);
    await this.redis.publish(this.cancelChannel, JSON.stringify({ ids, reason }));
    this.abortLocal(ids, reason);
    // Removing a running (locked) job fails: those are waited for below.
    await Promise.all(jobs.map((j) => j.remove().catch(() => undefined)));
    await this.waitUntilStopped(ids);
    return jobs.length;
  }

  async start(): Promise<void> {
    if (this.worker || this.closing) return;
    const subscriber = this.redis.duplicate();
    subscriber.on('error', (e) => this.warnConnection(e));
    subscriber.on('message', (_channel, message) => {
      try {
        const { ids, reason } = JSON.parse(message) as { ids: string[]; reason: string };
        this.abortLocal(ids, reason);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'bad cancellation message');
      }
    });
    await subscriber.subscribe(this.cancelChannel);
    this.subscriber = subscriber;
    const lockMs = this.o.lockMs ?? 30_000;
    const worker = new Worker<TaskJobData, Record<string, unknown>>(this.queueName, (job, token) => this.process(job, token), {
      connection: { url: this.o.url, maxRetriesPerRequest: null },
      prefix: this.prefix,
      name: `${hostname()}:${process.pid}`,
      concurrency: Math.max(1, this.o.concurrency ?? 1),
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: this.o.maxStalls ?? 2,
    });
    worker.on('error', (e) => this.warnConnection(e));
    worker.on('stalled', (id) => this.log.warn({ task: id }, 'a worker died while running this task; it is queued again'));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const controller of this.running.values()) controller.abort(new Error('worker shutting down'));
    const quiet = (p: Promise<unknown> | undefined) => p?.catch((e: Error) => this.log.debug({ err: e.message }, 'while closing the task queue'));
    await quiet(this.worker?.close());
    await quiet(this.subscriber?.quit());
    await quiet(this.queue.close());
    await quiet(this.redis.quit());
  }

  async stats(): Promise<{ pending: number; running: number; workers: number }> {
    await this.reachable();
    const counts = await this.queue.getJobCounts('active', ...QUEUED_STATES);
    const pending = QUEUED_STATES.reduce((a, s) => a + (counts[s] ?? 0), 0);
    return { pending, running: counts.active ?? 0, workers: await this.queue.getWorkersCount() };
  }

  /** Connection errors repeat on every reconnect attempt while Redis is away: one warning a minute is enough. */
  private warnConnection(e: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.log.warn({ err: e.message, redis: redactRedisUrl(this.o.url) }, 'task backend Redis error');
  }

  /** BullMQ waits for a connection forever; while Redis is away, fail fast (a PING gives up after 3 retries). */
  private async reachable(): Promise<void> {
    if (this.redis.status === 'ready') return;
    try {
      await this.redis.ping();
    } catch (e) {
      throw new Error(`the task backend Redis at ${redactRedisUrl(this.o.url)} is not reachable: ${(e as Error).message}`);
    }
  }

  private abortLocal(ids: string[], reason: string): void {
    for (const id of ids) this.running.get(id)?.abort(new Error(reason));
  }

  private async waitUntilStopped(ids: string[]): Promise<void> {
    const deadline = Date.now() + (this.o.cancelWaitMs ?? 60_000);
    for (const id of ids) {
      for (;;) {
        if ((await this.queue.getJobState(id)) !== 'active') break;
        if (Date.now() > deadline) {
          this.log.warn({ task: id }, 'a cancelled task is still running; giving up waiting for it');
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Runs one job in this worker; what it throws decides between retry, re-queue and final failure. */
  private async process(job: TaskJob, token: string | undefined): Promise<Record<string, unknown>> {
    const id = job.id!;
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`no handler for task kind '${job.name}' in this worker`);
    const controller = new AbortController();
    // Registered before the record check: a cancellation is either seen in the record or delivered here.
    this.running.set(id, controller);
    const progress = progressWriter((meta) => job.updateProgress(meta), this.o.progressIntervalMs ?? 200, this.log, job.id);
    try {
      const cancelled = await this.records.read(id);
      if (cancelled) throw new UnrecoverableError(cancelled.error ?? 'cancelled');
      const result = await handler({
        id,
        payload: job.data.payload ?? {},
        scope: job.data.scope,
        signal: controller.signal,
        attempt: job.attemptsStarted,
        progress: announcedProgress(id, progress.report),
      });
      await progress.flush();
      if (controller.signal.aborted) throw controller.signal.reason;
      return result;
    } catch (e) {
      await progress.flush();
      throw await this.failureOf(job, token, e, controller.signal, progress.last());
    } finally {
      this.running.delete(id);
      // The job's final state is written by BullMQ after this returns; listeners re-read until they see it.
      taskBus.emit('finished', id);
    }
  }

  private async failureOf(job: TaskJob, token: string | undefined, e: unknown, signal: AbortSignal, meta: Record<string, unknown> | null): Promise<Error> {
    if (e instanceof UnrecoverableError) return e;
    const cancelled = await this.records.read(job.id!);
    if (cancelled) return new UnrecoverableError(cancelled.error ?? 'cancelled');
    if (this.closing && signal.aborted) {
      // If the lock is already lost, the stalled-job check has queued it again: either way it is not ours now.
      await job.moveToWait(token).catch((err: Error) => this.log.debug({ task: job.id, err: err.message }, 'could not re-queue the task'));
      this.log.info({ task: job.id }, 'task interrupted by shutdown; queued again for another worker');
      return new WaitingError();
    }
    const message = publicErrorMessage(e);
    if (e instanceof TaskFailure) {
      const record = recordOfJob(job, 'failed')!;
      await this.records.write({ ...record, meta: e.result ?? meta, result: e.result ?? null, error: message, finishedAt: Date.now() });
      return new UnrecoverableError(message);
    }
    this.log.warn({ task: job.id, attempt: job.attemptsStarted, err: message }, 'task failed');
    return e instanceof Error ? e : new Error(message);
  }
}
