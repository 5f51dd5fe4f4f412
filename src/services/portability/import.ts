/**
 * Project import (issue 18 item 7). Everything is checked before the project appears: the upload is capped, the
 * archive is unpacked into a staging folder inside the data dir with every member path confined (no absolute
 * paths, no `..`, only plain files and folders, bounded count and size), the manifest's format version must be
 * one this server reads, every member must match its manifest size and sha256 and nothing unlisted may be
 * present, and the config must validate under its new name. Only then is the staged folder renamed into place
 * and the sessions restored. Any failure removes the staging folder: a bad archive leaves nothing behind.
 * Without vectors in the archive, the datasets are re-ingested (one task per dataset).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar';
import { readConfigFile, writeConfigFile } from '../../config/project-file.js';
import { ConfigValidationError, validateConfig } from '../../config/validate.js';
import { badRequest, conflict, LfError, unprocessable } from '../../core/errors.js';
import { assertResourceName } from '../../core/names.js';
import type { DataLayout } from '../../storage/layout.js';
import type { StoredMessage, SessionStore } from '../chat/sessions.js';
import type { ProjectsService } from '../projects.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, sha256File, type Manifest } from './export.js';

export const MAX_ARCHIVE_MEMBERS = 100_000;

export interface ImportDeps {
  layout: DataLayout;
  projects: Pick<ProjectsService, 'exists'>;
  sessions: SessionStore;
  /** Starts processing a dataset; returns the task id. */
  processDataset: (ns: string, project: string, dataset: string) => Promise<string>;
  maxArchiveBytes: number;
  /** Unpacked bytes at most (default 4 × the archive cap). */
  maxUnpackedBytes?: number;
}

export interface ImportResult {
  namespace: string;
  project: string;
  imported_from: { namespace: string; project: string; server_version: string };
  include: string[];
  sessions: number;
  /** Re-ingestion tasks (archives without vectors). */
  task_ids: string[];
}

/** Names being imported right now: a second import of the same name is a 409, not a race. */
const importing = new Set<string>();

const bad = (msg: string) => badRequest(`Invalid archive: ${msg}`);

/** A member path the archive may hold: relative, `/`-separated, no `.`/`..`/empty segments, no backslashes. */
export function confinedPath(p: string): boolean {
  const clean = p.replace(/\/+$/, '');
  if (!clean || clean.startsWith('/') || clean.includes('\\') || clean.includes('\0') || /^[A-Za-z]:/.test(clean)) return false;
  return clean.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  await walk(root);
  return out;
}

/** Unpacks into `dir`, refusing the whole archive on the first unsafe member. */
async function unpack(archive: string, dir: string, maxUnpacked: number): Promise<void> {
  let problem: string | undefined;
  let members = 0;
  let bytes = 0;
  try {
    await tarExtract({
      file: archive,
      cwd: dir,
      strict: true,
      preservePaths: false,
      filter: (path, entry) => {
        const type = (entry as { type?: string }).type;
        members++;
        bytes += (entry as { size?: number }).size ?? 0;
        if (problem) return false;
        if (!confinedPath(path)) problem = `member '${path}' is outside the archive root`;
        else if (type !== 'File' && type !== 'Directory' && type !== 'OldFile' && type !== 'ContiguousFile') problem = `member '${path}' is a ${type}; only files and folders are allowed`;
        else if (members > MAX_ARCHIVE_MEMBERS) problem = `more than ${MAX_ARCHIVE_MEMBERS} members`;
        else if (bytes > maxUnpacked) problem = `unpacks to more than ${maxUnpacked} bytes`;
        return problem === undefined;
      },
    });
  } catch (e) {
    if (problem) throw bad(problem);
    throw bad(`cannot be read as .tar.gz (${e instanceof Error ? e.message : String(e)})`);
  }
  if (problem) throw bad(problem);
}

async function readManifest(dir: string): Promise<Manifest> {
  let m: Manifest;
  try {
    m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw bad('manifest.json is missing or not JSON');
  }
  if (m.format !== ARCHIVE_FORMAT) throw bad(`not a LlamaFarm project archive (format '${String(m.format)}')`);
  if (typeof m.format_version !== 'number' || m.format_version > ARCHIVE_FORMAT_VERSION) {
    throw bad(`format version ${String(m.format_version)} is newer than this server reads (${ARCHIVE_FORMAT_VERSION}); upgrade the server (the archive came from LlamaFarm ${String(m.server_version)})`);
  }
  if (!Array.isArray(m.members)) throw bad('manifest.json lists no members');
  return m;
}

async function verifyMembers(dir: string, m: Manifest): Promise<void> {
  const listed = new Map(m.members.map((x) => [x.path, x]));
  const present = (await listFiles(dir)).filter((p) => p !== 'manifest.json');
  for (const p of present) if (!listed.has(p)) throw bad(`member '${p}' is not in the manifest`);
  for (const x of m.members) {
    if (typeof x.path !== 'string' || !confinedPath(x.path)) throw bad(`manifest member '${String(x.path)}' is outside the archive root`);
    const st = await stat(join(dir, x.path)).catch(() => undefined);
    if (!st?.isFile()) throw bad(`member '${x.path}' is missing (truncated archive?)`);
    if (st.size !== x.size || (await sha256File(join(dir, x.path))) !== x.sha256) throw bad(`member '${x.path}' does not match its checksum`);
  }
}

