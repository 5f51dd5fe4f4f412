/**
 * How a BullMQ job reads as a task record (decision 0008), and the finished records kept beside the jobs in Redis:
 * tasks recorded as already finished, cancelled tasks and tasks failed with a `TaskFailure` result. A finished
 * record, when there is one, is what the task is.
 */
import type { Job, JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TaskRecord, TaskScope, TaskState } from './types.js';

/** What a task's job carries: the scope lives in the job so `get` and `cancelWhere` can check it. */
export interface TaskJobData {
  scope: TaskScope;
  payload: Record<string, unknown>;
}

export type TaskJob = Job<TaskJobData, Record<string, unknown>>;

const asObject = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** BullMQ's job state as a task state; a job BullMQ does not know is no task. */
export function taskStateOf(state: JobState | 'unknown', attemptsMade: number): TaskState | undefined {
  switch (state) {
    case 'completed':
      return 'SUCCESS';
    case 'failed':
      return 'FAILURE';
    case 'active':
      return 'STARTED';
    case 'delayed':
      return 'RETRY';
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return attemptsMade > 0 ? 'RETRY' : 'PENDING';
    default:
      return undefined;
  }
}

export function recordOfJob(job: TaskJob, state: JobState | 'unknown'): TaskRecord | undefined {
  const taskState = taskStateOf(state, job.attemptsMade);
  const scope = asObject(job.data)?.scope as TaskScope | undefined;
  if (!taskState || !job.id || !scope) return undefined;
  const progress = asObject(job.progress);
  const result = taskState === 'SUCCESS' ? asObject(job.returnvalue) : null;
  const finished = taskState === 'SUCCESS' || taskState === 'FAILURE';
  return {
    id: job.id,
    kind: job.name,
    namespace: scope.namespace,
    project: scope.project,
    ...(scope.dataset !== undefined ? { dataset: scope.dataset } : {}),
    state: taskState,
    payload: job.data.payload ?? {},
    meta: result ?? progress,
    result,
    // RETRY shows why the last attempt failed.
    error: taskState === 'FAILURE' ? job.failedReason || 'failed' : taskState === 'RETRY' ? job.failedReason || null : null,
    cancelled: false,
    attempts: job.attemptsStarted,
    createdAt: job.timestamp,
    startedAt: job.processedOn ?? null,
    finishedAt: finished ? (job.finishedOn ?? null) : null,
  };
}

export function inScope(scope: TaskScope | undefined, want: Partial<TaskScope> & { namespace: string; project: string }): boolean {
  if (!scope || scope.namespace !== want.namespace || scope.project !== want.project) return false;
  return want.dataset === undefined || scope.dataset === want.dataset;
}

/** Finished task records: one JSON string per task under `<keyPrefix>:<id>`, kept without a TTL. */
export class FinishedRecords {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(id: string): string {
    return `${this.keyPrefix}:${id}`;
  }

  async read(id: string): Promise<TaskRecord | undefined> {
    const raw = await this.redis.get(this.key(id));
    return raw === null ? undefined : (JSON.parse(raw) as TaskRecord);
  }

  async write(record: TaskRecord): Promise<void> {
    await this.redis.set(this.key(record.id), JSON.stringify(record));
  }

  async exists(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(id))) === 1;
  }
}
