/**
 * Child process that does the slow LanceDB maintenance (building the ANN index, compaction and index updates).
 * LanceDB runs that work on the same native threads that serve every other call of the process, so done in the
 * server it would stall searches and writes for as long as the build takes (minutes at 100k rows on 2 cores).
 * Lance commits are atomic and concurrent commits from other processes are reconciled, so the server keeps
 * writing meanwhile and picks the new version up when this process reports back.
 *
 * Input: one JSON `MaintenanceJob` in argv[2]. Output: one IPC message `MaintenanceReport`, then exit.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWhenParentDies } from '../../../core/parent-watch.js';
import { annIndexConfig, type AnnIndexKind } from './ann.js';
import { schemaDimension } from './arrow.js';
import { loadLance } from './shared-table.js';

export interface MaintenanceJob {
  dir: string;
  table: string;
  /** Build (or rebuild) this vector index first. */
  buildIndex?: AnnIndexKind;
  /** Then compact data files, fold new rows into the indexes and prune versions older than this many ms. */
  optimize?: { pruneOlderThanMs: number };
}

export interface MaintenanceReport {
  ok: boolean;
  error?: string;
  builtIndex?: AnnIndexKind;
  ms: number;
}

export async function runMaintenance(job: MaintenanceJob): Promise<MaintenanceReport> {
  const started = Date.now();
  const lance = await loadLance();
  const conn = await lance.connect(job.dir);
  const table = await conn.openTable(job.table);
  try {
    if (job.buildIndex) {
      const rows = await table.countRows();
      const dimension = schemaDimension(await table.schema());
      await table.createIndex('vector', { config: annIndexConfig(lance, job.buildIndex, rows, dimension), replace: true });
    }
    if (job.optimize) {
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - job.optimize.pruneOlderThanMs) });
    }
    return { ok: true, builtIndex: job.buildIndex, ms: Date.now() - started };
  } finally {
    table.close();
    conn.close();
  }
}

async function main(): Promise<void> {
  let report: MaintenanceReport;
  exitWhenParentDies();
  try {
    report = await runMaintenance(JSON.parse(process.argv[2] ?? '{}') as MaintenanceJob);
  } catch (err) {
    report = { ok: false, error: err instanceof Error ? err.message : String(err), ms: 0 };
  }
  if (process.send) process.send(report, () => process.exit(report.ok ? 0 : 1));
  else process.exit(report.ok ? 0 : 1);
}

/** Set by the parent in the child's environment; the module does nothing when merely imported. */
export const CHILD_ENV = 'LF_LANCE_MAINTENANCE_CHILD';

if (process.env[CHILD_ENV] === '1' && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
