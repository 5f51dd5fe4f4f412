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
  index: Promise<LexicalIndex>;
}

/**
 * Stores with more rows than this keep their own full-text search: the engine holds every row and its index in
 * memory (about 10 kB per 1,000-character chunk).
 */
export const MAX_LEXICAL_ROWS = 250_000;

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
export async function lexicalIndexFor(store: VectorStore, options: LexicalOptions, maxRows = MAX_LEXICAL_ROWS): Promise<LexicalIndex | undefined> {
  if (!canIndexLexically(store)) return undefined;
  const version = await store.dataVersion!();
  if ((await store.count()) > maxRows) return undefined;
  let perOptions = built.get(store);
  if (!perOptions) built.set(store, (perOptions = new Map()));
  const key = JSON.stringify(options);
  const current = perOptions.get(key);
  if (current && current.version === version) return current.index;
  const entry: Entry = { version, index: readAll(store).then((rows) => LexicalIndex.buildInSteps(rows, options)) };
  perOptions.set(key, entry);
  entry.index.catch(() => {
    if (perOptions.get(key) === entry) perOptions.delete(key);
  });
  return entry.index;
}
