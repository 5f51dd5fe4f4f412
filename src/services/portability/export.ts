/**
 * Project export (issue 18 item 7): a `.tar.gz` of the project — its config, and on request its dataset files,
 * vector stores, sessions and judgments — with `manifest.json` first, giving the format version, the server
 * version and the size and sha256 of every other member. The project is copied to a staging folder first (so
 * the archive is one consistent snapshot and the manifest can name every checksum before the members stream),
 * then streamed; the staging folder is removed when the stream ends.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { create as tarCreate } from 'tar';
import { badRequest, notFound } from '../../core/errors.js';
import { safeJoin } from '../../core/names.js';
import type { DataLayout } from '../../storage/layout.js';
import type { SessionStore } from '../chat/sessions.js';
import type { ProjectsService } from '../projects.js';

export const ARCHIVE_FORMAT = 'llamafarm-project';
export const ARCHIVE_FORMAT_VERSION = 1;
export const EXPORT_PARTS = ['files', 'vectors', 'sessions', 'judgments'] as const;
export type ExportPart = (typeof EXPORT_PARTS)[number];

export interface ManifestMember {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  format_version: number;
  server_version: string;
  namespace: string;
  project: string;
  created_at: string;
  include: ExportPart[];
  members: ManifestMember[];
}

export function parseInclude(v: string | undefined): ExportPart[] {
  if (v === undefined || v.trim() === '') return ['files', 'sessions', 'judgments'];
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = parts.filter((p) => !(EXPORT_PARTS as readonly string[]).includes(p));
  if (bad.length) throw badRequest(`Unknown include value(s) ${bad.map((b) => `'${b}'`).join(', ')}; allowed: ${EXPORT_PARTS.join(', ')}`);
  return [...new Set(parts)] as ExportPart[];
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(root);
  return out.sort();
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface ExportDeps {
  layout: DataLayout;
  projects: Pick<ProjectsService, 'exists'>;
  sessions: SessionStore;
  version: string;
}

/** The archive as a stream, and its file name. */
export async function exportProject(deps: ExportDeps, ns: string, project: string, include: ExportPart[]): Promise<{ stream: Readable; filename: string }> {
  if (!(await deps.projects.exists(ns, project))) throw notFound(`Project ${ns}/${project} not found`);
  const src = deps.layout.projectDir(ns, project);
  await mkdir(deps.layout.dataDir, { recursive: true });
  const stage = await mkdtemp(join(deps.layout.dataDir, '.export-'));
  try {
    const proj = join(stage, 'project');
    await mkdir(proj);
    for (const name of ['llamafarm.yaml', 'llamafarm.yml', 'llamafarm.json']) {
      if (await exists(join(src, name))) await cp(join(src, name), join(proj, name));
    }
    const copy = async (rel: string) => {
      const from = safeJoin(src, rel);
      if (await exists(from)) await cp(from, join(proj, rel), { recursive: true });
    };
    if (include.includes('files')) await copy(join('lf_data', 'datasets'));
    if (include.includes('vectors')) await copy(join('lf_data', 'stores'));
    if (include.includes('judgments')) await copy(join('lf_data', 'judgments.jsonl'));
    if (include.includes('sessions')) {
      const sessions = [];
      for (const id of await deps.sessions.ids(ns, project)) {
        const h = await deps.sessions.load(ns, project, id);
        if (h) sessions.push({ id, seed_count: h.seedCount, messages: h.messages });
      }
      await writeFile(join(stage, 'sessions.json'), JSON.stringify({ sessions }));
    }
    const members: ManifestMember[] = [];
    for (const file of await filesUnder(stage)) {
      members.push({ path: relative(stage, file).split(sep).join('/'), size: (await stat(file)).size, sha256: await sha256File(file) });
    }
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      format_version: ARCHIVE_FORMAT_VERSION,
      server_version: deps.version,
      namespace: ns,
      project,
      created_at: new Date().toISOString(),
      include,
      members,
    };
    await writeFile(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const stream = tarCreate({ gzip: true, cwd: stage, portable: true, noDirRecurse: false }, ['manifest.json', ...members.map((m) => m.path)]) as unknown as Readable;
    const cleanup = () => void rm(stage, { recursive: true, force: true });
    stream.once('end', cleanup);
    stream.once('error', cleanup);
    stream.once('close', cleanup);
    return { stream, filename: `${ns}-${project}.lfproject.tar.gz` };
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw e;
  }
}
