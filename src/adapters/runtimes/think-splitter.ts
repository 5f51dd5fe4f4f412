/**
 * Separates an inline reasoning block (`<think>…</think>` at the very start of a reply, after optional
 * whitespace) from the answer, incrementally: feed text pieces as they stream in and get back the parts that are
 * now certain to be content or thinking. A tag split across pieces is held back until it can be decided, so the
 * concatenated output equals `splitThinking(wholeText)`.
 *
 * Only a block at the start counts: `<think>` later in a reply is ordinary content. The whitespace between
 * `</think>` and the answer is dropped; the thinking text is returned as the model wrote it.
 */

export interface SplitPiece {
  content: string;
  thinking: string;
}

export interface ThinkSplitterOptions {
  open?: string;
  close?: string;
  /** The prompt already opened the block (some templates end with `<think>`): start inside it. */
  startInside?: boolean;
}

type State = 'start' | 'thinking' | 'after' | 'content';

export class ThinkSplitter {
  private readonly open: string;
  private readonly close: string;
  private state: State;
  private buf = '';

  constructor(options: ThinkSplitterOptions = {}) {
    this.open = options.open ?? '<think>';
    this.close = options.close ?? '</think>';
    this.state = options.startInside ? 'thinking' : 'start';
  }

  /** True once the answer has started (everything after this is content). */
  get inContent(): boolean {
    return this.state === 'content';
  }

  push(text: string): SplitPiece {
    const out: SplitPiece = { content: '', thinking: '' };
    this.buf += text;
    this.drain(out);
    return out;
  }

  /** Flushes what is held back: an unclosed block is thinking, an undecided prefix is content. */
  end(): SplitPiece {
    const out: SplitPiece = { content: '', thinking: '' };
    if (this.state === 'start') out.content = this.buf;
    else if (this.state === 'thinking') out.thinking = this.buf;
    else if (this.state === 'content') out.content = this.buf;
    this.buf = '';
    this.state = 'content';
    return out;
  }

  private drain(out: SplitPiece): void {
    for (;;) {
      switch (this.state) {
        case 'content':
          out.content += this.buf;
          this.buf = '';
          return;
        case 'start': {
          const s = this.buf.trimStart();
          if (s.length < this.open.length && this.open.startsWith(s)) return; // undecided (includes all-blank)
          if (s.startsWith(this.open)) {
            this.buf = s.slice(this.open.length);
            this.state = 'thinking';
          } else {
            this.state = 'content';
          }
          continue;
        }
        case 'thinking': {
          const idx = this.buf.indexOf(this.close);
          if (idx >= 0) {
            out.thinking += this.buf.slice(0, idx);
            this.buf = this.buf.slice(idx + this.close.length);
            this.state = 'after';
            continue;
          }
          const hold = partialSuffixLength(this.buf, this.close);
          out.thinking += this.buf.slice(0, this.buf.length - hold);
          this.buf = this.buf.slice(this.buf.length - hold);
          return;
        }
        case 'after': {
          const s = this.buf.trimStart();
          if (!s) {
            this.buf = '';
            return;
          }
          this.buf = s;
          this.state = 'content';
          continue;
        }
      }
    }
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffixLength(text: string, tag: string): number {
  for (let n = Math.min(text.length, tag.length - 1); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/** One-shot split of a complete reply. */
export function splitThinking(text: string, options?: ThinkSplitterOptions): SplitPiece {
  const s = new ThinkSplitter(options);
  const a = s.push(text);
  const b = s.end();
  return { content: a.content + b.content, thinking: a.thinking + b.thinking };
}
