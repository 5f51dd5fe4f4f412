import type { Chunk } from '../chunkers/types.js';

/** Extractors add metadata to chunks in place (keywords, entities, links, statistics, ...). */
export interface Extractor {
  readonly type: string;
  extract(chunks: Chunk[], config: Record<string, unknown>, file: { filename: string; path?: string }): void | Promise<void>;
}
