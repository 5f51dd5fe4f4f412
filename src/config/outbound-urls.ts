/**
 * Save-time check of the addresses a config makes the server contact (decision 0112): every `base_url`,
 * `api_base`, `url` and `endpoint` (http or https only), every store `host`, and the host of connection strings
 * (`connection_string`, `dsn`, `database_url`, `uri`), wherever they are in the config. A literal refused address
 * is a 422 naming the field; names are checked again when the connection is made (`core/outbound.ts`).
 */
import { hostRefusal, urlRefusal } from '../core/outbound.js';
import type { ValidationIssue } from '../core/errors.js';

const HTTP_URL_KEYS = new Set(['base_url', 'api_base', 'url', 'endpoint']);
const CONNECTION_KEYS = new Set(['connection_string', 'dsn', 'database_url', 'uri']);

export function configOutboundIssues(config: unknown, loc: (string | number)[] = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  walk(config, [], issues, loc);
  return issues;
}

function walk(v: unknown, path: (string | number)[], issues: ValidationIssue[], prefix: (string | number)[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, [...path, i], issues, prefix));
    return;
  }
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    const here = [...path, k];
    if (typeof x === 'string') {
      const reason = fieldRefusal(k.toLowerCase(), x.trim());
      if (reason) issues.push({ loc: [...prefix, ...here], msg: `${dotted(here)}: ${reason}`, type: 'value_error', input: x });
    } else {
      walk(x, here, issues, prefix);
    }
  }
}

function fieldRefusal(key: string, value: string): string | undefined {
  // Empty values mean "the default"; references are resolved (and checked) at connect time.
  if (!value || value.includes('${')) return undefined;
  if (HTTP_URL_KEYS.has(key)) return urlRefusal(value);
  if (key === 'host') return value.includes('://') ? urlRefusal(value) : hostRefusal(value.split(':').length > 2 ? value : value.split(':')[0]);
  if (CONNECTION_KEYS.has(key)) {
    try {
      return hostRefusal(new URL(value).hostname);
    } catch {
      return undefined; // `host=… dbname=…` forms are checked by the driver's own connect
    }
  }
  return undefined;
}

function dotted(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
