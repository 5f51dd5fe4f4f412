/**
 * `npm run bench [-- <name filter>]`: builds the server, runs every bench/*.bench.ts and prints one JSON line per
 * result: {"bench","metric","value","baseline","ratio","unit"} — each measured against a baseline in the same run.
 */
import { readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { printReport, type Report } from './harness.js';

const dir = new URL('.', import.meta.url).pathname;
const filters = process.argv.slice(2);
execFileSync(process.execPath, [join(dir, '..', 'scripts', 'ensure-build.mjs')], { stdio: 'inherit' });

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const f of files) {
  const mod = (await import(join(dir, f))) as { run?: (report: Report) => Promise<void> };
  if (typeof mod.run !== 'function') continue;
  process.stderr.write(`# ${f}\n`);
  try {
    await mod.run(printReport);
  } catch (e) {
    failed++;
    process.stderr.write(`# ${f} failed: ${(e as Error).stack ?? e}\n`);
  }
}
process.exit(failed ? 1 : 0);
