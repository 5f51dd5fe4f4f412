/**
 * The application context: settings, storage and the services, wired once per process and handed to the API,
 * the CLI and workers. Closing it closes what it opened, in reverse order.
 */
import pino, { type Logger } from 'pino';
import { mkdir } from 'node:fs/promises';
import type { Settings } from '../core/settings.js';
import { loggerOptions } from '../core/logger.js';
import { DataLayout } from '../storage/layout.js';
import { openMetadataDb, type SqliteDb } from '../storage/sqlite.js';
import { ProjectsService } from './projects.js';
import { EventLog } from './events.js';
import { HealthService, storageProbe } from './health.js';
import { VersionCheckService } from './version-check.js';

export interface AppContext {
  settings: Settings;
  log: Logger;
  layout: DataLayout;
  db: SqliteDb;
  projects: ProjectsService;
  events: EventLog;
  health: HealthService;
  versionCheck: VersionCheckService;
  /** Registers cleanup run by `closeContext` (last registered runs first). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export async function createContext(settings: Settings, log?: Logger): Promise<AppContext> {
  const logger = log ?? pino(loggerOptions(settings.logLevel));
  const layout = new DataLayout(settings.dataDir);
  await mkdir(layout.projectsDir, { recursive: true });
  const db = openMetadataDb(layout.metadataDbPath);
  const closers: (() => Promise<void> | void)[] = [() => void db.close()];
  const projects = new ProjectsService(layout, { defaultTemplate: settings.configTemplate });
  const events = new EventLog(db, (ns, p) => layout.configSnapshotsDir(ns, p));
  projects.onDelete((ns, p) => void events.deleteProject(ns, p));
  const health = new HealthService();
  health.register('server', () => ({ status: 'healthy', message: 'API process responding' }));
  health.register('storage', storageProbe(layout.projectsDir));
  const versionCheck = new VersionCheckService(settings.releasesUrl, settings.version);
  let closed = false;
  return {
    settings,
    log: logger,
    layout,
    db,
    projects,
    events,
    health,
    versionCheck,
    onClose: (fn) => closers.push(fn),
    async close() {
      if (closed) return;
      closed = true;
      for (const fn of closers.reverse()) {
        try {
          await fn();
        } catch (e) {
          logger.warn({ err: e }, 'error while closing');
        }
      }
    },
  };
}
