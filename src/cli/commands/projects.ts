/** `lf projects list|create|get|delete`. */
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { canAsk, confirm } from '../confirm.js';
import { projectPath } from '../http.js';
import { printJson, printTable, println } from '../output.js';
import { registerProjectArchive } from './project-archive.js';

interface Project {
  namespace: string;
  name: string;
  config?: Record<string, any>;
}

/** The name of the model chat uses by default (`runtime.default_model`, else the first, else the legacy form). */
export function defaultModelOf(config: Record<string, any> | undefined): string {
  const runtime = config?.runtime ?? {};
  const models: Array<{ name?: string; provider?: string; model?: string }> = runtime.models ?? [];
  const chosen = models.find((m) => m.name === runtime.default_model) ?? models[0];
  if (chosen) return `${chosen.name} (${chosen.provider}: ${chosen.model})`;
  return runtime.model ? `${runtime.provider ?? '?'}: ${runtime.model}` : '';
}

export function registerProjects(program: Command): void {
  const projects = program.command('projects').description('list, create, show and delete projects');

  projects
    .command('list')
    .description('list the projects of the namespace')
    .action(async (_o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.get<{ total: number; projects: Project[] }>(`/v1/projects/${encodeURIComponent(ctx.namespace)}`);
      if (ctx.json) return printJson(res);
      printTable(
        ['NAME', 'DEFAULT MODEL', 'DATASETS', 'DATABASES'],
        res.projects.map((p) => [p.name, defaultModelOf(p.config), p.config?.datasets?.length ?? 0, (p.config?.rag?.databases ?? []).map((d: any) => d.name).join(', ')]),
        `no projects in namespace '${ctx.namespace}'`,
      );
    });

  projects
    .command('create <name>')
    .description('create a project from a template')
    .option('-t, --template <template>', 'config template: default, server, rag or one of yours (server default: LF_CONFIG_TEMPLATE or "default")')
    .action(async (name: string, o: { template?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.post<{ project: Project }>(`/v1/projects/${encodeURIComponent(ctx.namespace)}`, { name, config_template: o.template });
      if (ctx.json) return printJson(res);
      println(`Created project ${res.project.namespace}/${res.project.name}${o.template ? ` from template '${o.template}'` : ''}`);
    });

  projects
    .command('get [name]')
    .description('show a project (default: the selected --project)')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client.get<{ project: Project }>(projectPath(ctx.namespace, name ?? ctx.project()));
      if (ctx.json) return printJson(res);
      const { project } = res;
      const c = project.config ?? {};
      println(`project:    ${project.namespace}/${project.name}`);
      println(`model:      ${defaultModelOf(c)}`);
      const models = (c.runtime?.models ?? []).map((m: any) => m.name);
      if (models.length > 1) println(`models:     ${models.join(', ')}`);
      println(`databases:  ${(c.rag?.databases ?? []).map((d: any) => d.name).join(', ') || '(none)'}${c.rag?.default_database ? ` (default ${c.rag.default_database})` : ''}`);
      println(`strategies: ${(c.rag?.data_processing_strategies ?? []).map((s: any) => s.name).join(', ') || '(none)'}`);
      println(`datasets:   ${(c.datasets ?? []).map((d: any) => d.name).join(', ') || '(none)'}`);
    });

  projects
    .command('delete <name>')
    .description('delete a project with its files, vectors, sessions and events (asks first in a terminal)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, o: { yes?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (!o.yes && canAsk({ input: process.stdin, output: process.stdout })) {
        if (!(await confirm(`Delete project ${ctx.namespace}/${name} with its files, vectors, sessions and events?`))) {
          println('Not deleted.');
          return;
        }
      }
      const res = await ctx.client.delete<{ project: Project }>(projectPath(ctx.namespace, name));
      if (ctx.json) return printJson(res);
      println(`Deleted project ${ctx.namespace}/${name}`);
    });

  registerProjectArchive(projects);
}
