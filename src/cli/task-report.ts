/** How a finished task reads for people, and the exit code it means (4 for FAILURE). */
import { CliError, EXIT } from './errors.js';
import { describeErrorGroup, groupErrors } from '../core/error-groups.js';
import { println, styled } from './output.js';
import type { Task } from './task-wait.js';

interface FileOutcome {
  filename?: string;
  file_hash?: string;
  status?: string;
  error?: string | null;
  reason?: string | null;
  warnings?: string[];
  stored_count?: number;
}

/**
 * Per-file outcomes of a processing result: our `files: [{...}]`, else `details` as the original's
 * `[[ok, {...}], ...]` pairs (or plain objects, as our older servers answered).
 */
export function fileOutcomes(result: Record<string, any> | null | undefined): FileOutcome[] {
  if (Array.isArray(result?.files)) return (result.files as unknown[]).map((f) => (f ?? {}) as FileOutcome);
  const details: unknown[] = Array.isArray(result?.details) ? result.details : [];
  return details.map((d) => (Array.isArray(d) ? (d[1] ?? {}) : (d ?? {})) as FileOutcome);
}

/** Lines describing a processing result: counts, then one line per failed file. */
export function describeIngestResult(result: Record<string, any>): string[] {
  const n = (k: string) => (typeof result[k] === 'number' ? (result[k] as number) : 0);
  const lines = [
    `${n('processed_files')} processed, ${n('skipped_files')} skipped, ${n('failed_files')} failed; ` +
      `${n('stored_count')} chunks stored${n('skipped_count') ? `, ${n('skipped_count')} already stored` : ''}`,
  ];
  const outcomes = fileOutcomes(result);
  const failed = outcomes.filter((f) => f.status === 'failed').map((f) => ({ item: f.filename ?? f.file_hash ?? '?', error: f.error ?? 'unknown error' }));
  // Identical reasons read as one line with a count (17 files failing for one reason are one problem).
  for (const g of groupErrors(failed)) lines.push(`  failed: ${describeErrorGroup(g)}`);
  for (const f of outcomes) {
    if (f.status === 'skipped' && f.reason) lines.push(`  skipped: ${f.filename ?? f.file_hash ?? '?'} (${f.reason})`);
    for (const w of f.warnings ?? []) lines.push(`  note: ${w}`);
  }
  return lines;
}

/** Prints a finished task for people. */
export function printTaskOutcome(task: Task): void {
  const s = styled();
  if (task.state === 'SUCCESS') {
    const r = task.result ?? {};
    if ('processed_files' in r) {
      const [head, ...rest] = describeIngestResult(r);
      println(`${s.green('Done')}: ${head}`);
      for (const l of rest) println(l);
    } else println(`${s.green('Done')}${typeof r.message === 'string' ? `: ${r.message}` : ''}`);
  } else if (task.state === 'FAILURE') {
    if (task.result && 'processed_files' in task.result) {
      const [head, ...rest] = describeIngestResult(task.result);
      println(`${s.red('Failed')}: ${head}`);
      for (const l of rest) println(l);
    } else println(`${s.red('Failed')}: ${task.error ?? 'the task failed'}`);
  } else {
    const m = task.meta ?? {};
    const count = typeof m.total === 'number' ? ` ${m.current ?? 0}/${m.total}` : '';
    println(`${task.state}${count}${m.message ? `: ${m.message}` : ''}`);
  }
}

/** The error that ends the command when a waited task failed. */
export function taskFailure(task: Task): CliError | undefined {
  if (task.state !== 'FAILURE') return undefined;
  // A processing result was already printed file by file: the task's `error` would repeat it all on one line.
  const r = task.result;
  if (r && 'processed_files' in r) return new CliError(`task ${task.task_id} failed: ${r.failed_files ?? '?'} file(s) failed (reasons above)`, EXIT.taskFailed);
  return new CliError(`task ${task.task_id} failed: ${task.error ?? 'no reason given'}`, EXIT.taskFailed);
}
