/**
 * Browser-test plumbing: Debian's chromium driven by playwright-core (CHROMIUM_PATH or /usr/bin/chromium), the web
 * build made on demand, axe-core checks and screenshots (docs/screenshots/ when LF_WEB_SCREENSHOTS=1, else a temp
 * dir, so a test run leaves the tree clean).
 */
import { existsSync, mkdirSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from './shared.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEB_DIST = join(REPO_ROOT, 'dist', 'web');

/** `false` when a browser is there, else the skip reason. */
export function needChromium(): false | string {
  return existsSync(CHROMIUM) ? false : `needs chromium at ${CHROMIUM} (set CHROMIUM_PATH)`;
}

function newest(dir: string): number {
  let m = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    m = Math.max(m, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return m;
}

/** Builds dist/web when it is missing or older than web/ (Vite, a few seconds). */
export function ensureWebBuild(): void {
  const stamp = join(WEB_DIST, '.build-stamp');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const sources = Math.max(newest(join(REPO_ROOT, 'web')), statSync(join(REPO_ROOT, 'src', 'config', 'config-issues.ts')).mtimeMs);
  if (existsSync(join(WEB_DIST, 'index.html')) && built >= sources) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(REPO_ROOT, 'web', 'vite.config.ts'), '--logLevel', 'error'], { cwd: REPO_ROOT, stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString());
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page; returns every violation (the caller asserts on serious/critical). */
export async function axe(page: Page): Promise<AxeViolation[]> {
  // The callbacks run in the page; `globalThis` is its window (the test's tsconfig has no DOM types).
  const has = await page.evaluate(() => typeof (globalThis as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!has) await page.addScriptTag({ path: join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
  return page.evaluate(async () => {
    const w = globalThis as unknown as { document: unknown; axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: AxeViolation[] }> } };
    const res = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

export function seriousOnly(v: AxeViolation[]): AxeViolation[] {
  return v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
}

export const SCREENSHOT_DIR = process.env.LF_WEB_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'screenshots') : join(tmpdir(), 'lf-web-screenshots');

/** A light and a dark screenshot of the viewport (the page follows the system theme). */
export async function screenshots(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${scheme}.png`), fullPage });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
