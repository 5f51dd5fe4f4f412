/**
 * Keeps a LanceDB table's indexes in shape: the full-text (BM25) index from the first write, the ANN vector
 * index once the table passes a row threshold, and periodic optimisation (compaction + folding new rows into
 * the indexes). Until an index covers new rows LanceDB searches them exactly, so results never miss data.
 *
 * The slow jobs run in a child process (see maintenance-worker.ts); this class decides when, starts at most one
 * at a time per table, and refreshes the shared table handle when a job has committed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { indexTypeName, type AnnIndexKind } from './ann.js';
import { CHILD_ENV, type MaintenanceJob, type MaintenanceReport } from './maintenance-worker.js';
import type { SharedTable } from './shared-table.js';
import type { StoreIndexes } from '../types.js';

export interface IndexPolicy {
  /** ANN index to build past the threshold, or `none` to always search exactly. */
  annIndex: AnnIndexKind | 'none';
  /** Rows at which the ANN index is built. */
  annThreshold: number;
  /** Optimise after this many writes (upserts and deletes). */
  optimizeAfterWrites: number;
  /**
   * At least this long between the end of one optimisation and the start of the next (an ANN build is not held
   * back): a burst of small writes (thousands of small files) then costs a handful of maintenance processes, not
   * one per `optimizeAfterWrites` writes. The job held back starts when the interval has passed.
   */
  optimizeMinIntervalMs: number;
}

export const DEFAULT_INDEX_POLICY: IndexPolicy = { annIndex: 'IVF_HNSW_SQ', annThreshold: 10_000, optimizeAfterWrites: 20, optimizeMinIntervalMs: 15_000 };

/** Optimise once this many rows (and at least this share of the indexed rows) are outside an index. */
const UNINDEXED_ROWS_MIN = 2_000;
const UNINDEXED_SHARE = 0.05;

/**
 * A maintenance job still running after this long is killed (`LF_LANCE_MAINTENANCE_TIMEOUT_MS`, default 30 min;
 * an ANN build over 100k rows takes a few minutes here): a child stuck inside LanceDB must not keep `settle()`
 * and shutdown waiting forever. The job is retried after the next write, like any failed one.
 */
