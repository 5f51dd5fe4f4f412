import mammoth from 'mammoth';
import { htmlToSections } from './html-sections.js';
import { requireOoxmlZip } from './office.js';
import { ParseError, type ParsedDocument, type Parser, type ParserInput } from './types.js';

/** Word (.docx) via mammoth: one document per heading section; tables become `cell | cell` lines. */
export class DocxParser implements Parser {
  readonly type = 'DocxParser';
  readonly defaultChunkStrategy = 'paragraphs';

  async parse(file: ParserInput): Promise<ParsedDocument[]> {
    await requireOoxmlZip(file.path, 'Word');
    let html: string;
    try {
      const result = await mammoth.convertToHtml(
        { path: file.path },
        { convertImage: mammoth.images.imgElement(async () => ({ src: '' })), externalFileAccess: false },
      );
      html = result.value;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/main document part/i.test(message)) throw new ParseError('not a Word document: the zip has no word/document.xml', 'malformed');
      throw new ParseError(`unreadable Word document: ${message}`, 'malformed');
    }
    const { sections } = htmlToSections(html);
    return sections
      .filter((s) => s.text.trim() !== '')
      .map((s) => ({
        text: s.text,
        metadata: {
          headings: s.headings,
          ...(s.headings.length ? { section: s.headings[s.headings.length - 1], heading_level: s.level } : {}),
        },
      }));
  }
}
