/**
 * Project templates (decision 0003): built-in `default`, `server`, `rag` (YAML files beside this module), and
 * custom ones from `$LF_DATA_DIR/templates/<name>.yaml`, which take precedence over a built-in of the same name.
 */
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { notFound } from '../core/errors.js';
import { isNotFound } from '../core/fs-errors.js';
import { isResourceName, safeJoin } from '../core/names.js';

export const BUILTIN_TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'templates');

export interface RenderedTemplate {
  name: string;
  config: Record<string, unknown>;
  /** The template's YAML text with name/namespace replaced, comments kept. */
  text: string;
}

async function readTemplateText(name: string, customDir?: string): Promise<string | undefined> {
  const candidates = [customDir ? safeJoin(customDir, `${name}.yaml`) : undefined, safeJoin(BUILTIN_TEMPLATES_DIR, `${name}.yaml`)];
  for (const p of candidates) {
    if (!p) continue;
    try {
      return await readFile(p, 'utf8');
    } catch (e) {
      if (!isNotFound(e)) throw e; // else the next candidate
    }
  }
  return undefined;
}

export async function listTemplates(customDir?: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of [BUILTIN_TEMPLATES_DIR, customDir]) {
    if (!dir) continue;
    try {
      for (const f of await readdir(dir)) if (f.endsWith('.yaml') && isResourceName(f.slice(0, -5))) names.add(f.slice(0, -5));
    } catch (e) {
      if (!isNotFound(e)) throw e; // else no custom dir
    }
  }
  return [...names].sort();
}

export async function renderTemplate(name: string, namespace: string, project: string, customDir?: string): Promise<RenderedTemplate> {
  const text = isResourceName(name) ? await readTemplateText(name, customDir) : undefined;
  if (text === undefined) throw notFound(`No config template found for template '${name}'. Available: ${(await listTemplates(customDir)).join(', ')}`);
  const doc = YAML.parseDocument(text);
  doc.set('name', project);
  doc.set('namespace', namespace);
  const config = doc.toJS() as Record<string, unknown>;
  return { name, config, text: doc.toString({ lineWidth: 0 }) };
}
