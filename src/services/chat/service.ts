/**
 * The chat service (original §3.3, decision 0007): starts turns for chat completion requests and answers the
 * session and model-list endpoints. No HTTP here: the route maps headers to `BeginOptions` and frames output.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import { badRequest, notFound } from '../../core/errors.js';
import type { EventLog } from '../events.js';
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import { ConfigCache } from './config-cache.js';
import { InferenceEvent } from './inference-event.js';
import { listModels, selectModel, type ListedModel } from './models.js';
import { normaliseRequest, type ChatCompletionBody } from './request.js';
import { RuntimePool } from './runtime-pool.js';
import { SESSION_ID_PATTERN, type SessionStore } from './sessions.js';
import { recordChatRagQuery } from './query-history.js';
import { ChatTurn } from './turn.js';
import { modelVariationGenerator } from './variations.js';
import type { ChatRetriever, ChatToolProvider } from './types.js';

export interface ChatServiceDeps {
  projects: Pick<ProjectsService, 'loadConfig' | 'exists'>;
  /** Enables the config cache (configs re-read only when their file changes). */
  layout?: DataLayout;
  events: EventLog;
  sessions: SessionStore;
  runtimes?: RuntimePool;
  retriever?: ChatRetriever;
  /** Server-side tools (MCP, a later issue). */
  tools?: ChatToolProvider;
}

export interface BeginOptions {
  namespace: string;
  project: string;
  body: ChatCompletionBody;
  /** Stateless (`X-No-Session`): no session id, nothing stored. */
  stateless: boolean;
  /** The client's session id (`X-Session-ID`); a new one is made when absent. */
  sessionId?: string;
}

export class ChatService {
  readonly sessions: SessionStore;
  private readonly runtimes: RuntimePool;
  private readonly configs: Pick<ConfigCache, 'get'>;

  constructor(private readonly deps: ChatServiceDeps) {
    this.sessions = deps.sessions;
    this.runtimes = deps.runtimes ?? new RuntimePool();
    this.configs = deps.layout ? new ConfigCache(deps.projects, deps.layout) : { get: (ns, p) => deps.projects.loadConfig(ns, p) };
  }

  /** Validates the request against the project (404/422 project, 400 model or session id) and starts a turn. */
  async begin(o: BeginOptions): Promise<ChatTurn> {
    const config = await this.configs.get(o.namespace, o.project);
    const input = normaliseRequest(o.body);
    let sessionId: string | undefined;
    if (!o.stateless) {
      const given = o.sessionId?.trim();
      if (given && !SESSION_ID_PATTERN.test(given)) throw badRequest('X-Session-ID must be 1-128 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"');
      sessionId = given || randomUUID();
    }
    const model = selectModel(config, input.model);
    const runtime = this.runtimes.get(model);
    const event = new InferenceEvent(this.deps.events.start({ namespace: o.namespace, project: o.project, type: 'inference', config }));
    event.received({ messageCount: input.messages.length, model: model.name, ragEnabled: input.rag.enabled, stream: input.stream, sessionId });
    return new ChatTurn(
      { sessions: this.sessions, retriever: this.deps.retriever, tools: this.deps.tools, onRagQuery: (q) => recordChatRagQuery(this.deps.events, q) },
      { namespace: o.namespace, project: o.project, config, model, runtime, input, sessionId, event },
    );
  }

  /** The stored messages of a session (seed prompts first); 404 for an unknown session or project. */
  async history(ns: string, project: string, sessionId: string): Promise<ChatMessage[]> {
    await this.requireProject(ns, project);
    const h = SESSION_ID_PATTERN.test(sessionId) ? await this.sessions.load(ns, project, sessionId) : undefined;
    if (!h) throw notFound(`Session ${sessionId} not found`);
    return h.messages;
  }

  async deleteSession(ns: string, project: string, sessionId: string): Promise<void> {
    await this.requireProject(ns, project);
    const deleted = SESSION_ID_PATTERN.test(sessionId) && (await this.sessions.delete(ns, project, sessionId));
    if (!deleted) throw notFound(`Session ${sessionId} not found`);
  }

  /** Deletes every session of the project; returns how many. */
  async deleteAllSessions(ns: string, project: string): Promise<number> {
    await this.requireProject(ns, project);
    return this.sessions.deleteProject(ns, project);
  }

  async models(ns: string, project: string): Promise<ListedModel[]> {
    return listModels(await this.configs.get(ns, project));
  }

  /** Query rewrites by a project's default model, for the retrieval service's MultiQueryStrategy. */
  variationGenerator(): ReturnType<typeof modelVariationGenerator> {
    return modelVariationGenerator(this.runtimes);
  }

  /** Forgets a deleted project's sessions (a project deletion hook). */
  async forgetProject(ns: string, project: string): Promise<void> {
    await this.sessions.deleteProject(ns, project);
  }

  async close(): Promise<void> {
    await this.runtimes.close();
  }

  private async requireProject(ns: string, project: string): Promise<void> {
    if (!(await this.deps.projects.exists(ns, project))) throw notFound(`Project ${ns}/${project} not found`);
  }
}
