import type { Chunk } from '../chunkers/types.js';
import { entryMatches, type FileMatchRule } from '../parsers/match.js';
import type { WarnLog } from '../parsers/types.js';
import { getExtractor } from './registry.js';

/** One `extractors[]` entry of a data processing strategy. */
export interface ExtractorEntry extends FileMatchRule {
  type: string;
  config?: Record<string, unknown>;
  /** Lower runs first; default 50. */
  priority?: number;
  required_for?: string[];
  condition?: string;
}

export interface ExtractorRunResult {
  /** Types that ran to the end (each chunk carries `extractor_<Type>: true`). */
  applied: string[];
  /** Types that failed or are unknown; logged and skipped. */
  failed: Array<{ type: string; error: string }>;
}

/**
 * Step 4 of ingestion: runs the entries that match the file (by `file_include_patterns` etc.; no patterns = all
 * files) in ascending priority (ties keep config order) over the chunks, in place. After each one every chunk
 * gets `extractor_<Type>: true` (the type as configured). A failing or unknown extractor is logged and skipped;
 * this function does not throw.
 */
export async function runExtractors(
  entries: ExtractorEntry[],
  chunks: Chunk[],
  file: { filename: string; mimeType?: string; path?: string },
  log?: WarnLog,
): Promise<ExtractorRunResult> {
  const result: ExtractorRunResult = { applied: [], failed: [] };
  const target = { filename: file.filename, mimeType: file.mimeType ?? '' };
  const ordered = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entryMatches(entry, target))
    .sort((a, b) => (a.entry.priority ?? 50) - (b.entry.priority ?? 50) || a.index - b.index);
  for (const { entry } of ordered) {
    try {
      await getExtractor(entry.type).extract(chunks, entry.config ?? {}, { filename: file.filename, path: file.path });
      for (const chunk of chunks) chunk.metadata[`extractor_${entry.type}`] = true;
      result.applied.push(entry.type);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      result.failed.push({ type: entry.type, error });
      log?.warn({ extractor: entry.type, file: file.filename, err: error }, 'extractor failed; skipped');
    }
  }
  return result;
}
