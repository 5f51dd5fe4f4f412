/**
 * Event logs (decision 0010): a recorder the features call (start an event, add sub-events with data and timing,
 * complete or fail it), backed by an indexed `EventStore` (SQLite embedded, Postgres for replicas) so listing with
 * filters stays fast at 100k events.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';
import { isNotFound } from '../core/fs-errors.js';

export interface SubEvent {
  timestamp: string;
  event_name: string;
  /** ms since the previous sub-event (or the start), 2 decimals. */
  duration_ms: number;
  data: Record<string, unknown>;
}

export interface EventSummaryItem {
  event_id: string;
  type: string;
  event_type: string;
  timestamp: string;
  summary: Record<string, unknown>;
  request_id: string;
  status: string;
  duration_ms: number;
  namespace: string;
  project: string;
  config_hash?: string;
}

export interface EventDetail extends Omit<EventSummaryItem, 'summary'> {
  summary: Record<string, unknown>;
  data: Record<string, unknown>;
  events: SubEvent[];
  sub_events: SubEvent[];
  error: string | null;
  metadata: Record<string, unknown>;
  total_elapsed_time_ms: number;
  time_to_first_token_ms?: number;
}

/** Every event type the server records (the event log list's `type` filter takes these). */
export const EVENT_TYPES = ['inference', 'rag_processing', 'rag_query'] as const;

