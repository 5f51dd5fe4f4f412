/**
 * Names that become paths (decision 0003): namespaces, projects, datasets — 1–64 of [A-Za-z0-9_-], starting with a
 * letter or digit. Database and strategy names follow the original schema: ^[a-z][a-z0-9_]*$, 1–50.
 * No path is ever built from an unchecked name: `safeJoin` re-checks containment.
 */
import { resolve, sep } from 'node:path';
import { LfError, unprocessable } from './errors.js';

export const RESOURCE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
/** The pattern in words, for messages. */
export const RESOURCE_NAME_RULE = 'Names must be 1-64 characters of letters, digits, "_" or "-", starting with a letter or digit';
export const STRATEGY_NAME_PATTERN = '^[a-z][a-z0-9_]{0,49}$';
const RESOURCE_NAME_RE = new RegExp(RESOURCE_NAME_PATTERN);
const STRATEGY_NAME_RE = new RegExp(STRATEGY_NAME_PATTERN);

export function isResourceName(s: unknown): s is string {
  return typeof s === 'string' && RESOURCE_NAME_RE.test(s);
}

export function isStrategyName(s: unknown): s is string {
  return typeof s === 'string' && STRATEGY_NAME_RE.test(s);
}

/** Throws a 422 whose `loc` names where the bad value came from. */
export function assertResourceName(value: unknown, loc: (string | number)[]): string {
  if (isResourceName(value)) return value;
  throw unprocessable([
    {
      loc,
      msg: RESOURCE_NAME_RULE,
      type: 'string_pattern_mismatch',
      input: value,
    },
  ]);
}

/** Joins under `base` and refuses anything that escapes it (defence in depth behind the name rules). */
export function safeJoin(base: string, ...parts: string[]): string {
  const root = resolve(base);
  const p = resolve(root, ...parts);
  if (p !== root && !p.startsWith(root + sep)) throw new LfError('bad_request', 'Invalid path: path traversal detected');
  return p;
}

/**
 * Bidirectional-text controls (embeddings, overrides, isolates, marks): a U+202E in a file name makes
 * `evil\u202Egpj.exe` display as `evilexe.jpg`. Display names drop them; stored bytes are never touched.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function stripBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}

/** Reduces an uploaded file name to a safe basename (no folders, no control or bidi characters, bounded length). */
export function safeBasename(name: string | undefined, fallback = 'file'): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let clean = stripBidiControls(base.replace(/[\u0000-\u001f\u007f]/g, '')).replace(/^\.+/, '').trim();
  if (clean.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean || fallback;
}
