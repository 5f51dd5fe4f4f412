/** Shared pieces of the benchmarks: the result line format and small statistics helpers. */
export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  baseline: number | null;
  /** value / baseline (how many times the baseline; for latency > 1 means slower). */
  ratio: number | null;
  unit: string;
  note?: string;
}

export type Report = (r: Omit<BenchResult, 'ratio'> & { ratio?: number | null }) => void;

export function printReport(r: Omit<BenchResult, 'ratio'> & { ratio?: number | null }): void {
  const ratio = r.ratio !== undefined ? r.ratio : r.baseline ? Math.round((r.value / r.baseline) * 1000) / 1000 : null;
  const line: BenchResult = { bench: r.bench, metric: r.metric, value: round(r.value), baseline: r.baseline === null ? null : round(r.baseline), ratio, unit: r.unit };
  if (r.note) line.note = r.note;
  process.stdout.write(JSON.stringify(line) + '\n');
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

export const median = (values: number[]) => percentile(values, 50);
