/**
 * Prompts API (issue 18 item 5): the named prompt sets of `llamafarm.yaml`'s `prompts` section, read and changed
 * one at a time. Every change goes through `ProjectsService.mutate` (project lock, whole-config validation,
 * atomic write), so the API can never save a config the PUT of the whole project would refuse. Bare prompt
 * messages (an older form without a name) are kept as they are and not listed.
 */
import type { ModelConfig, ProjectConfig, PromptMessage, PromptSet } from '../config/schema.js';
import { conflict, notFound } from '../core/errors.js';
import type { ProjectsService } from './projects.js';

export interface PromptInfo {
  name: string;
  messages: PromptMessage[];
  /** Models that name this set in their `prompts` (models naming none use every set). */
  used_by: string[];
}

type Entry = NonNullable<ProjectConfig['prompts']>[number];
const isSet = (e: Entry): e is PromptSet => 'messages' in e;

function models(config: ProjectConfig): ModelConfig[] {
  return (config.runtime?.models ?? []) as ModelConfig[];
}

function infoOf(config: ProjectConfig, set: PromptSet): PromptInfo {
  return { name: set.name, messages: set.messages, used_by: models(config).filter((m) => m.prompts?.includes(set.name)).map((m) => m.name) };
}

export class PromptsService {
  constructor(private readonly projects: Pick<ProjectsService, 'loadConfig' | 'mutate'>) {}

  async list(ns: string, project: string): Promise<PromptInfo[]> {
    const config = await this.projects.loadConfig(ns, project);
    return (config.prompts ?? []).filter(isSet).map((s) => infoOf(config, s));
  }

  async get(ns: string, project: string, name: string): Promise<PromptInfo> {
    const config = await this.projects.loadConfig(ns, project);
    const set = (config.prompts ?? []).filter(isSet).find((s) => s.name === name);
    if (!set) throw notFound(`Prompt '${name}' not found`);
    return infoOf(config, set);
  }

  /** Adds a prompt set (409 when the name exists; 422 when the config would be invalid). */
  async create(ns: string, project: string, set: PromptSet): Promise<PromptInfo> {
    const info = await this.projects.mutate(
      ns,
      project,
      (config) => {
        const list = config.prompts ?? [];
        if (list.some((e) => isSet(e) && e.name === set.name)) throw conflict(`Prompt '${set.name}' already exists`);
        config.prompts = [...list, { name: set.name, messages: set.messages }];
      },
      ['body'],
    );
    return this.pick(info.config as ProjectConfig, set.name);
  }

  /** Replaces a prompt set's messages (404 when it does not exist). */
  async update(ns: string, project: string, name: string, messages: PromptMessage[]): Promise<PromptInfo> {
    const info = await this.projects.mutate(
      ns,
      project,
      (config) => {
        const list = config.prompts ?? [];
        const i = list.findIndex((e) => isSet(e) && e.name === name);
        if (i < 0) throw notFound(`Prompt '${name}' not found`);
        list[i] = { name, messages };
      },
      ['body'],
    );
    return this.pick(info.config as ProjectConfig, name);
  }

  /** Removes a prompt set; 409 naming the models whose `prompts` still name it. */
  async delete(ns: string, project: string, name: string): Promise<PromptInfo> {
    let removed: PromptInfo | undefined;
    await this.projects.mutate(ns, project, (config) => {
      const list = config.prompts ?? [];
      const set = list.filter(isSet).find((s) => s.name === name);
      if (!set) throw notFound(`Prompt '${name}' not found`);
      removed = infoOf(config, set);
      if (removed.used_by.length) {
        const names = removed.used_by.map((m) => `'${m}'`).join(', ');
        throw conflict(`Cannot delete prompt '${name}': model(s) ${names} use it. Remove it from their \`prompts\` first`);
      }
      config.prompts = list.filter((e) => e !== set);
    });
    return removed!;
  }

  private pick(config: ProjectConfig, name: string): PromptInfo {
    return infoOf(config, (config.prompts ?? []).filter(isSet).find((s) => s.name === name)!);
  }
}
