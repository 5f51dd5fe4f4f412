#!/usr/bin/env node
// Runs the suite with Node's test runner: `npm test [-- <path filters...>]` (everything),
// `npm run test:fast` (`--tier fast`: unit, adapters, conformance and in-process API tests on in-process backends;
// suites needing a server process of their own skip, see test/helpers/tier.ts) and `npm run test:e2e` (`--tier e2e`:
// real sockets, the built `lf`, worker processes, the browser).
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync, statSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const tierAt = argv.indexOf('--tier');
const tier = tierAt >= 0 ? argv[tierAt + 1] : 'all';
const filters = tierAt >= 0 ? argv.filter((_, i) => i !== tierAt && i !== tierAt + 1) : argv;
const TIERS = { fast: ['unit', 'adapters', 'conformance', 'api'], e2e: ['e2e', 'cli', 'web'] };
if (tier !== 'all' && !TIERS[tier]) {
  console.error(`unknown tier '${tier}' (known: all, ${Object.keys(TIERS).join(', ')})`);
  process.exit(2);
}
const inTier = (f) => tier === 'all' || TIERS[tier].includes(f.split('/')[1]);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = walk(join(root, 'test'), []).sort()
  .filter(inTier)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Human-readable progress on stdout (spec) and a TAP copy whose summary is printed at the end, so the run closes
// with the runner's standard lines (`# tests`, `# pass`, `# fail`, ...) and a plain `N passed, N failed` line.
const tapDir = mkdtempSync(join(tmpdir(), 'lf-tap-'));
const tapFile = join(tapDir, 'results.tap');
const args = [
  '--import', 'tsx', '--test',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  `--test-concurrency=${process.env.LF_TEST_CONCURRENCY ?? 2}`,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, LF_LOG_LEVEL: process.env.LF_LOG_LEVEL ?? 'silent', ...(tier === 'fast' ? { LF_TEST_TIER: 'fast' } : {}) } });
child.on('exit', (code, signal) => {
  let summary = {};
  try {
    const lines = readFileSync(tapFile, 'utf8').split('\n').filter((l) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(l));
    for (const l of lines) {
      const [, key, value] = /^# (\w+) (.*)$/.exec(l);
      summary[key] = value;
    }
    process.stdout.write(`\n${lines.join('\n')}\n`);
    const n = (k) => Number(summary[k] ?? 0);
    process.stdout.write(`${n('pass')} passed, ${n('fail') + n('cancelled')} failed, ${n('skipped') + n('todo')} skipped\n`);
  } catch {
    /* the runner died before writing a summary */
  }
  rmSync(tapDir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
