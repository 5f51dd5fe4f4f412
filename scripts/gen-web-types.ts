/**
 * Generates web/src/api/types.ts from the server's own OpenAPI document (the TypeBox route schemas), so the web
 * app's API body types are never hand-copied (decision 0161). Run after changing a route schema:
 *   node --import tsx scripts/gen-web-types.ts          (writes the file)
 *   node --import tsx scripts/gen-web-types.ts --check  (exit 1 when the file is stale; used by the web tests)
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadSettings } from '../src/core/settings.js';
import { createContext } from '../src/services/context.js';
import { buildApp } from '../src/api/app.js';
import { openApiToTypes } from './lib/openapi-to-ts.js';

const OUT = new URL('../web/src/api/types.ts', import.meta.url).pathname;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-types-'));
  const settings = loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {});
  const ctx = await createContext(settings, pino({ level: 'silent' }));
  try {
    const app = await buildApp(ctx);
    await app.ready();
    const text = openApiToTypes(app.swagger() as never);
    await app.close();
    if (process.argv.includes('--check')) {
      let current = '';
      try {
        current = readFileSync(OUT, 'utf8');
      } catch {
        /* missing */
      }
      if (current !== text) {
        process.stderr.write('web/src/api/types.ts is stale: run node --import tsx scripts/gen-web-types.ts\n');
        process.exitCode = 1;
      }
    } else {
      writeFileSync(OUT, text);
    }
  } finally {
    await ctx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
