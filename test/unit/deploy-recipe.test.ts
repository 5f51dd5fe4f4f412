/**
 * The scale-out recipe (docker-compose.yml, deploy/nginx.conf, Dockerfile) stays in step with the code: every LF_*
 * setting it passes is one the server reads, its commands are real `lf` commands with real flags, the load
 * balancer points at the API services, and there are two API replicas plus workers on the shared backends.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  image?: string;
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

function sourceText(dir: string): string {
  return readdirSync(dir)
    .map((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? sourceText(p) : p.endsWith('.ts') ? readFileSync(p, 'utf8') : '';
    })
    .join('\n');
}

describe('scale-out recipe', () => {
  const apis = Object.entries(services).filter(([, s]) => s.command?.[0] === 'serve');
  const workers = Object.entries(services).filter(([, s]) => s.command?.[0] === 'worker');

  test('two API replicas and workers share Redis, Postgres and the data volume', () => {
    assert.equal(apis.length, 2);
    assert.ok(workers.length >= 1 && (workers[0][1].deploy?.replicas ?? 1) >= 2, 'at least two workers');
    for (const [name, s] of [...apis, ...workers]) {
      const env = s.environment ?? {};
      assert.match(env.LF_TASK_BACKEND ?? '', /^redis:\/\/redis:6379/, `${name} uses the redis service`);
      assert.match(env.LF_METADATA_URL ?? '', /^postgres:\/\/.*@postgres:5432\//, `${name} uses the postgres service`);
      assert.equal(env.LF_DATA_DIR, '/data');
    }
    assert.match(services.postgres.image ?? '', /pgvector/, 'Postgres has the pgvector extension');
  });

  test('every LF_* setting of the recipe is read by the server', () => {
    const src = sourceText(join(ROOT, 'src'));
    const names = new Set(Object.values(services).flatMap((s) => Object.keys(s.environment ?? {}).filter((k) => k.startsWith('LF_'))));
    assert.ok(names.size >= 4);
    for (const name of names) assert.match(src, new RegExp(`env\\.${name}\\b|env\\[['"]${name}['"]\\]|['"]${name}['"]`), `${name} is read from the environment in src/`);
  });

  test('the commands and flags are real lf commands', () => {
    const program = buildProgram();
    for (const [name, s] of [...apis, ...workers]) {
      const [cmdName, ...args] = s.command!;
      const cmd = program.commands.find((c) => c.name() === cmdName);
      assert.ok(cmd, `${name}: lf ${cmdName} exists`);
      const flags = new Set(cmd.options.map((o) => o.long));
      for (const a of args.filter((x) => x.startsWith('--'))) assert.ok(flags.has(a), `${name}: lf ${cmdName} has ${a}`);
    }
  });

  test('nginx balances over exactly the API services, unbuffered for SSE', () => {
    const conf = readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
    const upstreams = [...conf.matchAll(/^\s*server\s+([\w-]+):8000/gm)].map((m) => m[1]).sort();
    assert.deepEqual(upstreams, apis.map(([n]) => n).sort());
    assert.match(conf, /proxy_buffering off;/);
  });

  test('the image runs bin/lf.js with the server bound beyond loopback inside the container', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/lf\.js"\]/);
    assert.match(dockerfile, /HOST=0\.0\.0\.0/);
    assert.match(dockerfile, /npm ci/);
  });
});
