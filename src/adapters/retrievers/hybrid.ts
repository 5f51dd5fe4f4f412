/**
 * HybridUniversalStrategy (also the legacy `HybridRetriever`): semantic search fused with the store's full-text
 * (BM25) search.
 * Config:
 * - `combination_method`: `weighted_average` (default; `score_fusion` is read the same) — each chunk's scores
 *   averaged with the weights below (a list that missed the chunk counts 0) —, `relative_score` (the same after
 *   min-max normalising each list, so BM25 and cosine scales do not matter) or `rank_fusion` (weighted
 *   reciprocal-rank fusion, k = 60). All give scores in [0, 1]; `fusion_score` in metadata is the raw value.
 * - `alpha` (alias `hybrid_alpha`, default 0.5; the request's `hybrid_alpha` wins): weight of the semantic side;
 *   the full-text side weighs 1 − alpha.
 * - `strategies`: the semantic side as sub-strategies `[{type, weight (1), config}]` (types or the aliases basic,
 *   filtered, multi_query, reranked); default: one vector search.
 * - `full_text` (true): set false for the original's behaviour (sub-strategies only).
 * - `drop_stop_words` (false): search full text without common English function words (contentQuery).
 * - `feedback` (off): `{docs: 10, terms: 20, weight: 0.3}` — pseudo-relevance feedback on the full-text side
 *   (feedback.ts): words of the best `docs` full-text hits become a second keyword query holding `weight` of
 *   the full-text side.
 * - `document_support` (0): each fused chunk gains this share of the scores of the other fused chunks of the
 *   same document (`document_id`, else `file_hash`), so a document matching in several chunks ranks higher
 *   (not with alpha 1, which is the semantic side as it is).
 * - `lexical` (off): the full-text side runs on the in-process lexical engine (lexical/) instead of the store's
 *   index, when the store can list its rows: `true` or `{expansion: {neighbours: 5, weight: 0.3}, char_ngrams:
 *   0.4, title_context: true, whole_document: 4, k1: 1.2, b: 0.75}` (lexical/config.ts); other stores keep their own.
 * - `candidate_multiplier` (2): each list fetches top_k × 2; `final_k`, when set, caps the results.
 * When the store cannot search full text, the semantic side alone answers and hits say `hybrid_degraded`; when
 * the query has no vector (the embedder cannot represent any of its words), the full-text side alone answers.
 */
import { StoreError, type Hit } from '../stores/types.js';
import { vectorSearch } from './basic.js';
import { bool, num, oneOf, optNum } from './config.js';
import { feedbackTerms, readFeedback, type FeedbackOptions } from './feedback.js';
import { contentQuery } from './full-text.js';
import { readLexical } from './lexical/config.js';
import type { LexicalOptions } from './lexical/lexical-index.js';
import { lexicalIndexOf, lexicalSearch } from './lexical/search.js';
import { annotate, relativeFuse, rrfFuse, weightedFuse, withDocumentSupport, type FusedHit, type RankedList } from './scoring.js';
import { StrategyConfigError, type CreateStrategy, type RetrievalContext, type RetrievalStrategy, type StrategyConfig } from './types.js';

const METHODS = ['weighted_average', 'rank_fusion', 'score_fusion', 'relative_score'] as const;

const FUSE: Record<(typeof METHODS)[number], (lists: RankedList[]) => FusedHit[]> = {
  weighted_average: weightedFuse,
  score_fusion: weightedFuse,
  relative_score: relativeFuse,
  rank_fusion: rrfFuse,
};

