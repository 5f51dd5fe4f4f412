/**
 * The lexical engine over one store's rows: a BM25 index of Porter-stemmed content words (optionally expanded by
 * nearest neighbours, expansion.ts) and a BM25 index of character 3-grams, over lexical units (units.ts).
 * A query runs on both; each list's top `depth` scores are min-max normalised and averaged with weights 1 and
 * `charNgrams`, giving scores in [0, 1]; every chunk of a unit gets the unit's score.
 */
import type { MetadataFilter } from '../../stores/types.js';
import { matchesFilter } from '../../stores/filter.js';
import { charTrigrams, termCounts, wordTerms } from './analyzer.js';
import { Bm25Index, DEFAULT_BM25, type Bm25Options, type DocScore } from './bm25-index.js';
import { DEFAULT_EXPANSION, neighbourExpander, type ExpansionOptions } from './expansion.js';
import { buildUnits, type LexicalRow, type LexicalUnit, type UnitOptions } from './units.js';
import { words } from '../../embedders/text-features.js';

export interface LexicalOptions extends UnitOptions {
  bm25: Bm25Options;
  expansion: ExpansionOptions;
  /** Weight of the character 3-gram list beside the word list (weight 1); 0 leaves it out. */
  charNgrams: number;
}

export const DEFAULT_LEXICAL: LexicalOptions = {
  bm25: DEFAULT_BM25,
  expansion: DEFAULT_EXPANSION,
  charNgrams: 0.4,
  titleContext: true,
  wholeDocument: 4,
};

export interface LexicalHit {
  row: LexicalRow;
  /** In [0, 1]. */
  score: number;
}

/** Units analysed or expanded per build step. */
const STEP = 256;

/** How many units of each list take part in the fusion (and in its min-max normalisation). */
const FUSION_DEPTH = 100;

function normalised(list: DocScore[], weight: number, into: Map<number, number>): void {
  if (list.length === 0 || weight <= 0) return;
  const hi = list[0]!.score;
  const lo = list[list.length - 1]!.score;
  for (const { doc, score } of list) {
    const s = hi > lo ? (score - lo) / (hi - lo) : 1;
    into.set(doc, (into.get(doc) ?? 0) + weight * s);
  }
}

export class LexicalIndex {
  private constructor(
    readonly rows: readonly LexicalRow[],
    private readonly units: readonly LexicalUnit[],
    private readonly wordIndex: Bm25Index,
    private readonly charIndex: Bm25Index | undefined,
    private readonly options: LexicalOptions,
  ) {}

  /** Builds in one go (blocks the event loop for the whole build: a few seconds per 10k chunks). */
  static build(rows: readonly LexicalRow[], options: LexicalOptions = DEFAULT_LEXICAL): LexicalIndex {
    const steps = LexicalIndex.steps(rows, options);
    let next = steps.next();
    while (!next.done) next = steps.next();
    return next.value;
  }

  /** Builds in small synchronous steps, letting other work (requests) run in between. */
  static async buildInSteps(rows: readonly LexicalRow[], options: LexicalOptions = DEFAULT_LEXICAL): Promise<LexicalIndex> {
    const steps = LexicalIndex.steps(rows, options);
    for (let next = steps.next(); ; next = steps.next()) {
      if (next.done) return next.value;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The build, yielding after each step. */
  private static *steps(rows: readonly LexicalRow[], options: LexicalOptions): Generator<void, LexicalIndex> {
    const units = buildUnits(rows, options);
    const wordDocs: Map<string, number>[] = [];
    for (let at = 0; at < units.length; at += STEP) {
      for (const u of units.slice(at, at + STEP)) wordDocs.push(termCounts(wordTerms(u.text)));
      yield;
    }
    const plain = new Bm25Index(wordDocs, options.bm25);
    yield;
    let wordIndex = plain;
    if (options.expansion.neighbours > 0 && options.expansion.weight > 0) {
      const expand = neighbourExpander(wordDocs, options.expansion, plain);
      const expanded: Map<string, number>[] = [];
      for (let at = 0; at < units.length; at += STEP) {
        for (let d = at; d < Math.min(at + STEP, units.length); d++) expanded.push(expand(d));
        yield;
      }
      wordIndex = new Bm25Index(expanded, options.bm25);
      yield;
    }
    let charIndex: Bm25Index | undefined;
    if (options.charNgrams > 0) {
      const charDocs: Map<string, number>[] = [];
      for (let at = 0; at < units.length; at += STEP) {
        for (const u of units.slice(at, at + STEP)) charDocs.push(termCounts(charTrigrams(u.text)));
        yield;
      }
      charIndex = new Bm25Index(charDocs, options.bm25);
    }
    return new LexicalIndex(rows, units, wordIndex, charIndex, options);
  }

  get unitCount(): number {
    return this.units.length;
  }

  /** The best `k` chunks for `query` (only those matching `filter` when given), best first. */
  search(query: string, k: number, filter?: MetadataFilter): LexicalHit[] {
    if (k <= 0) return [];
    let terms = wordTerms(query);
    if (terms.length === 0) terms = words(query);
    let allowRow: ((row: number) => boolean) | undefined;
    let allowUnit: ((unit: number) => boolean) | undefined;
    if (filter && Object.keys(filter).length > 0) {
      const ok = new Uint8Array(this.rows.length);
      this.rows.forEach((r, i) => (ok[i] = matchesFilter(r.metadata, filter) ? 1 : 0));
      allowRow = (row) => ok[row] === 1;
      allowUnit = (unit) => this.units[unit]!.rows.some((r) => ok[r] === 1);
    }
    const depth = Math.max(FUSION_DEPTH, k);
    const fused = new Map<number, number>();
    normalised(this.wordIndex.search(termCounts(terms), depth, allowUnit), 1, fused);
    const charWeight = this.charIndex ? this.options.charNgrams : 0;
    if (this.charIndex && charWeight > 0) normalised(this.charIndex.search(termCounts(charTrigrams(query)), depth, allowUnit), charWeight, fused);
    const total = 1 + charWeight;
    const ranked = [...fused].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const hits: LexicalHit[] = [];
    for (const [unit, score] of ranked) {
      for (const r of this.units[unit]!.rows) {
        if (allowRow && !allowRow(r)) continue;
        hits.push({ row: this.rows[r]!, score: score / total });
        if (hits.length === k) return hits;
      }
    }
    return hits;
  }
}
