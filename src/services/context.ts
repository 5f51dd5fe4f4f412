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
import { configureOutbound } from '../core/outbound.js';
import { EventLog } from './events.js';
import { metadataUrlFromEnv, openMetadataStores } from './metadata.js';
import { HealthService, storageProbe } from './health.js';
import { sweepLeftovers } from '../storage/leftovers.js';
import { VersionCheckService } from './version-check.js';
import { openTaskQueue, taskBackendKind, taskQueueSettingsFromEnv } from '../adapters/queues/registry.js';
import type { TaskQueue } from '../adapters/queues/types.js';
import { TasksService } from './tasks.js';
import { RagResources } from './rag/resources.js';
import { evaluateHandler, RAG_EVALUATE } from './eval/evaluate.js';
import { DatasetsService } from './datasets.js';
import { RetrievalService } from './rag/retrieval.js';
import { DatabasesService } from './rag/databases.js';
import { ExamplesService, defaultExamplesDir } from './examples/service.js';
import { createPreparer } from './ingest/prepare-pool.js';
import { modelPathResolver } from './models-cache/index.js';
import { INGEST_DATASET, ingestDatasetHandler } from './ingest/ingest-dataset.js';
import { REINDEX_DATABASE, reindexHandler } from './rag/reindex.js';
import { ChatService } from './chat/service.js';
import { McpClientPool } from './mcp-client/index.js';
import { ApiKeysService } from './api-keys.js';

export interface AppContext {
  settings: Settings;
  log: Logger;
  layout: DataLayout;
  db: SqliteDb;
  projects: ProjectsService;
  events: EventLog;
  health: HealthService;
  versionCheck: VersionCheckService;
  queue: TaskQueue;
  tasks: TasksService;
  resources: RagResources;
  datasets: DatasetsService;
  retrieval: RetrievalService;
  databases: DatabasesService;
  examples: ExamplesService;
  chat: ChatService;
  /** API keys (issue #13): the environment's admin key plus the stored ones. */
  apiKeys: ApiKeysService;
  /** Registers cleanup run by `closeContext` (last registered runs first). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface ContextOptions {
  /**
   * Run queued tasks in this process. Default: yes with the embedded SQLite queue; with a Redis backend
   * (LF_TASK_BACKEND=redis://…) only when LF_API_RUNS_TASKS=1, since `lf worker` processes run them.
   */
  runTasks?: boolean;
  /** Tasks run at once (default LF_TASK_CONCURRENCY, else 1). */
  taskConcurrency?: number;
}

export async function createContext(settings: Settings, log?: Logger, o: ContextOptions = {}): Promise<AppContext> {
  const logger = log ?? pino(loggerOptions(settings.logLevel));
  const layout = new DataLayout(settings.dataDir);
  await mkdir(layout.projectsDir, { recursive: true });
  const swept = await sweepLeftovers(layout.projectsDir);
  if (swept > 0) logger.info({ files: swept }, 'removed temp files left by stopped processes');
  const db = openMetadataDb(layout.metadataDbPath);
  const closers: (() => Promise<void> | void)[] = [() => void db.close()];
  const metadata = await openMetadataStores(db, metadataUrlFromEnv()).catch((e: unknown) => {
    db.close();
    throw e;
  });
  closers.push(() => metadata.close());
  configureOutbound(settings.outboundAllow);
  const projects = new ProjectsService(layout, { defaultTemplate: settings.configTemplate, allowCommands: settings.mcpAllowStdio });
  const events = new EventLog(metadata.events, (ns, p) => layout.configSnapshotsDir(ns, p), logger);
  closers.push(() => events.close());
  projects.onDelete(async (ns, p) => {
    await events.deleteProject(ns, p);
  });
  const health = new HealthService(2000, settings.limits.healthCacheMs);
  health.register('server', () => ({ status: 'healthy', message: 'API process responding' }));
  health.register('storage', storageProbe(layout.projectsDir));
  const versionCheck = new VersionCheckService(settings.releasesUrl, settings.version);

  const resolveModelPath = modelPathResolver(undefined, logger.child({ component: 'models' }));
  const resources = new RagResources(layout, logger, { resolveModelPath });
  closers.push(() => resources.close());
  const preparer = createPreparer();
  closers.push(() => preparer.close());
  const queueSettings = taskQueueSettingsFromEnv();
  const queue = await openTaskQueue({ ...queueSettings, concurrency: o.taskConcurrency ?? queueSettings.concurrency }, db, logger, metadata.postgres);
  closers.push(() => queue.close());
  queue.register(INGEST_DATASET, ingestDatasetHandler({ projects, layout, resources, events, prepare: (i) => preparer.prepare(i), log: logger }));
  queue.register(REINDEX_DATABASE, reindexHandler({ projects, layout, resources, log: logger }));
  const tasks = new TasksService(queue);
  const datasets = new DatasetsService(projects, layout, queue, resources, settings.maxUploadBytes);
  const retrieval = new RetrievalService(projects, resources, { resolveModelPath });
  queue.register(RAG_EVALUATE, evaluateHandler({ search: (ns, p, q) => retrieval.search(ns, p, q) }));
  closers.push(() => retrieval.close());
  const databases = new DatabasesService(projects, resources);
  const examples = new ExamplesService({ root: defaultExamplesDir(), projects, datasets, maxUploadBytes: settings.maxUploadBytes, log: logger });
  // The project's MCP servers as chat tools; closed after chat (closers run last-first).
  const mcp = new McpClientPool({ log: logger, projectDir: (ns, p) => layout.projectDir(ns, p), version: settings.version });
  closers.push(() => mcp.close());
  projects.onDelete((ns, p) => mcp.closeProject(ns, p));
  const chat = new ChatService({ projects, layout, events, sessions: metadata.sessions, retriever: retrieval, tools: mcp });
  closers.push(() => chat.close());
  retrieval.variationGenerator = chat.variationGenerator();
  projects.onDelete((ns, p) => chat.forgetProject(ns, p));
  projects.onDelete(async (ns, p) => {
    await queue.cancelWhere({ namespace: ns, project: p }, `cancelled: project ${ns}/${p} was deleted`);
    await resources.closeProject(ns, p);
  });
  health.register('task_queue', async () => {
    const s = await queue.stats();
    if (s.workers === 0 && queue.service) return { status: 'degraded', message: `no worker is running: start one with \`lf worker\` (${s.pending} queued)`, details: s };
    return { status: s.workers > 0 ? 'healthy' : 'degraded', message: `${s.workers} worker(s), ${s.running} running, ${s.pending} queued`, details: s };
  });
  if (queue.service) health.register(queue.service.name, async () => ({ status: 'healthy', message: await queue.service!.ping() }));
  const runTasks = o.runTasks ?? (taskBackendKind(queueSettings.backend) === 'sqlite' || process.env.LF_API_RUNS_TASKS === '1');
  if (runTasks) await queue.start();
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
    queue,
    tasks,
    resources,
    datasets,
    retrieval,
    databases,
    examples,
    chat,
    apiKeys: new ApiKeysService(metadata.apiKeys, settings.apiKey),
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