export interface EventListQuery {
  type?: string;
  startTime?: Date;
  endTime?: Date;
  limit: number;
  offset: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function newEventId(type: string, at = new Date()): string {
  const d = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
  const t = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
  return `evt_${d}_${t}_${type}_${randomBytes(3).toString('hex')}`;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([k, x]) => x !== null && x !== undefined && !['created_at', 'updated_at', 'last_modified'].includes(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${sortedJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `sha256_` + first 16 hex of SHA-256 over the config as sorted-key JSON without nulls (original §1.2). */
export function configHash(config: unknown): string {
  return 'sha256_' + createHash('sha256').update(sortedJson(config)).digest('hex').slice(0, 16);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export class EventRecorder {
  readonly id: string;
  readonly requestId: string;
  private readonly startedAt = Date.now();
  private readonly startedPerf = performance.now();
  private lastPerf = this.startedPerf;
  private readonly subEvents: SubEvent[] = [];
  private summary: Record<string, unknown> = {};
  private firstTokenMs: number | undefined;
  private done = false;

  constructor(
    private readonly log: EventLog,
    readonly namespace: string,
    readonly project: string,
    readonly type: string,
    requestId: string | undefined,
    readonly configHash: string | undefined,
  ) {
    this.id = newEventId(type, new Date(this.startedAt));
    this.requestId = requestId ?? `req_${randomBytes(6).toString('hex')}`;
  }

  /** Adds a sub-event; names ending in `_complete` also feed the summary (original §3.7). */
  sub(name: string, data: Record<string, unknown> = {}): void {
    if (this.done) return;
    const now = performance.now();
    this.subEvents.push({ timestamp: new Date().toISOString(), event_name: name, duration_ms: round2(now - this.lastPerf), data });
    this.lastPerf = now;
    if (name === 'llm_first_token' && this.firstTokenMs === undefined) this.firstTokenMs = round2(now - this.startedPerf);
    if (name.endsWith('_complete')) this.summary = { ...this.summary, ...data };
  }

  elapsedMs(): number {
    return round2(performance.now() - this.startedPerf);
  }

  /** Finishes the event; the promise resolves once it is stored (callers need not wait). */
  complete(summary: Record<string, unknown> = {}): Promise<void> {
    return this.finish('completed', null, summary);
  }

  fail(error: unknown, summary: Record<string, unknown> = {}): Promise<void> {
    return this.finish('failed', error instanceof Error ? error.message : String(error), summary);
  }

  private finish(status: 'completed' | 'failed', error: string | null, summary: Record<string, unknown>): Promise<void> {
    if (this.done) return Promise.resolve();
    this.done = true;
    const total = this.elapsedMs();
    const detail: EventDetail = {
      event_id: this.id,
      type: this.type,
      event_type: this.type,
      timestamp: new Date(this.startedAt).toISOString(),
      request_id: this.requestId,
      namespace: this.namespace,
      project: this.project,
      ...(this.configHash ? { config_hash: this.configHash } : {}),
      status,
      error,
      summary: { ...this.summary, ...summary, duration_ms: total },
      data: { ...this.summary, ...summary },
      events: this.subEvents,
      sub_events: this.subEvents,
      metadata: {},
      duration_ms: total,
      total_elapsed_time_ms: total,
      ...(this.firstTokenMs !== undefined ? { time_to_first_token_ms: this.firstTokenMs } : {}),
    };
    return this.log.store(detail, this.startedAt);
  }
}

/**
 * Where events are kept: the SQLite metadata database (events-sqlite.ts, embedded) or Postgres
 * (events-postgres.ts, `LF_METADATA_URL`, shared by API replicas). Lists are newest first (start time, then id).
 */
export interface EventStore {
  /** Stores (or replaces) a finished event; `startedAtMs` is its index time. */
  record(detail: EventDetail, startedAtMs: number): Promise<void>;
  list(namespace: string, project: string, q: EventListQuery): Promise<{ total: number; events: EventSummaryItem[] }>;
  get(namespace: string, project: string, eventId: string): Promise<EventDetail | undefined>;
  /** Deletes a project's events; returns how many. */
  deleteProject(namespace: string, project: string): Promise<number>;
  close(): Promise<void>;
}

/** The list item of an event (its detail without sub-events and data). */
export function summaryOf(d: EventDetail): EventSummaryItem {
  const item: EventSummaryItem = {
    event_id: d.event_id,
    type: d.type,
    event_type: d.event_type,
    timestamp: d.timestamp,
    summary: d.summary,
    request_id: d.request_id,
    status: d.status,
    duration_ms: d.duration_ms,
    namespace: d.namespace,
    project: d.project,
  };
  if (d.config_hash) item.config_hash = d.config_hash;
  return item;
}

/** The event log service: starts recorders, stores what they finish, answers lists and details. */
export class EventLog {
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly events: EventStore,
    private readonly snapshotsDir?: (ns: string, project: string) => string,
    private readonly log?: Pick<Logger, 'warn'>,
  ) {}

  /** Starts an event; `config` (when given) is hashed and snapshotted once under `PD/configs/`. */
  start(o: { namespace: string; project: string; type: string; requestId?: string; config?: unknown }): EventRecorder {
    const hash = o.config === undefined ? undefined : configHash(o.config);
    if (hash && this.snapshotsDir) void this.snapshot(this.snapshotsDir(o.namespace, o.project), hash, o.config);
    return new EventRecorder(this, o.namespace, o.project, o.type, o.requestId, hash);
  }

  private async snapshot(dir: string, hash: string, config: unknown): Promise<void> {
    const file = join(dir, `${hash}.json`);
    try {
      await stat(file);
      return; // already snapshotted
    } catch (e) {
      if (!isNotFound(e)) {
        this.log?.warn({ err: errorMessage(e), file }, 'config snapshot not checked');
        return;
      }
    }
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(file, JSON.stringify(config, null, 2));
    } catch (e) {
      // Best effort (the event still records the hash); the project may also have been deleted meanwhile.
      this.log?.warn({ err: errorMessage(e), file }, 'config snapshot not written');
    }
  }

  /**
   * @internal called by recorders. Never rejects: an event that cannot be stored is logged, and the feature that
   * recorded it goes on. `flush` waits for the writes in flight.
   */
  store(detail: EventDetail, startedAtMs: number): Promise<void> {
    const write = this.events.record(detail, startedAtMs).catch((e: unknown) => {
      this.log?.warn({ err: e instanceof Error ? e.message : String(e), event: detail.event_id }, 'event not stored');
    });
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
    return write;
  }

  /** Waits until every event finished so far is stored. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  list(namespace: string, project: string, q: EventListQuery): Promise<{ total: number; events: EventSummaryItem[] }> {
    return this.events.list(namespace, project, q);
  }

  get(namespace: string, project: string, eventId: string): Promise<EventDetail | undefined> {
    return this.events.get(namespace, project, eventId);
  }

  deleteProject(namespace: string, project: string): Promise<number> {
    return this.events.deleteProject(namespace, project);
  }

  /** Waits for the writes in flight and closes the store. */
  async close(): Promise<void> {
    await this.flush();
    await this.events.close();
  }
}
