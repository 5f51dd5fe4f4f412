/**
 * How ajv's errors become the messages users read (`rag.databases[0].type: must be one of ...`). Free of Node
 * imports so the web app's config editor shows exactly the API's messages as you type (decision 0162).
 */
import type { ErrorObject } from 'ajv';

export interface ConfigIssue {
  path: string;
  message: string;
}

export function summarizeIssues(issues: ConfigIssue[], max = 5): string {
  const shown = issues.slice(0, max).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  const more = issues.length > max ? ` (and ${issues.length - max} more errors)` : '';
  return shown.join('; ') + more;
}

/** `/rag/databases/0/type` → `rag.databases[0].type` */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

export function issueFromAjv(e: ErrorObject): ConfigIssue {
  let path = pointerToPath(e.instancePath);
  let message = e.message ?? 'is invalid';
  switch (e.keyword) {
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      path = path ? `${path}.${prop}` : prop;
      message = 'is required';
      break;
    }
    case 'enum':
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
      break;
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      path = path ? `${path}.${prop}` : prop;
      message = 'is not a known field';
      break;
    }
    case 'pattern':
      message = `must match ${(e.params as { pattern: string }).pattern}`;
      break;
  }
  return { path, message };
}

/** Drops the noise ajv produces for unions (anyOf branches) when a more specific error exists. */
export function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of specific) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf' && e.schemaPath.endsWith('/runtime/anyOf')) {
      out.push({ ...e, message: 'must have either `models` or both `provider` and `model`' });
    } else if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') {
      // Inside the runtime anyOf, ajv reports `required` errors for each branch: the summary above covers them.
      if (e.keyword === 'required' && e.schemaPath.includes('/runtime/anyOf/')) continue;
      out.push(e);
    }
  }
  return out.length ? out : errors;
}


/** ajv's errors → one issue per path and message, in ajv's order; a union of constants becomes one issue listing them. */
export function issuesFromAjvErrors(errors: ErrorObject[]): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  const relevant = relevantErrors(errors);
  // A union of constants fails once per constant ("must be \"a\"", "must be \"b\""): one issue lists them all.
  const constants = new Map<string, unknown[]>();
  for (const e of relevant) if (e.keyword === 'const') constants.set(e.instancePath, [...(constants.get(e.instancePath) ?? []), (e.params as { allowedValue: unknown }).allowedValue]);
  for (const e of relevant) {
    const allowed = e.keyword === 'const' ? constants.get(e.instancePath) : undefined;
    const issue = allowed && allowed.length > 1 ? { path: pointerToPath(e.instancePath), message: `must be one of ${allowed.map(String).join(', ')}` } : issueFromAjv(e);
    const key = `${issue.path}|${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}
