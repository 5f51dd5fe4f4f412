import { configBool } from './config.js';
import { readTextFile } from './read.js';
import type { ParsedDocument, Parser, ParserInput } from './types.js';

/** Trims trailing spaces on each line and collapses runs of blank lines to one (paragraphs survive). */
export function cleanText(text: string): string {
  return text
    .replace(/[ \t\f\v]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Plain text and source code: the whole file as one document. */
export class TextParser implements Parser {
  readonly type = 'TextParser';
  readonly defaultChunkStrategy = 'sentences';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    const decoded = await readTextFile(file, config);
    const text = configBool(config, 'clean_text', true) ? cleanText(decoded.text) : decoded.text;
    if (text.trim() === '') return [];
    return [{
      text,
      metadata: { encoding: decoded.encoding, line_count: text.split('\n').length, char_count: text.length },
    }];
  }
}
