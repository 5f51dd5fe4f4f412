/**
 * Chunk metadata in Chroma. Chroma metadata values must be scalars (or flat lists), so each record carries:
 * - `lf_json`: the whole metadata as JSON — what search returns, and what filters are finally checked against;
 * - every top-level string, boolean or finite number again under its own key, so Chroma can pre-filter.
 *
 * A filter is translated into a Chroma `where` that selects a SUPERSET of the matching records (only the
 * conditions whose Chroma meaning is known to agree with ../filter.ts are sent); the store then checks every
 * record against the whole filter in JS. Not sent: `$ne`/`$nin` (Chroma counts a missing key as "not equal"),
 * conditions on null (Chroma cannot ask for a missing key), string ranges (Chroma compares numbers only) and
 * integers beyond ±2^53 (Chroma refuses some of them in a `where`). An `$in` list mixing types (Chroma wants
 * one type per list, and tells ints from floats) is sent as an `$or` of equalities.
 */
import type { Metadata, Where } from 'chromadb';
import type { FilterClause } from '../filter.js';
import type { FilterValue } from '../types.js';

export const JSON_KEY = 'lf_json';

/** Keys Chroma accepts and we may use for a promoted value (`#…` and `$…` are reserved by Chroma). */
function promotable(key: string): boolean {
  return key !== JSON_KEY && key.length > 0 && !key.startsWith('#') && !key.startsWith('$');
}

export function toChromaMetadata(metadata: Record<string, unknown> | undefined): Metadata {
  const m = metadata ?? {};
  const out: Metadata = { [JSON_KEY]: JSON.stringify(m) };
  for (const [key, value] of Object.entries(m)) {
    if (!promotable(key)) continue;
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[key] = value;
  }
  return out;
}

/**
 * Our metadata back from a Chroma record. Records written by other tools (no `lf_json`) are read like the
 * original did: its own keys, with string values that look like JSON objects or lists parsed back.
 */
export function fromChromaMetadata(m: Metadata | null | undefined): Record<string, unknown> {
  if (!m) return {};
  const json = m[JSON_KEY];
  if (typeof json === 'string') {
    try {
      const parsed = JSON.parse(json) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through to the record's own keys
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(m)) {
    if (key === JSON_KEY || value === null) continue;
    if (typeof value === 'string' && /^[[{]/.test(value)) {
      try {
        out[key] = JSON.parse(value) as unknown;
        continue;
      } catch {
        // keep the string
      }
    }
    out[key] = value;
  }
  return out;
}

function safeNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (!Number.isInteger(v) || Math.abs(v) <= Number.MAX_SAFE_INTEGER);
}

function sendable(v: FilterValue): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || safeNumber(v);
}

function either(parts: Where[]): Where {
  return parts.length === 1 ? parts[0] : { $or: parts };
}

function clauseWhere(c: FilterClause): Where | undefined {
  if (!promotable(c.key)) return undefined;
  const key = c.key;
  switch (c.op) {
    case '$eq':
      return c.value !== null && sendable(c.value) ? { [key]: { $eq: c.value } } : undefined;
    case '$in': {
      const values = c.values;
      if (values.length === 0 || !values.every(sendable)) return undefined;
      const kinds = new Set(values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v)));
      if (kinds.size === 1) return { [key]: { $in: values as string[] | number[] | boolean[] } } as Where;
      // Chroma wants one type per list (and tells ints from floats): one equality per value instead.
      return either(values.map((v) => ({ [key]: { $eq: v as string | number | boolean } })));
    }
    case '$ne':
    case '$nin':
      return undefined;
    default:
      return safeNumber(c.value) ? ({ [key]: { [c.op]: c.value } } as Where) : undefined;
  }
}

/** A `where` selecting at least the records matching `clauses` (undefined: no pre-filter). */
export function supersetWhere(clauses: readonly FilterClause[]): Where | undefined {
  const parts = clauses.map(clauseWhere).filter((w): w is Where => w !== undefined);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { $and: parts };
}
