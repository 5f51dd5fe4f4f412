/** An in-process app on a fresh temporary data dir, for `app.inject` tests. */
import { rm } from 'node:fs/promises';
import { tempDir } from './tmp.js';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadSettings, type SettingsOverrides } from '../../src/core/settings.js';
import { createContext, type AppContext } from '../../src/services/context.js';
import { buildApp } from '../../src/api/app.js';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  dataDir: string;
  close(): Promise<void>;
}

export { tempDir };

export async function makeTestApp(overrides: SettingsOverrides = {}): Promise<TestApp> {
  const dataDir = await tempDir();
  const settings = loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable', ...overrides }, {});
  const ctx = await createContext(settings, pino({ level: 'silent' }));
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    dataDir,
    async close() {
      await app.close();
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON body of an inject response. */
export function json<T = any>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
