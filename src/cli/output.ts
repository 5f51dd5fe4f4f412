/** What `lf` prints: JSON for scripts (`--json`), small aligned tables and one-line messages for people. */
import type { Writable } from 'node:stream';

export function isTty(stream: NodeJS.WriteStream | Writable = process.stdout): boolean {
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

/** ANSI styling, only for a terminal and only when NO_COLOR is not set. */
export function styled(stream: NodeJS.WriteStream = process.stdout) {
  const on = isTty(stream) && !process.env.NO_COLOR;
  const wrap = (open: string, close: string) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { dim: wrap('2', '22'), bold: wrap('1', '22'), red: wrap('31', '39'), green: wrap('32', '39'), yellow: wrap('33', '39') };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A note for people that must not mix into stdout (progress, hints). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Rows under a header, columns padded to the widest cell (the last column is not padded). */
export function formatTable(header: string[], rows: Array<Array<string | number | undefined | null>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

export function printTable(header: string[], rows: Array<Array<string | number | undefined | null>>, empty = '(none)'): void {
  println(rows.length ? formatTable(header, rows) : empty);
}

/** 1536 → "1.5 KB" (units of 1024, like the server's `size_human`). */
export function humanBytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Text shortened to `max` characters on one line. */
export function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
