/**
 * Validated project configs for the chat hot path. Parsing and validating `llamafarm.yaml` costs milliseconds;
 * a `stat` costs microseconds. A config is reused while its file keeps the same inode, mtime and size (saves are
 * atomic renames, so every save changes the inode); anything else — and every error — goes through
 * `ProjectsService.loadConfig`, which keeps the 404/422 rules.
 */
import { statSync } from 'node:fs';
import { findConfigFile } from '../../config/project-file.js';
import type { ProjectConfig } from '../../config/schema.js';
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';

const MAX_ENTRIES = 256;

interface Entry {
  path: string;
  version: string;
  config: ProjectConfig;
}

export class ConfigCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly projects: Pick<ProjectsService, 'loadConfig'>,
    private readonly layout: DataLayout,
  ) {}

  async get(ns: string, project: string): Promise<ProjectConfig> {
    const key = `${ns}/${project}`;
    const hit = this.entries.get(key);
    // One synchronous stat of the file we read last time (microseconds; no thread-pool round trip).
    if (hit && versionOf(hit.path) === hit.version) return hit.config;
    const path = await this.findFile(ns, project);
    const version = path ? versionOf(path) : undefined;
    const config = await this.projects.loadConfig(ns, project);
    this.entries.delete(key);
    if (path && version) {
      this.entries.set(key, { path, version, config });
      if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    }
    return config;
  }

  private async findFile(ns: string, project: string): Promise<string | undefined> {
    try {
      return await findConfigFile(this.layout.projectDir(ns, project));
    } catch {
      return undefined;
    }
  }
}

function versionOf(path: string): string | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : undefined;
}
