import { readFile } from 'node:fs/promises';
import { configString, configStringList } from './config.js';
import { decodeText, looksLikeText, normaliseNewlines } from './decode.js';
import { parse } from 'node-html-parser';
import { htmlToSections, type HtmlText } from './html-sections.js';
import { ParseError, type ParsedDocument, type Parser, type ParserInput } from './types.js';

/** The charset an HTML document declares in its first bytes (`<meta charset>` or http-equiv content type). */
export function declaredHtmlCharset(buf: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(buf.subarray(0, 2048));
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(head);
  return m?.[1];
}

const DROPPED_BLOCKS = /<!--[\s\S]*?-->|<(script|style|noscript|template|svg|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK_TAGS = /<\/?(?:p|div|br|li|ul|ol|tr|table|h[1-6]|section|article|header|footer|main|aside|blockquote|pre|dd|dt|dl|hr|body|html)\b[^>]*>/gi;
const ANY_TAG = /<\/?[A-Za-z!?][^>]*>/g;

/**
 * Text of HTML the tree parser cannot take (nesting deep enough to overflow its stack, say): markup removed by a
 * linear scan (scripts, styles and comments dropped, block tags become line breaks), entities decoded. One section.
 */
export function stripMarkup(html: string): HtmlText {
  const title = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1];
  const bare = html.replace(DROPPED_BLOCKS, ' ').replace(BLOCK_TAGS, '\n').replace(ANY_TAG, ' ').replace(/</g, '&lt;');
  // The text has no tags left, so the tree parser only decodes its entities (no nesting to recurse into).
  const text = parse(`<pre>${bare}</pre>`).text
    .split('\n')
    .map((l) => l.replace(/[ \t\f\r\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
  const t = title ? parse(`<p>${title.replace(/</g, '&lt;')}</p>`).text.trim() : undefined;
  return { ...(t ? { title: t } : {}), sections: text ? [{ headings: [], level: 0, text }] : [] };
}

/**
 * HTML pages: readable text (no scripts, styles or navigation), one document per heading section. HTML the tree
 * parser cannot take is stripped of its markup (`html_fallback: markup_stripped`), never indexed raw.
 */
export class HTMLParser implements Parser {
  readonly type = 'HTMLParser';
  readonly defaultChunkStrategy = 'sections';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    const buf = await readFile(file.path);
    if (!looksLikeText(buf)) throw new ParseError('binary content, not HTML', 'unsupported');
    const decoded = decodeText(buf, configString(config, 'encoding') ?? declaredHtmlCharset(buf));
    const html = normaliseNewlines(decoded.text);
    let parsed: HtmlText;
    let fallback = false;
    try {
      parsed = htmlToSections(html, { dropSelectors: configStringList(config, 'remove_selectors') });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      parsed = stripMarkup(html);
      fallback = true;
    }
    const { title, sections } = parsed;
    return sections
      .filter((s) => s.text.trim() !== '')
      .map((s) => ({
        text: s.text,
        metadata: {
          headings: s.headings,
          ...(s.headings.length ? { section: s.headings[s.headings.length - 1], heading_level: s.level } : {}),
          ...(title ? { title } : {}),
          encoding: decoded.encoding,
          ...(fallback ? { html_fallback: 'markup_stripped' } : {}),
        },
      }));
  }
}
