import { readFile } from 'node:fs/promises';
import { configString, configStringList } from './config.js';
import { decodeText, looksLikeText, normaliseNewlines } from './decode.js';
import { htmlToSections } from './html-sections.js';
import { ParseError, type ParsedDocument, type Parser, type ParserInput } from './types.js';

/** The charset an HTML document declares in its first bytes (`<meta charset>` or http-equiv content type). */
export function declaredHtmlCharset(buf: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(buf.subarray(0, 2048));
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(head);
  return m?.[1];
}

/** HTML pages: readable text (no scripts, styles or navigation), one document per heading section. */
export class HTMLParser implements Parser {
  readonly type = 'HTMLParser';
  readonly defaultChunkStrategy = 'sections';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    const buf = await readFile(file.path);
    if (!looksLikeText(buf)) throw new ParseError('binary content, not HTML', 'unsupported');
    const decoded = decodeText(buf, configString(config, 'encoding') ?? declaredHtmlCharset(buf));
    const { title, sections } = htmlToSections(normaliseNewlines(decoded.text), {
      dropSelectors: configStringList(config, 'remove_selectors'),
    });
    return sections
      .filter((s) => s.text.trim() !== '')
      .map((s) => ({
        text: s.text,
        metadata: {
          headings: s.headings,
          ...(s.headings.length ? { section: s.headings[s.headings.length - 1], heading_level: s.level } : {}),
          ...(title ? { title } : {}),
          encoding: decoded.encoding,
        },
      }));
  }
}
