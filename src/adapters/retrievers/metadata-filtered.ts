/**
 * MetadataFilteredStrategy: vector search restricted to chunks whose metadata matches `filters` (alias
 * `default_filters`) AND the request's `metadata_filters`. Values: a scalar means equality, a list membership,
 * an object operators (`$eq $ne $in $nin $gt $gte $lt $lte`); a missing key never matches. The store filters
 * natively, so `top_k` is filled with matching chunks; when both filters constrain one key in ways one condition
 * cannot say, the second is checked afterwards on `top_k × fallback_multiplier` (3) candidates.
 * `filter_mode` (pre|post) is accepted; filtering is always done as early as possible.
 */
import { parseFilter } from '../stores/filter.js';
import type { Hit, MetadataFilter } from '../stores/types.js';
import { vectorSearch } from './basic.js';
import { num, obj } from './config.js';
import { andFilters, keepMatching } from './filters.js';
import { StrategyConfigError, type RetrievalContext, type RetrievalStrategy, type StrategyConfig } from './types.js';

export class MetadataFilteredStrategy implements RetrievalStrategy {
  readonly type = 'MetadataFilteredStrategy';
  private readonly filters?: MetadataFilter;
  private readonly fallbackMultiplier: number;

  constructor(config: StrategyConfig = {}) {
    const filters = obj(this.type, config, 'filters') ?? obj(this.type, config, 'default_filters');
    if (filters) {
      try {
        parseFilter(filters as MetadataFilter);
      } catch (e) {
        throw new StrategyConfigError(`${this.type}: config "filters": ${(e as Error).message}`);
      }
      this.filters = filters as MetadataFilter;
    }
    this.fallbackMultiplier = num(this.type, config, 'fallback_multiplier', 3, { min: 1 });
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const { store, post } = andFilters(ctx.filter, this.filters);
    if (!post) return vectorSearch(ctx, ctx.topK, store);
    const candidates = await vectorSearch(ctx, Math.ceil(ctx.topK * this.fallbackMultiplier), store);
    return keepMatching(candidates, post).slice(0, ctx.topK);
  }
}
