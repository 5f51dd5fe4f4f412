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
  /** Set when `index` has settled. */
  done: boolean;
}

/**
 * How long a query waits for a rebuild (after the store's data changed) before it searches the store's own
 * full-text index instead: fresh and correct, if a little less good, while an ingestion keeps changing the data.
 * Only for stores whose last index covered at least REBUILD_WAIT_FROM_ROWS rows (a smaller index rebuilds in about a
 * second or less and is waited for, as is the first build of any index).
 */
export const REBUILD_WAIT_MS = 250;
export const REBUILD_WAIT_FROM_ROWS = 5_000;

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
/** Per store and option key: the rows covered by the last index built. */
const lastBuilt = new WeakMap<VectorStore, Map<string, number>>();

/**
 * `p`, or undefined when it takes longer than `ms` (`p` carries on for the callers that wait for it). The timer is
 * an ordinary (ref'd) one: the wait ends even when nothing else keeps the process busy.
 */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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
 * The store's lexical index for these options, current with its data; undefined when the store cannot list rows,
 * holds more than `maxRows`, or its index (of `rebuild.fromRows` rows or more) is being rebuilt after a data change
 * and the build takes longer than `rebuild.waitMs` (callers then search the store's own full-text index).
 */
export async function lexicalIndexFor(
  store: VectorStore,
  options: LexicalOptions,
  maxRows = maxLexicalRows(),
  rebuild: { waitMs: number; fromRows: number } = { waitMs: REBUILD_WAIT_MS, fromRows: REBUILD_WAIT_FROM_ROWS },
): Promise<LexicalIndex | undefined> {
  if (!canIndexLexically(store)) return undefined;
  const version = await store.dataVersion!();
  let perOptions = built.get(store);
  if (!perOptions) built.set(store, (perOptions = new Map()));
  let builtRows = lastBuilt.get(store);
  if (!builtRows) lastBuilt.set(store, (builtRows = new Map()));
  const key = JSON.stringify(options);
  const big = (builtRows.get(key) ?? 0) >= rebuild.fromRows;
  const wait = (entry: Entry) => (!entry.done && big ? within(entry.index, rebuild.waitMs) : entry.index);
  const current = perOptions.get(key);
  if (current && current.version === version) {
    if (current.rows !== undefined && current.rows > maxRows) return undefined;
    if (!current.done) return wait(current);
    const index = await current.index;
    if (index) return index;
    // Built under a lower limit: build again below.
    if (perOptions.get(key) === current) perOptions.delete(key);
  } else if (current && !current.done) {
    // A build for older data is still running: never two at once (an ingestion changes the data faster than a
    // big index builds). A big index's query searches the store meanwhile; a small one waits and looks again.
    if (big) return undefined;
    await current.index.catch(() => undefined); // only waiting: a failed build is reported to its own caller, and retried below
    return lexicalIndexFor(store, options, maxRows, rebuild);
  }
  // Set before any await, so concurrent queries share one count and one build.
  const entry: Entry = {
    version,
    done: false,
    index: store.count().then(async (rows) => {
      entry.rows = rows;
      return rows > maxRows ? undefined : LexicalIndex.buildInSteps(await readAll(store), options);
    }),
  };
  perOptions.set(key, entry);
  entry.index.then(
    (index) => {
      entry.done = true;
      if (index) builtRows.set(key, index.rows.length);
    },
    () => {
      entry.done = true;
      if (perOptions.get(key) === entry) perOptions.delete(key);
    },
  );
  return wait(entry);
}
