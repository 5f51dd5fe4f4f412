/**
 * Serves the built web app (`dist/web`, made by `npm run build` from `web/`) to browsers (decision 0160):
 *  - `GET /assets/*`: hashed files with a year-long immutable cache;
 *  - `GET /` and client routes (`/projects/...`) for a request that accepts `text/html` (a browser): `index.html`
 *    with the runtime settings (API base URL, version) injected, never cached;
 *  - API clients (curl's `*\/*`, `application/json`) keep the reference's JSON at `/`.
 * Without a build the server runs as before and `/` answers JSON.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../services/context.js';

/** `dist/web` from both `src/api` (tsx) and `dist/api` (compiled). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** Paths the single-page app owns; everything else is the API's. */
const CLIENT_ROUTE = /^\/(?:projects(?:\/[^.]*)?)?$/;

export interface WebAppOptions {
  /** Where the built app lives (tests point this at a fixture). */
  dir?: string;
  /** Public URL prefix of the API when it is not this origin (`LF_PUBLIC_API_URL`); '' = same origin. */
  apiBaseUrl?: string;
}

/** True when the client is a browser asking for a page: `text/html` accepted explicitly (not via `*\/*`). */
export function wantsHtml(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return /(^|,)\s*text\/html/i.test(accept);
}

/** The settings the page reads from `<script id="lf-settings" type="application/json">`. */
export function renderIndex(template: string, settings: Record<string, unknown>): string {
  // `<` escaped so no value can close the script element.
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  return template.replace('<!--lf-settings-->', `<script id="lf-settings" type="application/json">${json}</script>`);
}

export async function webAppRoutes(app: FastifyInstance, ctx: AppContext, o: WebAppOptions = {}): Promise<void> {
  const dir = o.dir ?? WEB_DIST_DIR;
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) {
    ctx.log.debug({ dir }, 'web app not built; / answers JSON only');
    return;
  }
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    index: false,
    immutable: true,
    maxAge: '365d',
    cacheControl: true,
    decorateReply: false,
    schemaHide: true,
  });
  // Re-read when `npm run build` replaced it under a running server (new asset hashes), otherwise cached.
  let cached: { mtimeMs: number; html: string } | undefined;
  const settings = { apiBaseUrl: o.apiBaseUrl ?? process.env.LF_PUBLIC_API_URL ?? '', version: ctx.settings.version };
  const page = (): string => {
    const mtimeMs = statSync(indexPath).mtimeMs;
    if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, html: renderIndex(readFileSync(indexPath, 'utf8'), settings) };
    return cached.html;
  };
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return;
    const path = req.url.split('?')[0];
    if (!CLIENT_ROUTE.test(path) || !wantsHtml(req)) return;
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(page());
  });
}
