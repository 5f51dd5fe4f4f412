import { DateTimeExtractor } from './datetime.js';
import { EntityExtractor } from './entities.js';
import { HeadingExtractor } from './headings.js';
import { KeywordExtractor } from './keywords.js';
import { LinkExtractor } from './links.js';
import { PathExtractor } from './path.js';
import { PatternExtractor } from './patterns.js';
import { ContentStatisticsExtractor } from './statistics.js';
import { SummaryExtractor } from './summary.js';
import { TableExtractor } from './tables.js';
import type { Extractor } from './types.js';

/** Type name (as in llamafarm.yaml) → factory. YAKE/RAKE/TFIDF are the keyword extractor with a fixed algorithm. */
const FACTORIES: Record<string, () => Extractor> = {
  ContentStatisticsExtractor: () => new ContentStatisticsExtractor(),
  KeywordExtractor: () => new KeywordExtractor(),
  YAKEExtractor: () => new KeywordExtractor('yake'),
  RAKEExtractor: () => new KeywordExtractor('rake'),
  TFIDFExtractor: () => new KeywordExtractor('tfidf'),
  EntityExtractor: () => new EntityExtractor(),
  DateTimeExtractor: () => new DateTimeExtractor(),
  HeadingExtractor: () => new HeadingExtractor(),
  LinkExtractor: () => new LinkExtractor(),
  PatternExtractor: () => new PatternExtractor(),
  TableExtractor: () => new TableExtractor(),
  PathExtractor: () => new PathExtractor(),
  SummaryExtractor: () => new SummaryExtractor(),
};

const BY_LOWER = new Map(Object.keys(FACTORIES).map((k) => [k.toLowerCase(), k]));

export function extractorTypes(): string[] {
  return Object.keys(FACTORIES);
}

/** Canonical extractor type for a name in any letter case, with or without the `Extractor` suffix. */
export function resolveExtractorType(type: string): string | undefined {
  const key = type.trim().toLowerCase();
  return BY_LOWER.get(key) ?? BY_LOWER.get(`${key}extractor`) ?? (key === 'statisticsextractor' ? 'ContentStatisticsExtractor' : undefined);
}

/** The extractor for a type name; unknown names throw an Error that lists the known types. */
export function getExtractor(type: string): Extractor {
  const name = resolveExtractorType(type);
  if (!name) throw new Error(`Unknown extractor type "${type}". Known types: ${extractorTypes().join(', ')}`);
  return FACTORIES[name]();
}
