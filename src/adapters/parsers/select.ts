import { entryMatches } from './match.js';
import { resolveParserType } from './registry.js';

export { entryMatches };

/** One `parsers[]` entry of a data processing strategy. */
export interface ParserEntry {
  type: string;
  config?: Record<string, unknown>;
  file_include_patterns?: string[];
  /** Written by templates; honoured here (a matching file skips this entry). */
  file_exclude_patterns?: string[];
  file_extensions?: string[];
  mime_types?: string[];
  /** Lower is tried first; default 50. */
  priority?: number;
  fallback_parser?: string;
  /** Set on candidates `selectParsers` adds: from an entry's `fallback_parser`, or the final text fallback. */
  fallback?: 'fallback_parser' | 'text';
}

export const DEFAULT_PRIORITY = 50;

function isTextParser(type: string): boolean {
  return resolveParserType(type) === 'TextParser';
}

/**
 * The parsers to try for a file, in order: matching entries by ascending priority (ties keep config order);
 * then the `fallback_parser` of each, inheriting that entry's config; when no entry matches, the strategy's
 * TextParser entries; and finally a plain `TextParser` (unless a TextParser is already a candidate).
 */
export function selectParsers(entries: ParserEntry[], file: { filename: string; mimeType: string }): ParserEntry[] {
  const matched = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entryMatches(entry, file))
    .sort((a, b) => (a.entry.priority ?? DEFAULT_PRIORITY) - (b.entry.priority ?? DEFAULT_PRIORITY) || a.index - b.index)
    .map(({ entry }) => entry);

  const candidates: ParserEntry[] = [...matched];
  const has = (type: string) => {
    const wanted = resolveParserType(type);
    return wanted !== undefined && candidates.some((c) => resolveParserType(c.type) === wanted);
  };
  for (const entry of matched) {
    if (entry.fallback_parser && !has(entry.fallback_parser)) {
      candidates.push({ type: entry.fallback_parser, config: entry.config, fallback: 'fallback_parser' });
    }
  }
  if (matched.length === 0) candidates.push(...entries.filter((e) => isTextParser(e.type)));
  if (!candidates.some((c) => isTextParser(c.type))) candidates.push({ type: 'TextParser', config: {}, fallback: 'text' });
  return candidates;
}
