import { Lexer, type Token } from 'marked';
import { parse as parseYaml } from 'yaml';
import { readTextFile } from './read.js';
import type { ParsedDocument, Parser, ParserInput } from './types.js';

interface Section {
  headings: string[];
  level: number;
  parts: string[];
  hasBody: boolean;
}

/** Splits `---` YAML front matter off the top of a Markdown text. */
export function splitFrontMatter(text: string): { body: string; frontMatter?: Record<string, unknown> } {
  const m = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(text);
  if (!m) return { body: text };
  try {
    const data: unknown = parseYaml(m[1]);
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      return { body: text.slice(m[0].length), frontMatter: data as Record<string, unknown> };
    }
  } catch {
    // not YAML: leave the text alone
  }
  return { body: text };
}

/** Heading text without inline Markdown (emphasis, code ticks, link targets). */
function plainHeading(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Markdown: one document per heading section; `headings` is the path of headings down to the section. */
export class MarkdownParser implements Parser {
  readonly type = 'MarkdownParser';
  readonly defaultChunkStrategy = 'sections';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    const decoded = await readTextFile(file, config);
    const { body, frontMatter } = splitFrontMatter(decoded.text);
    const tokens: Token[] = new Lexer({ gfm: true }).lex(body);

    const sections: Section[] = [];
    const path: Array<{ level: number; text: string }> = [];
    let current: Section = { headings: [], level: 0, parts: [], hasBody: false };
    let carried: string[] = [];
    const close = () => {
      const own = current.parts.join('').trim();
      if (!own) return;
      if (!current.hasBody) {
        carried.push(own);
      } else {
        sections.push({ ...current, parts: [...carried.map((c) => `${c}\n\n`), own] });
        carried = [];
      }
    };
    for (const token of tokens) {
      if (token.type === 'heading') {
        close();
        const text = plainHeading(token.text);
        while (path.length && path[path.length - 1].level >= token.depth) path.pop();
        path.push({ level: token.depth, text });
        current = { headings: path.map((h) => h.text), level: token.depth, parts: [token.raw], hasBody: false };
      } else if (token.type !== 'def') {
        current.parts.push(token.raw);
        if (token.type !== 'space' && token.raw.trim() !== '') current.hasBody = true;
      }
    }
    close();
    if (carried.length) sections.push({ ...current, parts: carried.map((c) => `${c}\n\n`) });

    const title = typeof frontMatter?.title === 'string' ? frontMatter.title : undefined;
    return sections.map((s) => ({
      text: s.parts.join('').trim(),
      metadata: {
        headings: s.headings,
        ...(s.headings.length ? { section: s.headings[s.headings.length - 1], heading_level: s.level } : {}),
        ...(title ? { title } : {}),
        ...(frontMatter ? { frontmatter: frontMatter } : {}),
        encoding: decoded.encoding,
      },
    }));
  }
}
