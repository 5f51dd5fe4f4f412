import type { ParsedDocument } from '../parsers/types.js';
import { paragraphUnits } from './paragraphs.js';
import { effectiveOverlap, effectiveSize } from './per-document.js';
import { packSpans, type Span } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

export interface TextSection {
  headings: string[];
  span: Span;
}

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$/;
const FENCE = /^ {0,3}(```|~~~)/;

/**
 * Sections of a text at Markdown headings (`#` … `######`, outside fenced code); each knows its heading path.
 * A heading with nothing under it before the next heading is merged into the next section.
 */
export function markdownSections(text: string): TextSection[] {
  const marks: Array<{ start: number; bodyStart: number; headings: string[] }> = [{ start: 0, bodyStart: 0, headings: [] }];
  const path: Array<{ level: number; text: string }> = [];
  let fence: string | undefined;
  let pos = 0;
  for (const line of text.split('\n')) {
    const f = FENCE.exec(line);
    if (f) fence = fence === undefined ? f[1] : fence === f[1] ? undefined : fence;
    const h = fence === undefined && !f ? ATX_HEADING.exec(line) : null;
    if (h && h[2].trim()) {
      const level = h[1].length;
      while (path.length && path[path.length - 1].level >= level) path.pop();
      path.push({ level, text: h[2].trim() });
      marks.push({ start: pos, bodyStart: pos + line.length, headings: path.map((p) => p.text) });
    }
    pos += line.length + 1;
  }
  const sections: TextSection[] = [];
  let carriedStart: number | undefined;
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].start : text.length;
    const start = carriedStart ?? m.start;
    const hasBody = text.slice(m.bodyStart, end).trim() !== '';
    if (!hasBody && i + 1 < marks.length && m.headings.length > 0) {
      carriedStart = start;
      return;
    }
    carriedStart = undefined;
    if (text.slice(start, end).trim()) sections.push({ headings: m.headings, span: [start, end] });
  });
  return sections;
}

/**
 * One chunk per section; sections longer than `chunk_size` are split at paragraphs (with overlap). Documents
 * that a parser already split into sections (metadata `headings`) count as one section each; other texts are
 * split at Markdown headings.
 */
export class SectionChunker implements Chunker {
  readonly strategy = 'sections';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const size = effectiveSize(o);
    const overlap = effectiveOverlap(o);
    const chunks: Chunk[] = [];
    for (const doc of docs) {
      const given = doc.metadata.headings;
      const sections = Array.isArray(given)
        ? [{ headings: given as string[], span: [0, doc.text.length] as Span }]
        : markdownSections(doc.text);
      for (const { headings, span } of sections) {
        const pieces = span[1] - span[0] <= size
          ? [doc.text.slice(span[0], span[1])]
          : packSpans(doc.text, paragraphUnits(doc.text, size, span), size, overlap);
        const metadata = {
          ...doc.metadata,
          headings,
          ...(headings.length ? { section: headings[headings.length - 1] } : {}),
        };
        for (const piece of pieces) {
          const text = piece.trim();
          if (text) chunks.push({ text, metadata: { ...metadata } });
        }
      }
    }
    return chunks;
  }
}
