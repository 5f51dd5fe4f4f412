/**
 * Secrets in project configs (decision 0111).
 *
 * - Redaction: every config the API returns has its secrets replaced by `SECRET_PLACEHOLDER`: string values of
 *   fields named like a secret (`api_key`, `password`, `*_token`, `secret`, `authorization`…), every value of a
 *   `headers` map, and the password of a connection string (`postgres://user:pw@host`, `password=pw`).
 *   `${VAR}` references are not secrets and are shown as they are.
 * - Restoring: a config sent back with placeholders (GET → edit → PUT) gets the stored values back wherever the
 *   stored value redacts to exactly what was sent; a placeholder with no stored secret behind it is a 422.
 * - References: `${NAME}` in a string is replaced by the environment variable at use time (`resolveEnvRefs`),
 *   never when saving. The server's own settings (`LF_*`) are never substituted.
 */
import { unprocessable, type ValidationIssue } from '../core/errors.js';

export const SECRET_PLACEHOLDER = '********';

const SECRET_KEY = /(api[_-]?key|apikey|secret|passw(or)?d|pwd|credential|authorization|^auth$|auth[_-]?token|cookie|private[_-]?key|access[_-]?key|token$)/i;
/** Token-named fields of tokenizers and chat templates are not secrets. */
const NOT_SECRET_KEY = /((bos|eos|pad|stop|unk|sep|cls|mask|start|end)[_-]?tokens?$|^max[_-]?tokens$|^tokens$)/i;
const ENV_REF_ONLY = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:)([^@/\s]+)(@)/i;
const KV_PASSWORD = /(\b(?:password|passwd|pwd)\s*=\s*)('[^']*'|"[^"]*"|[^\s;&]+)/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
}

/** The value as the API shows it; `key` is its field name, `inHeaders` says it is a value of a `headers` map. */
export function redactValue(value: string, key: string, inHeaders: boolean): string {
  if (ENV_REF_ONLY.test(value.trim())) return value;
  if (inHeaders || isSecretKey(key)) return value === '' ? value : SECRET_PLACEHOLDER;
  return value.replace(URL_PASSWORD, (_m, a: string, pw: string, c: string) => (ENV_REF_ONLY.test(pw) ? `${a}${pw}${c}` : `${a}${SECRET_PLACEHOLDER}${c}`)).replace(KV_PASSWORD, (_m, a: string) => `${a}${SECRET_PLACEHOLDER}`);
}

/** A deep copy of `v` with its secrets replaced by the placeholder. */
export function redactSecrets<T>(v: T): T {
  return walkRedact(v, '', false) as T;
}

function walkRedact(v: unknown, key: string, inHeaders: boolean): unknown {
  if (typeof v === 'string') return redactValue(v, key, inHeaders);
  if (Array.isArray(v)) return v.map((x) => walkRedact(x, key, false));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    const headers = key.toLowerCase() === 'headers';
    for (const [k, x] of Object.entries(v)) out[k] = walkRedact(x, k, headers);
    return out;
  }
  return v;
}

/**
 * `incoming` with every placeholder that stands for a stored secret replaced by that secret (`stored`: the
 * config on disk, or undefined). Array items that have a `name` are matched by name (so reordering keeps
 * secrets), others by position. Throws 422 naming the field for a placeholder with nothing stored behind it.
 */
export function restoreSecrets<T>(incoming: T, stored: unknown, loc: (string | number)[] = []): T {
  const issues: ValidationIssue[] = [];
  const out = walkRestore(incoming, stored, '', false, loc, issues) as T;
  if (issues.length) throw unprocessable(issues);
  return out;
}

function walkRestore(v: unknown, s: unknown, key: string, inHeaders: boolean, loc: (string | number)[], issues: ValidationIssue[]): unknown {
  if (typeof v === 'string') {
    if (!v.includes(SECRET_PLACEHOLDER) || v === s) return v;
    if (typeof s === 'string' && redactValue(s, key, inHeaders) === v) return s;
    issues.push({
      loc,
      msg: `holds the placeholder ${SECRET_PLACEHOLDER} but no stored secret matches it here: send the real value (or a \${VAR} reference)`,
      type: 'value_error',
    });
    return v;
  }
  if (Array.isArray(v)) {
    const sa = Array.isArray(s) ? s : [];
    return v.map((x, i) => walkRestore(x, counterpart(x, i, sa), key, false, [...loc, i], issues));
  }
  if (v && typeof v === 'object') {
    const so = s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
    const headers = key.toLowerCase() === 'headers';
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walkRestore(x, so[k], k, headers, [...loc, k], issues);
    return out;
  }
  return v;
}

function counterpart(item: unknown, index: number, stored: unknown[]): unknown {
  const name = item && typeof item === 'object' ? (item as { name?: unknown }).name : undefined;
  if (typeof name === 'string') return stored.find((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === name);
  return stored[index];
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * `${NAME}` references replaced from `env` (a deep copy) in the fields that may hold them: secret-named fields,
 * values of `headers` maps and of `env` maps (an MCP server's environment). Elsewhere (prompts, URLs…) the text
 * stays as written, so a config cannot copy the server's environment into a prompt. An unset variable becomes the
 * empty string; the server's own settings (`LF_*`) are never read this way.
 */
export function resolveEnvRefs<T>(v: T, env: Record<string, string | undefined> = process.env): T {
  return walkResolve(v, '', false, env) as T;
}

function walkResolve(v: unknown, key: string, inMap: boolean, env: Record<string, string | undefined>): unknown {
  if (typeof v === 'string') {
    if (!inMap && !isSecretKey(key)) return v;
    return v.replace(ENV_REF, (_m, name: string) => (name.startsWith('LF_') ? '' : (env[name] ?? '')));
  }
  if (Array.isArray(v)) return v.map((x) => walkResolve(x, key, false, env));
  if (v && typeof v === 'object') {
    const map = ['headers', 'env'].includes(key.toLowerCase());
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walkResolve(x, k, map, env)]));
  }
  return v;
}
