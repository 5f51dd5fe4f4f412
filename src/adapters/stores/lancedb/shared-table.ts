/**
 * One shared handle per LanceDB table in this process. LanceDB table handles do not see each other's writes
 * (no read-consistency checks by default), so every store object for the same directory uses this one handle;
 * writes go through one queue per table so concurrent upserts never race.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type * as Lance from '@lancedb/lancedb';
import { schemaDimension } from './arrow.js';
import { readIdentity, removeIdentity, type StoreIdentity } from './sidecar.js';

type LanceModule = typeof Lance;
let lanceModule: Promise<LanceModule> | undefined;

/**
 * Threads of Lance's CPU pool unless `LANCE_CPU_THREADS` says otherwise. Lance's full-text index builder
 * deadlocks (every thread parked, 0 % CPU, for ever) when that pool's blocking side has a single usable thread,
 * which is what a 2-core host gets by default (lancedb/lancedb#3568); here it hung `optimize` folding new rows
 * into the indexes of a 100k-row table.
 */
export const DEFAULT_LANCE_CPU_THREADS = 4;

/**
 * Loads LanceDB on first use. Its Rust side reads the environment once, at load: unless the environment says
 * otherwise we keep its logger (`LANCEDB_LOG`) at `error`, which silences the "No existing dataset … it will be
 * created" warning that every new table prints, and its CPU pool (`LANCE_CPU_THREADS`) gets
 * DEFAULT_LANCE_CPU_THREADS threads. Child processes (the maintenance worker) inherit both.
 */
export function loadLance(): Promise<LanceModule> {
  process.env.LANCEDB_LOG ??= 'error';
  process.env.LANCE_CPU_THREADS ??= String(DEFAULT_LANCE_CPU_THREADS);
  lanceModule ??= import('@lancedb/lancedb');
  return lanceModule;
}

/** Runs async jobs one at a time, in order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class SharedTable {
  /** Open table, or undefined until the first write creates it (and again after `drop`). */
  table: Lance.Table | undefined;
  /** Vector dimension of the table's schema (0 while there is no table). */
  tableDimension = 0;
  identity: StoreIdentity = {};
  /** Counts tables adopted (created or opened), so a dropped and re-created table is told apart from the old one. */
  generation = 0;
  /** Table versions made by this process's maintenance jobs → the earlier version holding the same rows. */
  private readonly sameDataAs = new Map<number, number>();
  readonly writes = new SerialQueue();
  refs = 0;

  constructor(
    readonly lance: LanceModule,
    readonly conn: Lance.Connection,
    readonly dir: string,
    readonly name: string,
  ) {}

  /** The dimension every vector must have: the table's, else the remembered embedder's, else none yet. */
  get dimension(): number {
    return this.tableDimension || this.identity.dimension || 0;
  }

  async load(): Promise<void> {
    this.identity = await readIdentity(this.dir);
    const names = await this.conn.tableNames();
    if (names.includes(this.name)) await this.adopt(await this.conn.openTable(this.name));
  }

  /** Records that table version `later` holds the same rows as `earlier` (a maintenance commit). */
  sameData(later: number, earlier: number): void {
    if (later !== earlier) this.sameDataAs.set(later, this.sameDataAs.get(earlier) ?? earlier);
    if (this.sameDataAs.size > 1000) this.sameDataAs.delete(this.sameDataAs.keys().next().value!);
  }

  /**
   * Changes whenever the rows may have changed: the table generation and its version, where versions made only by
   * this process's own maintenance count as the version they reorganised. (A write by another process during
   * such a job is then seen at the next change; every other write, ours or another process's, is seen at once.)
   */
  async dataVersion(): Promise<string> {
    if (!this.table) return 'none';
    const version = await this.table.version();
    return `${this.generation}:${this.sameDataAs.get(version) ?? version}`;
  }

  async adopt(table: Lance.Table): Promise<void> {
    this.table = table;
    this.generation += 1;
    this.sameDataAs.clear();
    this.tableDimension = schemaDimension(await table.schema());
  }

  async rows(filterSql?: string): Promise<number> {
    return this.table ? this.table.countRows(filterSql) : 0;
  }

  /** Drops the table and the sidecar and removes leftover files. Call inside `writes`. */
  async dropData(): Promise<void> {
    if (this.table) {
      this.table.close();
      this.table = undefined;
    }
    if ((await this.conn.tableNames()).includes(this.name)) await this.conn.dropTable(this.name);
    this.tableDimension = 0;
    this.identity = {};
    await removeIdentity(this.dir);
    await rm(join(this.dir, `${this.name}.lance`), { recursive: true, force: true });
    // LanceDB keeps a namespace manifest beside the tables; with no table left it is the last trace of us.
    if ((await this.conn.tableNames()).length === 0) await rm(join(this.dir, '__manifest'), { recursive: true, force: true });
  }

  close(): void {
    this.table?.close();
    this.table = undefined;
    this.conn.close();
  }
}

const open = new Map<string, Promise<SharedTable>>();

/** The shared handle for `dir`/`name`, opened (and counted) for one more user. */
export async function acquireTable(dir: string, name: string): Promise<SharedTable> {
  const key = `${resolve(dir)}\u0000${name}`;
  let pending = open.get(key);
  if (!pending) {
    pending = (async () => {
      const lance = await loadLance();
      const shared = new SharedTable(lance, await lance.connect(resolve(dir), { readConsistencyInterval: 0 }), resolve(dir), name);
      await shared.load();
      return shared;
    })();
    open.set(key, pending);
    pending.catch(() => open.delete(key));
  }
  const shared = await pending;
  shared.refs++;
  return shared;
}

/** Gives a handle back; the last user closes it. `beforeClose` runs first (e.g. waiting for background work). */
export async function releaseTable(shared: SharedTable, beforeClose: () => Promise<void>): Promise<void> {
  shared.refs--;
  if (shared.refs > 0) return;
  const key = `${shared.dir}\u0000${shared.name}`;
  open.delete(key);
  await beforeClose();
  await shared.writes.run(async () => shared.close());
}

/** Number of open shared handles (for tests and shutdown checks). */
export function openTableCount(): number {
  return open.size;
}
