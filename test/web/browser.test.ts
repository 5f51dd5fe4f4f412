/**
 * The web app in a real browser (Debian's chromium via playwright-core) against a real `lf serve` on a temp data
 * dir: create a project, edit the config (see a validation error, then save), create a dataset, upload a PDF, a
 * DOCX and a Markdown file, watch processing reach done, inspect a chunk's span, cancel a long run, delete the
 * project. axe-core must find no serious or critical violation on any page. Steps that need the data-loop API
 * (chunk inspection, cancel) check the server offers it and otherwise assert the page says so.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from '../helpers/tmp.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { startServerProcess, api, type ServerProcess } from '../helpers/server-process.js';
import { axe, ensureWebBuild, launch, needChromium, screenshots, seriousOnly, type AxeViolation } from '../helpers/browser.js';

const FILES = [
  ['corpora', 'llamafarm', 'samples', 'pdfs', 'Llamas-Alpacas-Rutgers-University.pdf'],
  ['corpora', 'docs', 'mammoth-docx', 'tables.docx'],
  ['corpora', 'llamafarm', 'samples', 'documents', 'machine_learning_guide.md'],
] as const;
const LONG = ['corpora', 'longtext', 'war-and-peace.txt'] as const;
const skip = needChromium() || FILES.map((f) => needShared(...f)).find(Boolean) || false;

const NS = 'default';
const PROJECT = 'webtest';
const P = `/v1/projects/${NS}/${PROJECT}`;

let server: ServerProcess;
let dataDir: string;
let browser: Browser;
let page: Page;
const axeReport: Record<string, AxeViolation[]> = {};

async function checkA11y(name: string): Promise<void> {
  const all = await axe(page);
  axeReport[name] = all;
  const bad = seriousOnly(all);
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${name}`);
}

/** Replaces the whole editor document, as a person pasting would. */
async function setEditorText(text: string): Promise<void> {
  const content = page.getByTestId('config-editor').locator('.cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function routeExists(method: string, path: string): Promise<boolean> {
  const res = await fetch(server.url + path, { method, headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { detail?: unknown };
  return !(res.status === 404 && body.detail === 'Not Found') && res.status !== 405;
}

before(async () => {
  if (skip) return;
  ensureWebBuild();
  dataDir = await tempDir('lf-web-');
  server = await startServerProcess(dataDir);
  browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 720 }, colorScheme: 'light', reducedMotion: 'reduce' });
  page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
});