/** The document a chunk belongs to, for `document_support`. */
function documentOf(hit: Hit): string | undefined {
  const id = hit.metadata.document_id ?? hit.metadata.file_hash;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

interface SubStrategy {
  strategy: RetrievalStrategy;
  weight: number;
}

export class HybridUniversalStrategy implements RetrievalStrategy {
  readonly type = 'HybridUniversalStrategy';
  private readonly method: (typeof METHODS)[number];
  private readonly alpha: number;
  private readonly fullText: boolean;
  private readonly multiplier: number;
  private readonly finalK?: number;
  private readonly semantic: SubStrategy[];
  private readonly feedback?: FeedbackOptions;
  private readonly documentSupport: number;
  private readonly dropStopWords: boolean;
  private readonly lexical?: LexicalOptions;

  constructor(config: StrategyConfig, create: CreateStrategy) {
    this.method = oneOf(this.type, config, 'combination_method', METHODS, 'weighted_average');
    this.alpha = num(this.type, config, config.alpha !== undefined ? 'alpha' : 'hybrid_alpha', 0.5, { min: 0, max: 1 });
    this.fullText = bool(this.type, config, 'full_text', true);
    this.multiplier = num(this.type, config, 'candidate_multiplier', 2, { min: 1 });
    this.finalK = optNum(this.type, config, 'final_k', { min: 1, integer: true });
    this.semantic = this.readStrategies(config.strategies, create);
    this.feedback = readFeedback(this.type, config, 'feedback');
    this.documentSupport = num(this.type, config, 'document_support', 0, { min: 0, max: 1 });
    this.dropStopWords = bool(this.type, config, 'drop_stop_words', false);
    this.lexical = readLexical(this.type, config, 'lexical');
  }

  private readStrategies(raw: unknown, create: CreateStrategy): SubStrategy[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new StrategyConfigError(`${this.type}: config "strategies" must be a list of {type, weight, config}`);
    return raw.map((s: unknown, i) => {
      const entry = (s ?? {}) as Record<string, unknown>;
      if (typeof entry.type !== 'string') throw new StrategyConfigError(`${this.type}: strategies[${i}].type must be a strategy type`);
      if (['HybridUniversalStrategy', 'HybridRetriever', 'hybrid'].includes(entry.type)) throw new StrategyConfigError(`${this.type}: strategies[${i}] cannot be another hybrid strategy`);
      const weight = num(this.type, entry, 'weight', 1, { min: 0 });
      const config = entry.config && typeof entry.config === 'object' ? (entry.config as StrategyConfig) : {};
      return { strategy: create(entry.type, config), weight };
    });
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const alpha = ctx.hints.hybridAlpha ?? this.alpha;
    const k = Math.ceil(ctx.topK * this.multiplier);
    const semanticWeight = this.fullText ? alpha : 1;
    const semanticTotal = this.semantic.reduce((a, s) => a + s.weight, 0);
    const semanticJobs: Promise<RankedList>[] =
      semanticWeight <= 0
        ? []
        : this.semantic.length === 0
          ? [vectorSearch(ctx, k).then((hits) => ({ hits, weight: semanticWeight, complete: hits.length < k }))]
          : this.semantic.map(async (s) => ({
              hits: await s.strategy.retrieve({ ...ctx, topK: k }),
              weight: semanticTotal > 0 ? (semanticWeight * s.weight) / semanticTotal : 0,
            }));
    let degraded: string | undefined;
    const textWanted = this.fullText && alpha < 1;
    // A query the embedder cannot represent (e.g. only words outside its vocabulary) can still match keywords.
    const semanticSide = Promise.all(
      semanticJobs.map((job) =>
        job.catch((e: unknown) => {
          if (!(textWanted && e instanceof StoreError && e.code === 'invalid_vector')) throw e;
          degraded = `vector search skipped: ${e.message}`;
          return { hits: [], weight: 0 };
        }),
      ),
    );
    const textJob: Promise<RankedList[]> =
      textWanted
        ? this.fullTextLists(ctx, k, 1 - alpha).catch((e: unknown) => {
            degraded = `full-text search unavailable: ${(e as Error).message}`;
            return [];
          })
        : Promise.resolve([]);
    const [semantic, text] = await Promise.all([semanticSide, textJob]);
    let lists = [...semantic, ...text].filter((l) => l.weight > 0);
    // Full text alone (alpha 0) failing still answers, from the vectors.
    if (lists.length === 0) lists = [{ hits: await vectorSearch(ctx, k), weight: 1 }];
    // Alpha 1 (no full text) is the semantic side as it is: no document support either.
    const fused = withDocumentSupport(FUSE[this.method](lists), textWanted ? this.documentSupport : 0, documentOf);
    const limit = Math.min(ctx.topK, this.finalK ?? ctx.topK);
    const method = this.method === 'score_fusion' ? 'weighted_average' : this.method;
    return fused.slice(0, limit).map((f) =>
      annotate(f.hit, { fusion_score: f.raw, fusion_method: method, ...(degraded ? { hybrid_degraded: degraded } : {}) }, f.score),
    );
  }

  /** The full-text side: the query's hits, plus the feedback query's hits when `feedback` is on. */
  private async fullTextLists(ctx: RetrievalContext, k: number, weight: number): Promise<RankedList[]> {
    // One index look-up (data version check) serves both searches of this query.
    const index = await lexicalIndexOf(ctx, this.lexical);
    const hits = await lexicalSearch(this.dropStopWords ? { ...ctx, query: contentQuery(ctx.query) } : ctx, k, index);
    const terms = this.feedback && this.feedback.weight > 0 ? feedbackTerms(ctx.query, hits, this.feedback) : [];
    if (terms.length === 0) return [{ hits, weight, complete: hits.length < k }];
    const expanded = await lexicalSearch({ ...ctx, query: terms.join(' ') }, k, index);
    const share = this.feedback!.weight;
    return [
      { hits, weight: weight * (1 - share), complete: hits.length < k },
      { hits: expanded, weight: weight * share, complete: expanded.length < k },
    ];
  }
}
