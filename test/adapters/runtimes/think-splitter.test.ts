import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThinkSplitter, splitThinking, type SplitPiece } from '../../../src/adapters/runtimes/think-splitter.js';

/** Feeds `text` in pieces cut at `cuts` and concatenates the output. */
function streamed(text: string, cuts: number[], opts?: ConstructorParameters<typeof ThinkSplitter>[0]): SplitPiece {
  const s = new ThinkSplitter(opts);
  const out: SplitPiece = { content: '', thinking: '' };
  let prev = 0;
  for (const c of [...cuts, text.length]) {
    const p = s.push(text.slice(prev, c));
    out.content += p.content;
    out.thinking += p.thinking;
    prev = c;
  }
  const e = s.end();
  return { content: out.content + e.content, thinking: out.thinking + e.thinking };
}

describe('ThinkSplitter', () => {
  test('a leading <think> block is split off; the blank lines after it are dropped', () => {
    assert.deepEqual(splitThinking('<think>\nI should greet.\n</think>\n\nHello there!'), {
      thinking: '\nI should greet.\n',
      content: 'Hello there!',
    });
  });

  test('leading whitespace before <think> is allowed', () => {
    assert.deepEqual(splitThinking('  \n<think>hmm</think>Hi'), { thinking: 'hmm', content: 'Hi' });
  });

  test('text without a leading block is content, even if it mentions <think> later', () => {
    const t = 'Use the <think> tag like this: <think>x</think>';
    assert.deepEqual(splitThinking(t), { thinking: '', content: t });
  });

  test('every way of cutting the stream gives the same split as the whole text', () => {
    const texts = [
      '<think>a < b and </thin k> is not a close</think>\n\nThe answer is 4.',
      '\n<think></think>Empty thoughts.',
      '<thinking>not our tag</thinking> content',
      '<thi',
      'plain reply',
      '<think>never closed because max_tokens hit',
    ];
    for (const t of texts) {
      const whole = splitThinking(t);
      for (let i = 0; i <= t.length; i++) {
        for (let j = i; j <= t.length; j += 3) {
          assert.deepEqual(streamed(t, [i, j]), whole, `cuts ${i},${j} of ${JSON.stringify(t)}`);
        }
      }
    }
  });

  test('an unclosed block is all thinking; an undecided prefix is flushed as content', () => {
    assert.deepEqual(splitThinking('<think>still going'), { thinking: 'still going', content: '' });
    assert.deepEqual(splitThinking('<thi'), { thinking: '', content: '<thi' });
  });

  test('holds back only what could still be a tag', () => {
    const s = new ThinkSplitter();
    assert.deepEqual(s.push('<th'), { content: '', thinking: '' });
    assert.deepEqual(s.push('ink>abc</'), { content: '', thinking: 'abc' });
    assert.deepEqual(s.push('x'), { content: '', thinking: '</x' });
    assert.deepEqual(s.push('</think>  '), { content: '', thinking: '' });
    assert.equal(s.inContent, false);
    assert.deepEqual(s.push(' ok'), { content: 'ok', thinking: '' });
    assert.equal(s.inContent, true);
    assert.deepEqual(s.push('<think>'), { content: '<think>', thinking: '' });
  });

  test('startInside: the prompt opened the block, the reply starts with reasoning', () => {
    assert.deepEqual(splitThinking('reasoning here</think>\nanswer', { startInside: true }), {
      thinking: 'reasoning here',
      content: 'answer',
    });
  });

  test('custom tags', () => {
    assert.deepEqual(splitThinking('<reasoning>r</reasoning>a', { open: '<reasoning>', close: '</reasoning>' }), {
      thinking: 'r',
      content: 'a',
    });
  });
});
