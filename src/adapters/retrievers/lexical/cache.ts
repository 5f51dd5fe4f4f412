/**
 * One built lexical index per store (and engine options), built on the first lexical query and rebuilt when the
 * store's `dataVersion` changes. Builds are single-flight: concurrent queries share one build, and a query that
 * arrives during a rebuild waits for it. The build runs in small steps so the server keeps answering meanwhile.
 */
import type { VectorStore } from '../../stores/types.js';
import { LexicalIndex, type LexicalOptions } from './lexical-index.js';
import type { LexicalRow } from './units.js';

interface Entry {
  version: string;
  /** The store's row count at that version (set once counted). */
  rows?: number;
  /** Undefined when the store held more rows than the limit of the call that built it. */
  index: Promise<LexicalIndex | undefined>;
}

/**
 * Stores with more rows than this keep their own full-text search: the engine holds every row and its indexes in
 * memory (roughly 15 kB per 1,000-character chunk while building, so about 0.8 GB at 50,000 chunks).
 * `LF_LEXICAL_MAX_ROWS` overrides it (0 turns the engine off).
 */
export const DEFAULT_MAX_LEXICAL_ROWS = 50_000;

export function maxLexicalRows(): number {
  const raw = process.env.LF_LEXICAL_MAX_ROWS;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_MAX_LEXICAL_ROWS;
}

const built = new WeakMap<VectorStore, Map<string, Entry>>();

/** True when the store can list its rows for the lexical engine. */
export function canIndexLexically(store: VectorStore): boolean {
  return typeof store.readRows === 'function' && typeof store.dataVersion === 'function';
}

async function readAll(store: VectorStore): Promise<LexicalRow[]> {
  const rows: LexicalRow[] = [];
  for await (const row of store.readRows!()) rows.push(row);
  return rows;
}

/**
 * The store's lexical index for these options, current with its data; undefined when the store cannot list rows
 * or holds more than `maxRows`.
 */
export async function lexicalIndexFor(store: VectorStore, options: LexicalOptions, maxRows = maxLexicalRows()): Promise<LexicalIndex | undefined> {
  if (!canIndexLexically(store)) return undefined;
  const version = await store.dataVersion!();
  let perOptions = built.get(store);
  if (!perOptions) built.set(store, (perOptions = new Map()));
  const key = JSON.stringify(options);
  const current = perOptions.get(key);
  if (current && current.version === version) {
    const index = await current.index;
    if (current.rows !== undefined && current.rows > maxRows) return undefined;
    if (index) return index;
    // Built under a lower limit: build again below.
    if (perOptions.get(key) === current) perOptions.delete(key);
  }
  // Set before any await, so concurrent queries share one count and one build.
  const entry: Entry = {
    version,
    index: store.count().then(async (rows) => {
      entry.rows = rows;
      return rows > maxRows ? undefined : LexicalIndex.buildInSteps(await readAll(store), options);
    }),
  };
  perOptions.set(key, entry);
  entry.index.catch(() => {
    if (perOptions.get(key) === entry) perOptions.delete(key);
  });
  return entry.index;
}