interface ArchivedSession {
  id: string;
  seed_count: number;
  messages: StoredMessage[];
}

export async function importProject(deps: ImportDeps, ns: string, upload: Readable, requestedName?: string): Promise<ImportResult> {
  assertResourceName(ns, ['path', 'namespace']);
  if (requestedName !== undefined) assertResourceName(requestedName, ['body', 'name']);
  await mkdir(deps.layout.dataDir, { recursive: true });
  const stage = await mkdtemp(join(deps.layout.dataDir, '.import-'));
  let reserved: string | undefined;
  try {
    const archive = join(stage, 'archive.tar.gz');
    let received = 0;
    const counter = async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        received += chunk.length;
        if (received > deps.maxArchiveBytes) throw new LfError('payload_too_large', `The archive exceeds the limit of ${deps.maxArchiveBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
        yield chunk;
      }
    };
    await pipeline(upload, counter, createWriteStream(archive));
    if ((upload as { truncated?: boolean }).truncated) throw new LfError('payload_too_large', `The archive exceeds the limit of ${deps.maxArchiveBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
    const dir = join(stage, 'unpacked');
    await mkdir(dir);
    await unpack(archive, dir, deps.maxUnpackedBytes ?? deps.maxArchiveBytes * 4);
    await rm(archive, { force: true });
    const manifest = await readManifest(dir);
    await verifyMembers(dir, manifest);

    const name = requestedName ?? manifest.project;
    assertResourceName(name, ['body', 'name']);
    const key = `${ns}/${name}`;
    // Reserve the name before any await, so two imports of one name cannot both pass the check.
    if (importing.has(key)) throw conflict(`Project ${ns}/${name} already exists (being imported)`);
    importing.add(key);
    reserved = key;
    if (await deps.projects.exists(ns, name)) throw conflict(`Project ${ns}/${name} already exists`);

    const projDir = join(dir, 'project');
    let config: Record<string, unknown>;
    try {
      config = (await readConfigFile(projDir)).raw as Record<string, unknown>;
    } catch (e) {
      throw bad(`project config: ${e instanceof Error ? e.message : String(e)}`);
    }
    const renamed: Record<string, unknown> = { ...config, name, namespace: ns };
    try {
      validateConfig(renamed);
    } catch (e) {
      if (e instanceof ConfigValidationError) throw unprocessable(e.issues.map((i) => ({ loc: ['archive', 'llamafarm.yaml', ...(i.path ? [i.path] : [])], msg: i.message, type: 'value_error' })));
      throw e;
    }
    let sessions: ArchivedSession[] = [];
    if (manifest.members.some((x) => x.path === 'sessions.json')) {
      try {
        sessions = (JSON.parse(await readFile(join(dir, 'sessions.json'), 'utf8')) as { sessions: ArchivedSession[] }).sessions;
        if (!Array.isArray(sessions)) throw new Error('not a list');
      } catch (e) {
        throw bad(`sessions.json: ${e instanceof Error ? e.message : String(e)}`);
      }
      for (const s of sessions) if (typeof s.id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(s.id) || !Array.isArray(s.messages)) throw bad('sessions.json holds an invalid session');
    }
    await writeConfigFile(projDir, renamed);

    // Everything checked: move into place (same file system, one rename), then restore sessions.
    const target = deps.layout.projectDir(ns, name);
    await mkdir(deps.layout.namespaceDir(ns), { recursive: true });
    if (await deps.projects.exists(ns, name)) throw conflict(`Project ${ns}/${name} already exists`);
    try {
      await rename(projDir, target);
    } catch (e) {
      // Created meanwhile (POST /v1/projects/{ns} between the check and the rename): the existing one stays.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw conflict(`Project ${ns}/${name} already exists`);
      throw e;
    }
    for (const s of sessions) if (s.messages.length) await deps.sessions.append(ns, name, s.id, s.messages, s.seed_count);

    const tasks: string[] = [];
    const hasVectors = manifest.include.includes('vectors');
    if (!hasVectors && manifest.include.includes('files')) {
      const datasets = (renamed.datasets as { name: string }[] | undefined) ?? [];
      for (const d of datasets) tasks.push(await deps.processDataset(ns, name, d.name));
    }
    return {
      namespace: ns,
      project: name,
      imported_from: { namespace: manifest.namespace, project: manifest.project, server_version: manifest.server_version },
      include: manifest.include,
      sessions: sessions.length,
      task_ids: tasks,
    };
  } finally {
    if (reserved) importing.delete(reserved);
    // Retried: after a failed unpack the extractor may still be finishing a file in the staging folder.
    await rm(stage, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => {});
  }
}
