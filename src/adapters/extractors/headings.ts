import type { Chunk } from '../chunkers/types.js';
import { configNumber } from '../parsers/config.js';
import type { Extractor } from './types.js';

export interface FoundHeading {
  level: number;
  text: string;
}

/** Markdown headings in a text: ATX (`## Title`) and setext (`Title` over `===`/`---`), outside code fences. */
export function findHeadings(text: string, maxLevel = 6): FoundHeading[] {
  const out: FoundHeading[] = [];
  const lines = text.split('\n');
  let inFence = false;
  lines.forEach((line, i) => {
    if (/^\s{0,3}(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) return;
    const atx = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (atx) {
      out.push({ level: atx[1].length, text: atx[2] });
    } else if (i > 0 && /^\s{0,3}(=+|-+)\s*$/.test(line) && lines[i - 1].trim() && !/^\s*[-*>#|]/.test(lines[i - 1])) {
      out.push({ level: line.trim()[0] === '=' ? 1 : 2, text: lines[i - 1].trim() });
    }
  });
  return out.filter((h) => h.level <= maxLevel);
}

/**
 * `extracted_headings` ([{level, text}]) and `heading_count` per chunk, plus `heading_hierarchy`
 * (`A > B > C`) from the parser's `headings` path, else from the chunk's own headings. Config `max_level` (6).
 */
export class HeadingExtractor implements Extractor {
  readonly type = 'HeadingExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const maxLevel = configNumber(config, 'max_level', 6);
    for (const chunk of chunks) {
      const found = findHeadings(chunk.text, maxLevel);
      chunk.metadata.extracted_headings = found;
      chunk.metadata.heading_count = found.length;
      const path = Array.isArray(chunk.metadata.headings) && chunk.metadata.headings.length
        ? (chunk.metadata.headings as string[])
        : found.map((h) => h.text);
      if (path.length) chunk.metadata.heading_hierarchy = path.join(' > ');
    }
  }
}
