#!/usr/bin/env node
// Builds dist/ when it is missing or any source is newer than the last build (decision A13), then copies the
// non-TypeScript assets (config templates) beside the compiled modules.
//
// The build transpiles each module with esbuild (one file in, one file out, the same layout tsc would write;
// `isolatedModules` guarantees that is safe): about a second instead of tsc's ~40 s on 2 cores, so the first
// `npm start` after `npm ci` answers quickly. Type checking is `npm run check`'s job (CI runs it).
import { readdirSync, statSync, existsSync, writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

const sources = files(src);
const newestSource = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(join(root, 'package.json')).mtimeMs);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const force = process.argv.includes('--force');

if (force || built < newestSource) {
  process.stderr.write('building dist/ ...\n');
  const { build } = await import('esbuild');
  // A clean tree: modules deleted from src/ must not linger in dist/.
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints: sources.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: dist,
    outbase: src,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    bundle: false,
    logLevel: 'warning',
  });
  for (const f of sources.filter((f) => !f.endsWith('.ts'))) {
    const target = join(dist, relative(src, f));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(f, target);
  }
  writeFileSync(stamp, new Date().toISOString());
}
