/**
 * The editor's understanding of llamafarm.yaml against the server's schema: validation with the API's own
 * messages (ajv + src/config/config-issues.ts) placed at their line, YAML syntax errors, the schema under a path
 * for completion, and an outline. Pure functions, no DOM.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { issuesFromAjvErrors } from '../../../src/config/config-issues.js';

export type JsonSchema = Record<string, any>;

export interface Problem {
  from: number;
  to: number;
  message: string;
  severity: 'error' | 'warning';
}

export function compileConfigSchema(schema: JsonSchema): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

/** `rag.databases[0].type` → ['rag', 'databases', 0, 'type'] */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/**
 * The text range of the value (or, when it does not exist, of the nearest parent) at a path; `atKey` marks the
 * key itself (an unknown field).
 */
export function rangeOf(doc: Document, path: (string | number)[], textLength: number, atKey = false): [number, number] {
  let node: unknown = doc.contents;
  let best: [number, number] = [0, Math.min(textLength, 1)];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) break;
      const key = pair.key as YamlNode;
      if (key.range) best = [key.range[0], key.range[1]];
      node = pair.value;
      const v = node as YamlNode | null;
      if (v && v.range && !atKey && isScalar(v)) best = [v.range[0], v.range[1]];
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item?.range) break;
      best = [item.range[0], Math.min(item.range[1], item.range[0] + 40)];
      node = item;
    } else break;
  }
  return best[1] > best[0] ? best : [best[0], Math.min(textLength, best[0] + 1)];
}

export interface Checked {
  problems: Problem[];
  value: unknown;
  doc: Document;
}

/** YAML syntax first (the document cannot be saved with those), then the schema with the API's messages. */
export function checkConfig(text: string, validate: ValidateFunction | null): Checked {
  const doc = parseDocument(text, { prettyErrors: false });
  const problems: Problem[] = doc.errors.map((e) => ({ from: e.pos[0], to: Math.max(e.pos[1], e.pos[0] + 1), message: `YAML: ${e.message.split('\n')[0]}`, severity: 'error' }));
  if (problems.length) return { problems, value: undefined, doc };
  const value = doc.toJS();
  if (validate && !validate(value)) {
    for (const issue of issuesFromAjvErrors(validate.errors ?? [])) {
      const [from, to] = rangeOf(doc, splitPath(issue.path), text.length, issue.message === 'is not a known field');
      problems.push({ from, to, message: issue.path ? `${issue.path}: ${issue.message}` : issue.message, severity: 'error' });
    }
  }
  return { problems, value, doc };
}

/** Follows `$ref`s into components and merges anyOf/oneOf/allOf branches' properties (for completion). */
function resolve(s: JsonSchema | undefined, root: JsonSchema): JsonSchema[] {
  if (!s) return [];
  if (s.$ref) {
    const name = String(s.$ref).split('/').pop()!;
    return resolve(root.components?.schemas?.[name] ?? root.definitions?.[name] ?? root.$defs?.[name], root);
  }
  const branches = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])] as JsonSchema[];
  return [s, ...branches.flatMap((b) => resolve(b, root))];
}

export function schemaAt(schema: JsonSchema, path: (string | number)[], root: JsonSchema = schema): JsonSchema[] {
  let here = resolve(schema, root);
  for (const seg of path) {
    here = here.flatMap((s) => (typeof seg === 'number' ? resolve(s.items, root) : resolve(s.properties?.[seg] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined), root)));
    if (here.length === 0) break;
  }
  return here;
}

export interface KeyOption {
  key: string;
  description?: string;
}

export function keysAt(schema: JsonSchema, path: (string | number)[]): KeyOption[] {
  const seen = new Map<string, KeyOption>();
  for (const s of schemaAt(schema, path)) for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) if (!seen.has(k)) seen.set(k, { key: k, description: v.description });
  return [...seen.values()];
}

export function enumAt(schema: JsonSchema, path: (string | number)[]): string[] {
  const out = new Set<string>();
  for (const s of schemaAt(schema, path)) {
    for (const v of s.enum ?? []) out.add(String(v));
    if (s.const !== undefined) out.add(String(s.const));
    if (s.type === 'boolean') ['true', 'false'].forEach((b) => out.add(b));
  }
  return [...out];
}

/**
 * The YAML path of a line from indentation alone (works while the document does not parse): each less-indented
 * `key:` above is a parent, a `- ` item an array element (its index counted among its siblings).
 */
export function pathAtLine(lines: string[], lineIndex: number, column: number): (string | number)[] {
  const path: (string | number)[] = [];
  let indent = column;
  const cur = lines[lineIndex] ?? '';
  const curItem = /^(\s*)- /.exec(cur);
  if (curItem && column > curItem[1].length) {
    indent = curItem[1].length;
    path.unshift(countItems(lines, lineIndex, indent));
  }
  for (let i = lineIndex - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const m = /^(\s*)(- )?([^\s:#][^:#]*?):(\s|$)/.exec(line);
    const lead = /^(\s*)/.exec(line)![1].length;
    const item = /^(\s*)- /.exec(line);
    if (item && item[1].length < indent) {
      // An array element that contains us: its key (if `- key: v`) is a sibling, not a parent.
      path.unshift(countItems(lines, i, item[1].length));
      indent = item[1].length;
      continue;
    }
    if (m && lead < indent && !m[2]) {
      path.unshift(m[3].trim());
      indent = lead;
    }
    if (indent === 0) break;
  }
  return path;
}

function countItems(lines: string[], lineIndex: number, indent: number): number {
  let n = 0;
  for (let i = lineIndex - 1; i >= 0; i--) {
    const lead = /^(\s*)/.exec(lines[i])![1].length;
    if (!lines[i].trim()) continue;
    if (lead < indent) break;
    if (lead === indent && /^\s*- /.test(lines[i])) n++;
    else if (lead === indent) break;
  }
  return n;
}

export interface OutlineEntry {
  label: string;
  depth: number;
  from: number;
}

/** Top-level keys and the named entries below them (databases, strategies, models, datasets). */
export function outline(doc: Document): OutlineEntry[] {
  const out: OutlineEntry[] = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 2) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as YamlNode;
        if (!isScalar(key) || !key.range) continue;
        out.push({ label: String(key.value), depth, from: key.range[0] });
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isMap(item)) {
          const name = item.get('name');
          const r = (item as YamlNode).range;
          if (name !== undefined && r) out.push({ label: `- ${String(name)}`, depth, from: r[0] });
        }
      }
    }
  };
  walk(doc.contents, 0);
  return out;
}

export interface DiffLine {
  kind: ' ' | '+' | '-';
  text: string;
}

/** Line diff (longest common subsequence); big inputs fall back to "all removed, all added". */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 4_000_000) return [...x.map((t) => ({ kind: '-' as const, text: t })), ...y.map((t) => ({ kind: '+' as const, text: t }))];
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ kind: ' ', text: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: '-', text: x[i++] });
    else out.push({ kind: '+', text: y[j++] });
  }
  while (i < n) out.push({ kind: '-', text: x[i++] });
  while (j < m) out.push({ kind: '+', text: y[j++] });
  return out;
}