after(async () => {
  // The last page as it was, to look at when a step failed.
  await page?.screenshot({ path: join(tmpdir(), 'lf-web-last-state.png') }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (Object.keys(axeReport).length) {
    const lines = Object.entries(axeReport).map(([k, v]) => `${k}: ${v.length ? v.map((x) => `${x.id}(${x.impact})`).join(' ') : 'no violations'}`);
    process.stdout.write(`# axe: ${lines.join('; ')}\n`);
  }
});

test('the web app: project, config, data loop, chunks, cancel, delete — in chromium', { skip, timeout: 600_000 }, async (t) => {
  await t.test('projects page: empty state, then New project', async () => {
    await page.goto(server.url + '/');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    assert.match(page.url(), /\/projects$/);
    await page.getByText('No projects yet').waitFor();
    const readyMs = await page.evaluate(() => performance.now());
    t.diagnostic(`projects page ready ${Math.round(readyMs)} ms after navigation start (figure only, not asserted)`);
    // First load budget: the JavaScript the projects page loaded, gzip-compressed, at most 250 KB.
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.endsWith('.js')));
    let gz = 0;
    for (const url of scripts) gz += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer())).length;
    t.diagnostic(`projects page: ${scripts.length} scripts, ${(gz / 1024).toFixed(1)} KB gzip`);
    assert.ok(scripts.length > 0 && gz <= 250 * 1024, `${gz} bytes of gzip JS on the projects page`);
    assert.ok(!scripts.some((u) => /ConfigPage/.test(u)), 'the editor (CodeMirror) is not loaded on the projects page');
    await checkA11y('projects');
    await screenshots(page, 'projects');
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Name', { exact: true }).fill('bad name!');
    await dialog.getByRole('button', { name: 'Create' }).click();
    // The API's own words for a bad name.
    await dialog.getByRole('alert').waitFor();
    assert.match(await dialog.getByRole('alert').innerText(), /name/i);
    await checkA11y('new-project-dialog');
    await dialog.getByLabel('Name', { exact: true }).fill(PROJECT);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Next step' }).waitFor();
    assert.match(page.url(), new RegExp(`/projects/${NS}/${PROJECT}$`));
    assert.equal(await page.getByLabel('Project', { exact: true }).inputValue(), PROJECT, 'the switcher shows the project');
    await checkA11y('dashboard');
    await screenshots(page, 'dashboard');
  });

  await t.test('config editor: a validation error as you type, then a diff and Save', async () => {
    await page.getByRole('link', { name: 'Config' }).click();
    await page.getByTestId('config-editor').locator('.cm-content').waitFor();
    await page.getByText('The configuration is valid.').waitFor();
    const { body } = await api(server.url, P);
    const config = body.project.config;
    const broken = structuredClone(config);
    broken.rag.databases[0].type = 'NoSuchStore';
    await setEditorText(stringify(broken, { lineWidth: 0 }));
    const problem = page.getByTestId('problems').getByText(/rag\.databases\[0\]\.type: must be one of .*LanceDBStore/);
    await problem.waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled(), true, 'Save is refused while invalid');
    // Clicking the problem takes the cursor to it; the editor marks the value at its line.
    await problem.click();
    await page.locator('.cm-lintRange-error').first().waitFor();
    assert.match(await page.locator('.cm-lintRange-error').first().innerText(), /NoSuchStore/);
    await checkA11y('config-invalid');
    await screenshots(page, 'config');

    // A fix: a local embedder that needs no download, so processing below runs offline.
    const fixed = structuredClone(config);
    fixed.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 128 }, priority: 0 }];
    await setEditorText(stringify(fixed, { lineWidth: 0 }));
    await page.getByText('The configuration is valid.').waitFor();
    await page.getByText('(unsaved changes)').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const review = page.getByRole('dialog', { name: 'Review changes before saving' });
    await review.waitFor();
    const diff = await review.getByTestId('diff').innerText();
    assert.match(diff, /\+ .*HashingEmbedder/);
    assert.match(diff, /- .*UniversalEmbedder/);
    await checkA11y('config-diff');
    await review.getByRole('button', { name: 'Save' }).click();
    await page.getByText('(unsaved changes)').waitFor({ state: 'detached' });
    const saved = (await api(server.url, P)).body.project.config;
    assert.equal(saved.rag.databases[0].embedding_strategies[0].type, 'HashingEmbedder');
  });

  await t.test('data: create a dataset, upload a PDF, a DOCX and a Markdown file, process to done', async () => {
    await page.getByRole('link', { name: 'Data' }).click();
    await page.getByText('No datasets yet').waitFor();
    await checkA11y('datasets-empty');
    await page.getByRole('button', { name: 'New dataset' }).click();
    const dialog = page.getByRole('dialog', { name: 'New dataset' });
    await dialog.getByLabel('Name', { exact: true }).fill('docs');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'docs', exact: true }).click();
    await page.getByText('No files in this dataset').waitFor();
    await page.getByTestId('file-input').setInputFiles(FILES.map((f) => sharedPath(...f)));
    const uploads = page.getByRole('list', { name: 'Uploads' });
    for (const f of FILES) await uploads.getByRole('listitem').filter({ hasText: f[f.length - 1] }).getByText('uploaded').waitFor();
    // Each upload has its own progress bar, full at the end.
    const bars = uploads.getByRole('progressbar');
    assert.equal(await bars.count(), 3);
    for (let i = 0; i < 3; i++) assert.equal(await bars.nth(i).getAttribute('aria-valuenow'), '100');
    // The same file again is shown as skipped.
    await page.getByTestId('file-input').setInputFiles(sharedPath(...FILES[2]));
    await uploads.getByText('skipped: already in the dataset').waitFor();
    const files = page.getByRole('list', { name: 'Files' });
    for (const f of FILES) await files.locator(`[data-file="${f[f.length - 1]}"]`).waitFor();

    await page.getByRole('button', { name: 'Process', exact: true }).click();
    await page.getByRole('heading', { name: /Processing/ }).waitFor();
    await page.getByText(/^Done: 3 processed/).waitFor({ timeout: 300_000 });
    for (const f of FILES) await files.locator(`[data-file="${f[f.length - 1]}"]`).getByTestId('file-status').getByText('processed').waitFor();
    const task = await page.getByRole('progressbar', { name: 'Processing progress' }).getAttribute('aria-valuenow');
    assert.equal(task, '100');
    await checkA11y('dataset');
    await screenshots(page, 'dataset', true);
  });

  await t.test('chunk inspector: click a chunk, its span is highlighted in the parsed text', async () => {
    const md = FILES[2][FILES[2].length - 1];
    await page.getByRole('link', { name: `Inspect chunks of ${md}` }).click();
    await page.getByRole('heading', { name: md }).waitFor();
    const ds = (await api(server.url, `${P}/datasets?include_extra_details=true`)).body.datasets[0];
    const hash = ds.details.file_details.find((f: any) => f.original_filename === md).hash;
    if (!(await routeExists('GET', `${P}/datasets/docs/data/${hash}/chunks`))) {
      await page.getByText('This server does not offer chunk inspection yet').waitFor();
      t.diagnostic('chunk routes not on this server: the page says so');
      await checkA11y('chunks-unavailable');
      return;
    }
    const chunks = page.getByRole('list', { name: 'Chunks' }).getByRole('button');
    await chunks.first().waitFor();
    const chunksBefore = (await api(server.url, `${P}/datasets/docs/data/${hash}/chunks?limit=1&offset=0`)).body.total as number;
    await page.getByRole('heading', { name: `Chunks (${chunksBefore})` }).waitFor();
    await chunks.nth(1).click();
    const mark = page.getByTestId('highlight');
    await mark.waitFor();
    const stored = (await api(server.url, `${P}/datasets/docs/data/${hash}/chunks?limit=2&offset=0`)).body.chunks[1];
    const text = (await api(server.url, `${P}/datasets/docs/data/${hash}/text`)).body.text as string;
    assert.equal(await mark.innerText(), text.slice(stored.start_position, stored.end_position));
    assert.ok(await mark.isVisible(), 'the span is scrolled into view');
    await checkA11y('chunks');
    await screenshots(page, 'chunks');

    // Preview: re-chunk with other settings, nothing stored.
    await page.getByRole('tab', { name: 'Preview other settings' }).click();
    await page.getByLabel('Chunk size').fill('200');
    await page.getByLabel('Overlap').fill('0');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const stats = page.getByText(/^\d+ chunks · average \d+ characters/);
    await stats.waitFor();
    const previewed = Number(/^(\d+)/.exec(await stats.innerText())![1]);
    assert.ok(previewed > chunksBefore, `smaller chunks give more of them (${previewed} > ${chunksBefore})`);
    const after = (await api(server.url, `${P}/datasets/docs/data/${hash}/chunks?limit=1&offset=0`)).body.total;
    assert.equal(after, chunksBefore, 'a preview stores nothing');
    await checkA11y('chunks-preview');
  });

  await t.test('cancel a long processing run', { skip: needShared(...LONG) }, async () => {
    if (!(await routeExists('DELETE', `${P}/tasks/00000000-0000-0000-0000-000000000000`))) {
      t.diagnostic('task cancel is not on this server: step skipped');
      return;
    }
    await page.goto(`${server.url}/projects/${NS}/${PROJECT}/data/docs`);
    await page.getByTestId('file-input').setInputFiles(sharedPath(...LONG));
    await page.getByRole('list', { name: 'Uploads' }).getByText('uploaded').first().waitFor();
    await page.getByRole('button', { name: 'Process', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Cancelled.').waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: /Processing/ }).getByText('cancelled').waitFor();
    const task = (await api(server.url, `${P}/tasks/${new URL(page.url()).searchParams.get('task')}`)).body;
    assert.equal(task.state, 'REVOKED');
    // The file the run left unfinished is shown as the server has it (back to uploaded), not stuck "parsing".
    const status = page.getByRole('list', { name: 'Files' }).locator(`li[data-file="${LONG.at(-1)}"]`).getByTestId('file-status');
    await status.getByText('uploaded', { exact: true }).waitFor({ timeout: 15_000 });
    assert.equal((await status.innerText()).trim(), 'uploaded');
    await screenshots(page, 'cancelled', true);
  });

  await t.test('a dataset of 10,000 files stays a short DOM (virtualised) and scrolls to the last file', async () => {
    // The server side of 10,000 files is the data-loop tests' business; here the browser gets the answer directly.
    const files = Array.from({ length: 10_000 }, (_, i) => ({ hash: i.toString(16).padStart(64, '0'), filename: `file-${i}.txt`, status: 'processed', chunks: 3, size: 1000, uploaded_at: 0, processed_at: 0, error: null, parser: 'TextParser' }));
    await page.route(`**${P}/datasets/big`, (route) => route.fulfill({ json: { dataset: { name: 'big', database: 'main_database', data_processing_strategy: 'universal_processor', files } } }));
    try {
      await page.goto(`${server.url}/projects/${NS}/${PROJECT}/data/big`);
      await page.getByText('10000 file(s)').waitFor();
      const list = page.getByRole('list', { name: 'Files' });
      await list.locator('[data-file="file-0.txt"]').waitFor();
      assert.ok((await list.getByRole('listitem').count()) < 60, 'only the visible rows are in the DOM');
      await page.getByLabel('Files list').evaluate((el) => {
        const box = el as unknown as { scrollTo(o: { top: number }): void; scrollHeight: number };
        box.scrollTo({ top: box.scrollHeight });
      });
      await list.locator('[data-file="file-9999.txt"]').waitFor();
    } finally {
      await page.unroute(`**${P}/datasets/big`);
    }
  });

  await t.test('delete the project with a confirmation that names what goes', async () => {
    await page.goto(server.url + '/projects');
    await page.getByRole('button', { name: `Delete ${PROJECT}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete project “${PROJECT}”?` });
    await dialog.getByText(/1 dataset\(s\) with \d+ uploaded file\(s\)/).waitFor();
    await dialog.getByText('all vectors and chunks in its databases').waitFor();
    const del = dialog.getByRole('button', { name: 'Delete' });
    assert.equal(await del.isDisabled(), true, 'needs the name typed');
    await checkA11y('delete-dialog');
    await dialog.getByLabel('Type the project name to confirm').fill(PROJECT);
    await del.click();
    await page.getByText('No projects yet').waitFor();
    assert.equal((await api(server.url, P)).status, 404);
  });

  await t.test('a 401 asks for an API key, kept in sessionStorage and sent as a Bearer token', async () => {
    // The server here runs without keys; the browser sees the 401 a keyed server gives until the key is right.
    const seen: (string | undefined)[] = [];
    await page.route(`**/v1/projects/${NS}`, (route) => {
      const auth = route.request().headers()['authorization'];
      seen.push(auth);
      if (auth === 'Bearer sk-test-123') return route.continue();
      return route.fulfill({ status: 401, json: { detail: 'A valid API key is required' } });
    });
    try {
      await page.goto(server.url + '/projects');
      const dialog = page.getByRole('dialog', { name: 'API key required' });
      await dialog.waitFor();
      await checkA11y('api-key-dialog');
      await dialog.getByLabel('API key').fill('sk-test-123');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByText('No projects yet').waitFor();
      assert.ok(seen.includes('Bearer sk-test-123'), 'the key is sent');
      assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('lf-api-key')), 'sk-test-123');
      const persisted = await page.evaluate(() => {
        const ls = (globalThis as unknown as { localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null } }).localStorage;
        return Array.from({ length: ls.length }, (_, i) => ls.getItem(ls.key(i) ?? '') ?? '');
      });
      assert.ok(!persisted.some((v) => v.includes('sk-test-123')), 'the key is not persisted in localStorage');
    } finally {
      await page.unroute(`**/v1/projects/${NS}`);
      await page.evaluate(() => (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear());
    }
  });

  await t.test('deep links and unknown pages never show a blank page', async () => {
    await page.goto(`${server.url}/projects/${NS}/gone/config`);
    await page.getByRole('alert').filter({ hasText: 'Could not open this project' }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /not found/i);
    await page.goto(`${server.url}/projects/${NS}`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await checkA11y('not-found');
  });
});
