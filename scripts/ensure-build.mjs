#!/usr/bin/env node
// Builds dist/ when it is missing or any source is newer than the last build (decision A13), then copies the
// non-TypeScript assets (config templates) beside the compiled modules.
import { readdirSync, statSync, existsSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { execFileSync } from 'node:child_process';

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
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  for (const f of sources.filter((f) => !f.endsWith('.ts'))) {
    const target = join(dist, relative(src, f));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(f, target);
  }
  writeFileSync(stamp, new Date().toISOString());
}
