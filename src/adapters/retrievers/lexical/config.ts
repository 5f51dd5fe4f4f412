/**
 * The `lexical` strategy config key: `true` for the defaults, or
 * `{expansion: {neighbours: 5, weight: 0.3, query_terms: 20} | false, char_ngrams: 0.4, title_context: true,
 *   whole_document: 4, k1: 1.2, b: 0.75}`; absent or `false`: the store's own full-text search.
 */
import { bool, num, obj } from '../config.js';
import { StrategyConfigError, type StrategyConfig } from '../types.js';
import { DEFAULT_EXPANSION, type ExpansionOptions } from './expansion.js';
import { DEFAULT_LEXICAL, type LexicalOptions } from './lexical-index.js';

const KEYS = ['expansion', 'char_ngrams', 'title_context', 'whole_document', 'k1', 'b'];

function readExpansion(type: string, raw: unknown): ExpansionOptions {
  if (raw === false) return { ...DEFAULT_EXPANSION, neighbours: 0 };
  if (raw === undefined || raw === null || raw === true) return DEFAULT_EXPANSION;
  const e = obj(type, { 'lexical.expansion': raw }, 'lexical.expansion')!;
  const flat = { 'lexical.expansion.neighbours': e.neighbours, 'lexical.expansion.weight': e.weight, 'lexical.expansion.query_terms': e.query_terms };
  return {
    neighbours: num(type, flat, 'lexical.expansion.neighbours', DEFAULT_EXPANSION.neighbours, { min: 0, max: 50, integer: true }),
    weight: num(type, flat, 'lexical.expansion.weight', DEFAULT_EXPANSION.weight, { min: 0, max: 10 }),
    queryTerms: num(type, flat, 'lexical.expansion.query_terms', DEFAULT_EXPANSION.queryTerms, { min: 1, max: 200, integer: true }),
  };
}

/** The engine options `config[key]` asks for; undefined when it asks for the store's full-text search. */
export function readLexical(type: string, config: StrategyConfig, key: string): LexicalOptions | undefined {
  const raw = config[key];
  if (raw === undefined || raw === null || raw === false) return undefined;
  if (raw === true) return DEFAULT_LEXICAL;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new StrategyConfigError(`${type}: config "${key}" must be true, false or an object`);
  const c = raw as Record<string, unknown>;
  const unknown = Object.keys(c).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new StrategyConfigError(`${type}: config "${key}" has unknown keys ${unknown.join(', ')} (known: ${KEYS.join(', ')})`);
  const flat: StrategyConfig = Object.fromEntries(Object.entries(c).map(([k, v]) => [`${key}.${k}`, v]));
  return {
    expansion: readExpansion(type, c.expansion),
    charNgrams: num(type, flat, `${key}.char_ngrams`, DEFAULT_LEXICAL.charNgrams, { min: 0, max: 10 }),
    titleContext: bool(type, flat, `${key}.title_context`, DEFAULT_LEXICAL.titleContext),
    wholeDocument: num(type, flat, `${key}.whole_document`, DEFAULT_LEXICAL.wholeDocument, { min: 1, max: 1000, integer: true }),
    bm25: {
      k1: num(type, flat, `${key}.k1`, DEFAULT_LEXICAL.bm25.k1, { min: 0 }),
      b: num(type, flat, `${key}.b`, DEFAULT_LEXICAL.bm25.b, { min: 0, max: 1 }),
    },
  };
}
