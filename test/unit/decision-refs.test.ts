/**
 * Every "decision NNNN" cited in the code names a record in docs/decisions/, and every "original §N" names a
 * section of 0018 (what we keep of the original server's behaviour): citations resolve inside the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

const DECISIONS = join(REPO_ROOT, 'docs', 'decisions');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

test('cited decisions and original-behaviour sections exist in docs/decisions', () => {
  const records = new Set(readdirSync(DECISIONS).map((f) => f.slice(0, 4)));
  const original = readFileSync(join(DECISIONS, readdirSync(DECISIONS).find((f) => f.startsWith('0018-'))!), 'utf8');
  const sections = new Set([...original.matchAll(/^### (§[0-9.]+)/gm)].map((m) => m[1]));
  const missing: string[] = [];
  let citations = 0;
  for (const dir of ['src', 'test', 'scripts', 'bench', join('web', 'src')]) {
    let files: string[] = [];
    try {
      files = sources(join(REPO_ROOT, dir));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bdecisions? ((?:\d{4})(?:(?:, | and |–|-|\/)\d{4})*)/g)) {
        for (const n of m[1].match(/\d{4}/g) ?? []) {
          citations++;
          if (!records.has(n)) missing.push(`${file}: decision ${n}`);
        }
      }
      for (const m of text.matchAll(/\boriginal (§[0-9.]*[0-9])/g)) {
        citations++;
        const top = m[1].split('.').slice(0, 2).join('.');
        if (!sections.has(m[1]) && !sections.has(top) && !sections.has(m[1].split('.')[0])) missing.push(`${file}: original ${m[1]}`);
      }
      assert.doesNotMatch(text, /behavior\.md|architecture\.md|\bdecisions? A\d+/, `${file} cites a document outside the repository`);
    }
  }
  assert.ok(citations > 50, `found ${citations} citations`);
  assert.deepEqual(missing, []);
});
