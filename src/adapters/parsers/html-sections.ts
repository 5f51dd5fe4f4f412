/**
 * Readable text out of HTML (web pages, and DOCX after mammoth turns it into HTML), split into sections at
 * headings. Scripts, styles, navigation and other non-content elements are dropped; block elements become line
 * breaks; table rows become `cell | cell` lines; list items become `- item` lines.
 */
import { parse, HTMLElement, NodeType, type Node } from 'node-html-parser';

export interface HtmlSection {
  /** Heading path from the top level down to this section's heading (empty before the first heading). */
  headings: string[];
  /** Heading level of this section (1–6), 0 before the first heading. */
  level: number;
  text: string;
}

export interface HtmlText {
  title?: string;
  sections: HtmlSection[];
}

const DROPPED = new Set(['script', 'style', 'nav', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object', 'head', 'button', 'select']);
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'html', 'li', 'main', 'ol', 'p', 'pre',
  'section', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul',
]);
const HEADING = /^h([1-6])$/;

function collapse(text: string): string {
  return text.replace(/[ \t\r\n\f\u00a0]+/g, ' ');
}

/** Text of a subtree with whitespace collapsed, skipping dropped elements (used for headings and table cells). */
function inlineText(el: HTMLElement): string {
  const parts: string[] = [];
  const stack: Node[] = [el];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeType === NodeType.TEXT_NODE) {
      parts.push(node.text);
    } else if (node instanceof HTMLElement && !DROPPED.has((node.rawTagName ?? '').toLowerCase())) {
      const tag = (node.rawTagName ?? '').toLowerCase();
      if (tag === 'br' || tag === 'td' || tag === 'th' || BLOCKS.has(tag)) parts.push(' ');
      for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
    }
  }
  return collapse(parts.join('')).trim();
}

class SectionBuilder {
  readonly sections: HtmlSection[] = [];
  private stack: Array<{ level: number; text: string }> = [];
  private lines: string[] = [];
  private line = '';
  private pendingHeadingLines: string[] = [];

  text(s: string): void {
    this.line += s;
  }

  /** Ends the current line (a block boundary). */
  br(): void {
    const l = this.line.replace(/[ \t]+/g, ' ').trim();
    if (l) this.lines.push(l);
    this.line = '';
  }

  /** Adds a complete line (a table row, a pre block line) as is. */
  rawLine(l: string): void {
    this.br();
    if (l.trim()) this.lines.push(l.replace(/\s+$/, ''));
  }

  heading(level: number, text: string): void {
    this.flush();
    while (this.stack.length && this.stack[this.stack.length - 1].level >= level) this.stack.pop();
    this.stack.push({ level, text });
    this.lines.push(text);
  }

  /** Closes the current section; a section that holds nothing but its heading is carried into the next one. */
  flush(): void {
    this.br();
    if (this.lines.length === 0) return;
    const headings = this.stack.map((h) => h.text);
    const ownHeading = headings.length ? headings[headings.length - 1] : undefined;
    const onlyHeading = ownHeading !== undefined && this.lines.length === 1 && this.lines[0] === ownHeading;
    if (onlyHeading) {
      this.pendingHeadingLines.push(...this.lines);
    } else {
      const text = [...this.pendingHeadingLines, ...this.lines].join('\n');
      this.sections.push({ headings, level: this.stack.length ? this.stack[this.stack.length - 1].level : 0, text });
      this.pendingHeadingLines = [];
    }
    this.lines = [];
  }

  finish(): HtmlSection[] {
    this.flush();
    if (this.pendingHeadingLines.length) {
      // Trailing headings with no body still carry text worth keeping.
      this.sections.push({ headings: this.stack.map((h) => h.text), level: this.stack.at(-1)?.level ?? 0, text: this.pendingHeadingLines.join('\n') });
      this.pendingHeadingLines = [];
    }
    return this.sections;
  }
}

function tableRowLine(tr: HTMLElement): string {
  const cells = tr.childNodes.filter((c): c is HTMLElement => c instanceof HTMLElement && (c.tagName === 'TD' || c.tagName === 'TH'));
  return cells.map(inlineText).filter((t) => t !== '').join(' | ');
}

type Step = { node: Node; exit?: false } | { node: HTMLElement; exit: true };

/** Walks the tree without recursion (malformed HTML can nest very deeply). */
function walk(root: HTMLElement, out: SectionBuilder, dropped: Set<string>): void {
  const stack: Step[] = [{ node: root }];
  while (stack.length) {
    const step = stack.pop()!;
    const node = step.node;
    if (step.exit) {
      out.br();
      continue;
    }
    if (node.nodeType === NodeType.TEXT_NODE) {
      out.text(collapse(node.text));
      continue;
    }
    if (!(node instanceof HTMLElement)) continue;
    const tag = (node.rawTagName ?? '').toLowerCase();
    if (dropped.has(tag) || node.getAttribute('hidden') !== undefined || node.getAttribute('aria-hidden') === 'true') continue;
    const h = HEADING.exec(tag);
    if (h) {
      const text = inlineText(node);
      if (text) out.heading(Number(h[1]), text);
      continue;
    }
    if (tag === 'br') {
      out.br();
      continue;
    }
    if (tag === 'tr') {
      out.rawLine(tableRowLine(node));
      continue;
    }
    if (tag === 'pre') {
      out.br();
      for (const l of node.text.split('\n')) out.rawLine(l);
      continue;
    }
    if (tag === 'img') {
      const alt = node.getAttribute('alt');
      if (alt?.trim()) out.text(` ${alt.trim()} `);
      continue;
    }
    const block = BLOCKS.has(tag);
    if (block) {
      out.br();
      stack.push({ node, exit: true });
      if (tag === 'li') out.text('- ');
    }
    for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push({ node: node.childNodes[i] });
  }
}

/** Parses HTML and returns its title and heading-delimited sections of readable text. */
export function htmlToSections(html: string, o: { dropSelectors?: string[] } = {}): HtmlText {
  const cleaned = html.replace(/<!DOCTYPE[^>]*>/gi, '').replace(/<\?xml[^>]*\?>/gi, '');
  const root = parse(cleaned, {
    lowerCaseTagName: false,
    comment: false,
    blockTextElements: { script: true, noscript: true, style: true, pre: true },
  });
  const titleEl = root.querySelector('title');
  const title = titleEl ? inlineText(titleEl) || undefined : undefined;
  for (const sel of o.dropSelectors ?? []) {
    try {
      for (const el of root.querySelectorAll(sel)) el.remove();
    } catch {
      // an invalid selector in config drops nothing
    }
  }
  const out = new SectionBuilder();
  walk(root, out, DROPPED);
  return { title, sections: out.finish() };
}
