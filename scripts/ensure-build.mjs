#!/usr/bin/env node
// Builds dist/ when it is missing or any source is newer than the last build (decision 0013), then copies the
// non-TypeScript assets (config templates) beside the compiled modules. The web app (web/ → dist/web, Vite) is
// built the same way, only when its own sources changed (decision 0160); a failed web build leaves the API working.
//
// The server build transpiles each module with esbuild (one file in, one file out, the same layout tsc would
// write; `isolatedModules` guarantees that is safe): about a second instead of tsc's ~40 s on 2 cores, so the first
// `npm start` after `npm ci` answers quickly. Type checking is `npm run check`'s job (CI runs it).
import { readdirSync, statSync, existsSync, writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
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
  // A clean tree (modules deleted from src/ must not linger), keeping the web app's own build.
  if (existsSync(dist)) for (const name of readdirSync(dist)) if (name !== 'web') rmSync(join(dist, name), { recursive: true, force: true });
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

const web = join(root, 'web');
const webStamp = join(dist, 'web', '.build-stamp');
if (existsSync(join(web, 'index.html'))) {
  const webSources = [...files(web), join(src, 'config', 'config-issues.ts'), join(root, 'package.json')];
  const newestWeb = Math.max(...webSources.map((f) => statSync(f).mtimeMs));
  const webBuilt = existsSync(webStamp) ? statSync(webStamp).mtimeMs : 0;
  if (force || webBuilt < newestWeb) {
    process.stderr.write('building dist/web (web app) ...\n');
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    try {
      if (!existsSync(vite)) throw new Error('vite is not installed (npm ci installs it)');
      execFileSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
      writeFileSync(webStamp, new Date().toISOString());
    } catch (err) {
      process.stderr.write(`web app build failed (${err.message}); the API still starts and / answers JSON\n`);
      if (force) process.exitCode = 1;
    }
  }
}
