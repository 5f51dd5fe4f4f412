import { CharacterChunker } from './characters.js';
import { DocumentChunker } from './documents.js';
import { ParagraphChunker } from './paragraphs.js';
import { RowChunker } from './rows.js';
import { SectionChunker } from './sections.js';
import { SentenceChunker } from './sentences.js';
import { TokenChunker } from './tokens.js';
import type { Chunker } from './types.js';

const FACTORIES: Record<string, () => Chunker> = {
  characters: () => new CharacterChunker(),
  sentences: () => new SentenceChunker(),
  paragraphs: () => new ParagraphChunker(),
  sections: () => new SectionChunker(),
  rows: () => new RowChunker(),
  tokens: () => new TokenChunker(),
  documents: () => new DocumentChunker(),
};

/**
 * Other names the original parsers accept for a strategy. `semantic` (embedding-based grouping in the original)
 * is approximated by sentence packing; `code` by paragraphs (blank lines separate definitions).
 */
const ALIASES: Record<string, string> = {
  character: 'characters', chars: 'characters', fixed: 'characters',
  sentence: 'sentences', semantic: 'sentences',
  paragraph: 'paragraphs', code: 'paragraphs',
  section: 'sections', headings: 'sections', heading: 'sections', markdown: 'sections',
  row: 'rows', columns: 'rows',
  token: 'tokens',
  document: 'documents', pages: 'documents', page: 'documents', full: 'documents', none: 'documents',
};

/** Canonical strategy names. */
export function chunkStrategies(): string[] {
  return Object.keys(FACTORIES);
}

/** The canonical strategy for a name or alias (case-insensitive), or undefined. */
export function resolveChunkStrategy(name: string): string | undefined {
  const key = name.trim().toLowerCase();
  if (key in FACTORIES) return key;
  return ALIASES[key];
}

/** The chunker for a strategy name or alias; unknown names throw an Error listing the known strategies. */
export function getChunker(strategy: string): Chunker {
  const name = resolveChunkStrategy(strategy);
  if (!name) {
    throw new Error(`Unknown chunk strategy "${strategy}". Known strategies: ${chunkStrategies().join(', ')} (aliases: ${Object.keys(ALIASES).join(', ')})`);
  }
  return FACTORIES[name]();
}
