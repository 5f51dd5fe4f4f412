/**
 * Projects (decision 0003): `llamafarm.yaml` files under `$LF_DATA_DIR/projects/{ns}/{p}`. Every config write goes
 * through `mutate`, which holds the project's cross-process lock, validates the whole result before writing, and writes
 * atomically. Other services load configs with `loadConfig` (404 for a missing project, 422 for a broken one).
 * What the API gets back (`get`, `list`, `create`, `update`, `delete`, `mutate`) has its secrets redacted; a
 * write may not add commands (stdio MCP servers) unless `allowCommands` (decisions 0110, 0111).
 */
import { readdir, rm, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { badRequest, conflict, notFound, unprocessable, LfError, type ValidationIssue } from '../core/errors.js';
import { assertResourceName } from '../core/names.js';
import { FileLocks } from '../core/file-lock.js';
import type { DataLayout } from '../storage/layout.js';
import { statSync } from 'node:fs';
import { ConfigFileError, findConfigFile, readConfigFile, writeConfigFile } from '../config/project-file.js';
import { ConfigValidationError, schemaIssues, summarizeIssues, validateConfig, type ConfigIssue } from '../config/validate.js';
import { renderTemplate } from '../config/templates.js';
import type { ProjectConfig } from '../config/schema.js';
import { assertNoNewCommands } from '../config/commands.js';
import { configOutboundIssues } from '../config/outbound-urls.js';
import { redactSecrets, restoreSecrets } from '../config/secrets.js';

export const RESERVED_NAMESPACE = 'llamafarm';

export interface ProjectInfo {
  namespace: string;
  name: string;
  config: Record<string, unknown>;
  validation_error?: string;
  last_modified?: string;
}

/** Called before a project's folder is removed (cancel tasks, drop stores, forget sessions and events). */
export type ProjectDeletionHook = (namespace: string, project: string) => Promise<void> | void;

function localIso(ms: number): string {
  const d = new Date(ms);
  const off = d.getTimezoneOffset() * 60000;
  return new Date(ms - off).toISOString().slice(0, 19);
}

/** `rag.databases[0].type` → ['rag', 'databases', 0, 'type'] */
function pathToLoc(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

export function configIssuesToValidation(issues: ConfigIssue[], prefix: (string | number)[]): ValidationIssue[] {
  return issues.map((i) => ({ loc: [...prefix, ...pathToLoc(i.path)], msg: i.path ? `${i.path}: ${i.message}` : i.message, type: 'value_error' }));
}

/** Parsed configs kept at most (least recently read dropped first). */
const MAX_CACHED_CONFIGS = 256;

/** Which version of a file this is: saves are atomic renames, so each changes the inode (and usually mtime/size). */
function fileVersion(path: string): string | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : undefined;
}

export class ProjectsService {
  /**
   * Parsing and validating `llamafarm.yaml` costs milliseconds, a `stat` microseconds: a project's info is reused
   * while its file keeps the same version. Callers get copies, so nothing they change leaks into the cache.
   */
  private readonly infoCache = new Map<string, { path: string; version: string; info: ProjectInfo }>();

  /** Config writes hold this lock: one writer per project across every process on the data dir. */
  private readonly locks = new FileLocks();
  private readonly deletionHooks: ProjectDeletionHook[] = [];

  constructor(
    private readonly layout: DataLayout,
    private readonly opts: { defaultTemplate: string; allowCommands?: boolean },
  ) {}

  onDelete(hook: ProjectDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  /** Runs `fn` holding the project's cross-process lock (`projects/<ns>/.<project>.lock`, beside its folder). */
  private withLock<T>(namespace: string, project: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(join(this.layout.namespaceDir(namespace), `.${project}.lock`), fn);
  }

  private checkNames(namespace: string, project?: string): void {
    assertResourceName(namespace, ['path', 'namespace']);
    if (project !== undefined) assertResourceName(project, ['path', 'project']);
  }

  async exists(namespace: string, project: string): Promise<boolean> {
    this.checkNames(namespace, project);
    try {
      return (await stat(this.layout.projectDir(namespace, project))).isDirectory();
    } catch {
      return false;
    }
  }

  private async requireDir(namespace: string, project: string): Promise<string> {
    if (!(await this.exists(namespace, project))) throw notFound(`Project ${namespace}/${project} not found`);
    return this.layout.projectDir(namespace, project);
  }

  private async readInfo(namespace: string, project: string): Promise<ProjectInfo> {
    const dir = await this.requireDir(namespace, project);
    const key = `${namespace}/${project}`;
    const hit = this.infoCache.get(key);
    if (hit && fileVersion(hit.path) === hit.version) return structuredClone(hit.info);
    // The version is taken before reading: a save racing with the read makes it stale, never the cache.
    const path = await findConfigFile(dir);
    const version = path ? fileVersion(path) : undefined;
    const info = await this.readInfoFromFile(namespace, project, dir);
    this.infoCache.delete(key);
    if (path && version) {
      this.infoCache.set(key, { path, version, info: structuredClone(info) });
      if (this.infoCache.size > MAX_CACHED_CONFIGS) this.infoCache.delete(this.infoCache.keys().next().value as string);
    }
    return info;
  }

  private async readInfoFromFile(namespace: string, project: string, dir: string): Promise<ProjectInfo> {
    let file;
    try {
      file = await readConfigFile(dir);
    } catch (e) {
      if (e instanceof ConfigFileError) throw unprocessable(e.message);
      throw e;
    }
    const info: ProjectInfo = { namespace, name: project, config: file.raw as Record<string, unknown>, last_modified: localIso(file.mtimeMs) };
    const issues = schemaIssues(file.raw);
    if (issues.length) info.validation_error = summarizeIssues(issues);
    return info;
  }

  async list(namespace: string): Promise<ProjectInfo[]> {
    this.checkNames(namespace);
    let names: string[];
    try {
      names = (await readdir(this.layout.namespaceDir(namespace), { withFileTypes: true }))
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
    const out: ProjectInfo[] = [];
    for (const name of names) {
      try {
        out.push(redactInfo(await this.readInfo(namespace, name)));
      } catch {
        /* skip folders without a readable config (and names outside the rules) */
      }
    }
    return out;
  }

  async get(namespace: string, project: string): Promise<ProjectInfo> {
    return redactInfo(await this.readInfo(namespace, project));
  }

  /** The validated config of an existing project: 404 when missing, 422 when the file is broken or invalid. */
  async loadConfig(namespace: string, project: string): Promise<ProjectConfig> {
    const info = await this.readInfo(namespace, project);
    if (info.validation_error) throw unprocessable(`Invalid project configuration: ${info.validation_error}`);
    return info.config as ProjectConfig;
  }

  async create(namespace: string, name: string, template?: string | null): Promise<ProjectInfo> {
    this.checkNames(namespace);
    if (namespace === RESERVED_NAMESPACE) throw badRequest(`Namespace ${RESERVED_NAMESPACE} is reserved`);
    assertResourceName(name, ['body', 'name']);
    const rendered = await renderTemplate(template || this.opts.defaultTemplate, namespace, name, this.layout.templatesDir);
    return this.withLock(namespace, name, async () => {
      if (await this.exists(namespace, name)) throw conflict(`Project ${namespace}/${name} already exists`);
      try {
        validateConfig(rendered.config);
      } catch (e) {
        if (e instanceof ConfigValidationError) throw new LfError('internal', `Template '${rendered.name}' is invalid: ${e.message}`);
        throw e;
      }
      assertNoNewCommands(rendered.config, undefined, this.opts.allowCommands === true);
      const urlIssues = configOutboundIssues(rendered.config, ['template']);
      if (urlIssues.length) throw unprocessable(urlIssues);
      const dir = this.layout.projectDir(namespace, name);
      await mkdir(dir, { recursive: true });
      await writeConfigFile(dir, rendered.config, { templateText: rendered.text });
      return redactInfo(await this.readInfo(namespace, name));
    });
  }

  /** PUT: full replacement after full validation; the body's name/namespace must match the path. */
  async update(namespace: string, project: string, config: unknown): Promise<ProjectInfo> {
    await this.requireDir(namespace, project);
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw unprocessable([{ loc: ['body', 'config'], msg: 'Input should be a valid dictionary', type: 'dict_type' }]);
    }
    const c = config as Record<string, unknown>;
    if (c.name !== undefined && c.name !== project) throw badRequest(`config.name '${String(c.name)}' does not match the project '${project}' in the path`);
    if (c.namespace !== undefined && c.namespace !== namespace) {
      throw badRequest(`config.namespace '${String(c.namespace)}' does not match the namespace '${namespace}' in the path`);
    }
    const full = { ...c, name: project, namespace };
    // Placeholders sent back (GET → PUT) keep the stored secrets.
    return this.mutate(namespace, project, (current) => restoreSecrets(full, current, ['body', 'config']), ['body', 'config']);
  }

  /**
   * Read-modify-write under the project lock. `change` gets the current validated config (a copy) and returns
   * the new one (or mutates and returns nothing). The result is validated before anything is written.
   */
  async mutate(
    namespace: string,
    project: string,
    change: (config: ProjectConfig) => ProjectConfig | Record<string, unknown> | void | Promise<ProjectConfig | Record<string, unknown> | void>,
    issueLoc: (string | number)[] = ['body'],
  ): Promise<ProjectInfo> {
    return this.withLock(namespace, project, async () => {
      const current = await this.loadConfig(namespace, project);
      const copy = structuredClone(current);
      const next = ((await change(copy)) ?? copy) as Record<string, unknown>;
      assertNoNewCommands(next, current, this.opts.allowCommands === true);
      const urlIssues = configOutboundIssues(next, issueLoc);
      if (urlIssues.length) throw unprocessable(urlIssues);
      let valid: ProjectConfig;
      try {
        valid = validateConfig(next);
      } catch (e) {
        if (e instanceof ConfigValidationError) throw unprocessable(configIssuesToValidation(e.issues, issueLoc));
        throw e;
      }
      await writeConfigFile(this.layout.projectDir(namespace, project), valid as Record<string, unknown>);
      return redactInfo(await this.readInfo(namespace, project));
    });
  }

  /** Really deletes the project (config, files, vectors, sessions, events) and returns it as it was. */
  async delete(namespace: string, project: string): Promise<ProjectInfo> {
    const dir = await this.requireDir(namespace, project);
    return this.withLock(namespace, project, async () => {
      let info: ProjectInfo;
      try {
        info = await this.readInfo(namespace, project);
      } catch (e) {
        if (!(e instanceof LfError) || e.kind !== 'validation') throw e;
        info = { namespace, name: project, config: {} };
      }
      for (const hook of this.deletionHooks) await hook(namespace, project);
      await rm(dir, { recursive: true, force: true });
      return redactInfo(info);
    });
  }
}

/** A project as the API shows it: secrets in its config replaced by the placeholder. */
function redactInfo(info: ProjectInfo): ProjectInfo {
  return { ...info, config: redactSecrets(info.config) };
}