function maintenanceTimeoutMs(): number {
  const n = Number(process.env.LF_LANCE_MAINTENANCE_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : 30 * 60 * 1000;
}

/** Versions older than this are pruned by optimisation (never the current one). */
const PRUNE_OLDER_THAN_MS = 60 * 60 * 1000;

function workerPath(): string {
  for (const ext of ['.js', '.ts']) {
    const p = fileURLToPath(new URL(`./maintenance-worker${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('LanceDB maintenance worker not found beside indexer');
}

/** Node flags the child needs to load this code the way we were loaded (e.g. `--import tsx`), minus test/debug ones. */
function childExecArgv(): string[] {
  return process.execArgv.filter((a) => !/^--(test|inspect|watch|experimental-test)/.test(a));
}

interface RunningJob {
  child: ChildProcess;
  done: Promise<void>;
}

export class TableIndexer {
  /** `FLAT` or the ANN index type answering vector queries. */
  vectorIndex = 'FLAT';
  fullText = false;
  building: string | undefined;
  lastError: string | undefined;
  private writesSinceOptimize = 0;
  /** Committed data writes (upserts, deletes) of this process, ever: tells a maintenance-only commit apart. */
  private dataWrites = 0;
  private job: RunningJob | undefined;
  private paused = false;
  /** When the last maintenance job ended (0: none yet), and the timer that starts a job held back until later. */
  private lastJobEnded = 0;
  private deferred: NodeJS.Timeout | undefined;
  /** Tail of the pending "is a job due?" checks, so `idle()` also waits for a job about to start. */
  private kickoff: Promise<void> = Promise.resolve();

  constructor(
    private readonly shared: SharedTable,
    public policy: IndexPolicy,
  ) {}

  /** Reads which indexes the table has. */
  async refresh(): Promise<void> {
    const table = this.shared.table;
    if (!table) {
      this.vectorIndex = 'FLAT';
      this.fullText = false;
      return;
    }
    const indices = await table.listIndices();
    const vector = indices.find((i) => i.columns.includes('vector'));
    this.vectorIndex = vector ? indexTypeName(vector.indexType) : 'FLAT';
    this.fullText = indices.some((i) => i.columns.includes('text') && i.indexType.toUpperCase() === 'FTS');
  }

  /**
   * Rows the BM25 index does not cover yet (new or rewritten since it was built or last optimised); 0 without an
   * index. LanceDB returns full-text matches from such rows in table order, not by score, after the indexed
   * ones, so a search asking for k rows can miss the best of them: `search` over-fetches by this many.
   */
  async unindexedFullTextRows(): Promise<number> {
    const table = this.shared.table;
    if (!table || !this.fullText) return 0;
    // LanceDB names an index `<column>_idx` (as `vector_idx` in describe).
    return (await table.indexStats('text_idx').catch(() => undefined))?.numUnindexedRows ?? 0; // no index yet: nothing unindexed to report
  }

  /** Creates the BM25 index if the table has none (fast: LanceDB also searches rows added later, unindexed). */
  async ensureFullText(): Promise<void> {
    const table = this.shared.table;
    if (!table || this.fullText) return;
    await table.createIndex('text', { config: this.shared.lance.Index.fts(), replace: true });
    this.fullText = true;
  }

  /** Call after every committed write. */
  noteWrite(): void {
    this.dataWrites++;
    this.writesSinceOptimize++;
    this.kick();
  }

  /** Checks (in the background) whether a job is due, and starts it (`now`: regardless of the minimum interval). */
  kick(now = false): void {
    this.kickoff = this.kickoff
      .then(() => this.maybeStart(now))
      .catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
      });
  }

  /**
   * Resolves when no maintenance job is running or about to start (jobs started meanwhile are awaited too); a job
   * held back by `optimizeMinIntervalMs` starts now.
   */
  async idle(): Promise<void> {
    if (this.deferred) {
      this.clearDeferred();
      this.kick(true);
    }
    for (;;) {
      await this.kickoff;
      if (!this.job) return;
      await this.job.done;
    }
  }

  /** Stops any running job (killing it) and starts no new ones until `resume`. */
  async pause(): Promise<void> {
    this.paused = true;
    this.clearDeferred();
    this.job?.child.kill('SIGTERM');
    await this.idle();
  }

  resume(): void {
    this.paused = false;
  }

  /** Forget everything about the (dropped) table. */
  reset(): void {
    this.vectorIndex = 'FLAT';
    this.fullText = false;
    this.building = undefined;
    this.lastError = undefined;
    this.writesSinceOptimize = 0;
  }

  async describe(): Promise<StoreIndexes> {
    let unindexedRows: number | undefined;
    const table = this.shared.table;
    if (table && (this.vectorIndex !== 'FLAT' || this.fullText)) {
      const stats = await Promise.all(
        [this.vectorIndex !== 'FLAT' && 'vector_idx', this.fullText && 'text_idx']
          .filter((name): name is string => !!name)
          .map((name) => table.indexStats(name).catch(() => undefined)),
      );
      const counts = stats.map((s) => s?.numUnindexedRows).filter((n): n is number => n !== undefined);
      if (counts.length > 0) unindexedRows = Math.max(...counts);
    }
    return {
      vector: this.vectorIndex,
      ...(this.building ? { vectorBuilding: this.building } : {}),
      ...(this.policy.annIndex !== 'none' ? { vectorThreshold: this.policy.annThreshold } : {}),
      fullText: this.fullText ? 'BM25' : 'none',
      ...(unindexedRows !== undefined ? { unindexedRows } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private clearDeferred(): void {
    clearTimeout(this.deferred);
    this.deferred = undefined;
  }

  /** Starts a maintenance job when one is due and none is running (or is held back: see optimizeMinIntervalMs). */
  private async maybeStart(now: boolean): Promise<void> {
    const table = this.shared.table;
    if (this.job || this.paused || !table || this.deferred) return;
    const { annIndex, annThreshold, optimizeAfterWrites, optimizeMinIntervalMs } = this.policy;
    let buildIndex: AnnIndexKind | undefined;
    if (annIndex !== 'none' && this.vectorIndex === 'FLAT' && (await table.countRows()) >= annThreshold) buildIndex = annIndex;
    const optimize = buildIndex !== undefined || this.writesSinceOptimize >= optimizeAfterWrites || (await this.manyUnindexed(table));
    if (!optimize || this.job || this.paused || this.deferred) return;
    const wait = this.lastJobEnded + optimizeMinIntervalMs - Date.now();
    if (buildIndex === undefined && !now && wait > 0) {
      this.deferred = setTimeout(() => {
        this.deferred = undefined;
        this.kick(true);
      }, wait);
      this.deferred.unref();
      return;
    }
    // Counted before the version is read: a write landing in between then shows as a write during the job.
    const dataWrites = this.dataWrites;
    const version = await table.version();
    this.start({ dir: this.shared.dir, table: this.shared.name, buildIndex, optimize: { pruneOlderThanMs: PRUNE_OLDER_THAN_MS } }, { version, dataWrites });
  }

  /** Do so many rows sit outside an index that searches would slow down (they are scanned exactly)? */
  private async manyUnindexed(table: NonNullable<SharedTable['table']>): Promise<boolean> {
    if (this.writesSinceOptimize === 0) return false;
    for (const index of await table.listIndices()) {
      const stats = await table.indexStats(index.name);
      if (!stats) continue;
      const limit = Math.max(UNINDEXED_ROWS_MIN, UNINDEXED_SHARE * stats.numIndexedRows);
      if (stats.numUnindexedRows >= limit) return true;
    }
    return false;
  }

  private start(job: MaintenanceJob, atStart: { version: number; dataWrites: number }): void {
    const writesAtStart = this.writesSinceOptimize;
    this.building = job.buildIndex;
    const child = fork(workerPath(), [JSON.stringify(job)], {
      execArgv: childExecArgv(),
      env: { ...process.env, [CHILD_ENV]: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let report: MaintenanceReport | undefined;
    let stderr = '';
    child.on('message', (m) => (report = m as MaintenanceReport));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timeoutMs = maintenanceTimeoutMs();
    const watchdog = setTimeout(() => {
      stderr += ` timed out after ${Math.round(timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    watchdog.unref();
    const done = new Promise<void>((resolve) => {
      child.on('error', (err) => (stderr += String(err)));
      child.on('exit', (code, signal) => {
        clearTimeout(watchdog);
        void this.finish(report, code, signal, stderr, writesAtStart, atStart).finally(resolve);
      });
    });
    this.job = { child, done };
  }

  private async finish(
    report: MaintenanceReport | undefined,
    code: number | null,
    signal: NodeJS.Signals | null,
    stderr: string,
    writesAtStart: number,
    atStart: { version: number; dataWrites: number },
  ): Promise<void> {
    this.building = undefined;
    try {
      if (report?.ok && !this.paused) {
        this.lastError = undefined;
        this.writesSinceOptimize = Math.max(0, this.writesSinceOptimize - writesAtStart);
        // Pick up the version the child committed; in the write queue so no write of ours is in flight.
        await this.shared.writes.run(async () => {
          await this.shared.table?.checkoutLatest();
          await this.refresh();
          // No write of ours since the job started: the new versions only reorganised the same rows.
          if (this.shared.table && this.dataWrites === atStart.dataWrites) this.shared.sameData(await this.shared.table.version(), atStart.version);
        });
      } else if (!this.paused) {
        this.lastError = report?.error ?? `maintenance process ended (${signal ?? `exit ${code}`}) ${stderr.trim().slice(-500)}`.trim();
      }
    } finally {
      this.job = undefined;
      this.lastJobEnded = Date.now();
    }
    // More writes may have made another job due; a failed job is retried on the next write, not in a loop.
    if (report?.ok) this.kick();
  }
}
