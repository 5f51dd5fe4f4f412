/**
 * The one conformance suite every chat runtime passes: non-stream, stream, usage, max_tokens, stop, abort,
 * upstream errors, concurrency, and reasoning kept out of the content.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { collectStream } from '../../src/adapters/runtimes/collect.js';
import { RuntimeError, type ChatDelta, type ChatRequest, type ChatRuntime } from '../../src/adapters/runtimes/types.js';

export interface BrokenRuntime {
  label: string;
  runtime: ChatRuntime;
  model: string;
  /** Called before each request (e.g. scripts the fake to fail). */
  arrange?(): void;
}

export interface RuntimeHarness {
  runtime: ChatRuntime;
  /** The request's `model`. */
  model: string;
  /** Makes the next request stream slowly enough to abort in the middle (fakes); real models are slow enough. */
  slowNext?(): void;
  /** Scripts the next reply to carry reasoning (runtimes whose upstream can be told to think). */
  scriptReasoning?(reasoning: string, content: string): void;
  /** Runtimes whose upstream fails: an HTTP 500, an unreachable server, a broken model, a cut stream... */
  broken: BrokenRuntime[];
  close(): Promise<void>;
}

const STORY_PROMPT = [{ role: 'user' as const, content: 'Tell me a story.' }];

export function runtimeConformance(name: string, setup: () => Promise<RuntimeHarness>, skip: string | false = false): void {
  describe(`chat runtime conformance: ${name}`, { skip }, () => {
    let h: RuntimeHarness;
    const req = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
      model: h.model,
      messages: STORY_PROMPT,
      temperature: 0,
      max_tokens: 40,
      ...extra,
    });
    const signal = () => new AbortController().signal;

    before(async () => {
      h = await setup();
    });
    after(async () => {
      await h?.close();
    });

    test('non-stream returns content, finish_reason and usage', async () => {
      const r = await h.runtime.complete(req(), { signal: signal() });
      assert.ok(r.content.trim().length > 0, 'content is not empty');
      assert.ok(['stop', 'length'].includes(r.finish_reason), `finish_reason ${r.finish_reason}`);
      assert.ok(typeof r.model === 'string' && r.model.length > 0);
      assert.ok(r.usage, 'usage present');
      assert.ok(r.usage.prompt_tokens > 0, 'prompt tokens counted');
      assert.ok(r.usage.completion_tokens > 0 && r.usage.completion_tokens <= 40, `completion tokens ${r.usage.completion_tokens}`);
      assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    });

    test('stream deltas concatenate to the non-stream text and end with finish_reason and usage', async () => {
      const whole = await h.runtime.complete(req(), { signal: signal() });
      const deltas: ChatDelta[] = [];
      for await (const d of h.runtime.stream(req(), { signal: signal() })) deltas.push(d);
      assert.ok(deltas.filter((d) => d.content).length > 1, 'content arrives in several deltas');
      const text = deltas.map((d) => d.content ?? '').join('');
      assert.equal(text, whole.content);
      const last = deltas.at(-1)!;
      assert.equal(last.finish_reason, whole.finish_reason);
      assert.equal(deltas.filter((d) => d.finish_reason).length, 1, 'exactly one delta carries finish_reason');
      assert.ok(last.usage && last.usage.completion_tokens > 0 && last.usage.prompt_tokens > 0, 'usage on the last delta');
    });

    test('max_tokens=5 → finish_reason length and at most 5 completion tokens (stream and non-stream)', async () => {
      const r = await h.runtime.complete(req({ max_tokens: 5 }), { signal: signal() });
      assert.equal(r.finish_reason, 'length');
      assert.ok(r.usage && r.usage.completion_tokens <= 5 && r.usage.completion_tokens > 0, `completion tokens ${r.usage?.completion_tokens}`);
      const s = await collectStream(h.runtime.stream(req({ max_tokens: 5 }), { signal: signal() }));
      assert.equal(s.finish_reason, 'length');
      assert.equal(s.content, r.content);
    });

    test('a stop sequence ends the reply before it', async () => {
      const base = await h.runtime.complete(req(), { signal: signal() });
      const stop = pickStopWord(base.content);
      const expected = base.content.slice(0, base.content.indexOf(stop));
      const r = await h.runtime.complete(req({ stop: [stop] }), { signal: signal() });
      assert.equal(r.finish_reason, 'stop');
      assert.ok(!r.content.includes(stop), `content must not contain the stop text '${stop}'`);
      assert.equal(r.content.trimEnd(), expected.trimEnd());
      const s = await collectStream(h.runtime.stream(req({ stop: [stop] }), { signal: signal() }));
      assert.equal(s.content.trimEnd(), expected.trimEnd());
      assert.equal(s.finish_reason, 'stop');
    });

    test('abort mid-stream rejects with an AbortError, and the runtime serves the next request', async () => {
      h.slowNext?.();
      const ctl = new AbortController();
      const long = req({ max_tokens: 400, messages: [{ role: 'user', content: 'Tell me a long story.' }] });
      let received = 0;
      let afterAbort = 0;
      await assert.rejects(
        (async () => {
          for await (const d of h.runtime.stream(long, { signal: ctl.signal })) {
            if (ctl.signal.aborted) afterAbort++;
            if (d.content) received++;
            if (received === 2) ctl.abort();
          }
        })(),
        (e: unknown) => e instanceof Error && e.name === 'AbortError',
      );
      assert.ok(afterAbort <= 3, `at most a few deltas after the abort, got ${afterAbort}`);
      const next = await h.runtime.complete(req({ max_tokens: 8 }), { signal: signal() });
      assert.ok(next.content.length > 0);
    });

    test('an already aborted signal rejects without calling the model (stream and non-stream)', async () => {
      const ctl = new AbortController();
      ctl.abort();
      await assert.rejects(h.runtime.complete(req(), { signal: ctl.signal }), { name: 'AbortError' });
      await assert.rejects(collectStream(h.runtime.stream(req(), { signal: ctl.signal })), { name: 'AbortError' });
    });

    test('abort of a non-stream request rejects with an AbortError', async () => {
      h.slowNext?.();
      const ctl = new AbortController();
      const p = h.runtime.complete(req({ max_tokens: 400, messages: [{ role: 'user', content: 'Tell me a long story.' }] }), { signal: ctl.signal });
      setTimeout(() => ctl.abort(), 30);
      await assert.rejects(p, { name: 'AbortError' });
    });

    test('upstream failures reject with RuntimeError naming the upstream (stream and non-stream)', async () => {
      assert.ok(h.broken.length > 0, 'the harness provides failing upstreams');
      for (const b of h.broken) {
        b.arrange?.();
        const e1 = await captureError(b.runtime.complete({ ...req(), model: b.model }, { signal: signal() }));
        assert.ok(e1 instanceof RuntimeError, `${b.label}: complete → RuntimeError, got ${String(e1)}`);
        assert.ok(e1.upstream.length > 0, `${b.label}: upstream named`);
        b.arrange?.();
        const e2 = await captureError(collectStream(b.runtime.stream({ ...req(), model: b.model }, { signal: signal() })));
        assert.ok(e2 instanceof RuntimeError, `${b.label}: stream → RuntimeError, got ${String(e2)}`);
      }
      const ok = await h.runtime.complete(req({ max_tokens: 5 }), { signal: signal() });
      assert.ok(ok.content.length > 0, 'the healthy runtime still works');
    });

    test('4 concurrent requests all complete', async () => {
      const prompts = ['Tell me a story.', 'Once upon a time', 'Lily went to the park.', 'The dog was happy.'];
      const results = await Promise.all(
        prompts.map((p, i) =>
          i % 2
            ? h.runtime.complete(req({ messages: [{ role: 'user', content: p }], max_tokens: 20 }), { signal: signal() })
            : collectStream(h.runtime.stream(req({ messages: [{ role: 'user', content: p }], max_tokens: 20 }), { signal: signal() })),
        ),
      );
      for (const r of results) {
        assert.ok(r.content.length > 0);
        assert.ok(['stop', 'length'].includes(r.finish_reason));
      }
    });

    test('reasoning comes back separately and never inside content (stream and non-stream)', async (t) => {
      if (!h.scriptReasoning) return t.skip('this upstream cannot be told to reason');
      h.scriptReasoning('Let me think about robots.', 'Robots are helpful.');
      const r = await h.runtime.complete(req({ think: true }), { signal: signal() });
      assert.equal(r.thinking?.trim(), 'Let me think about robots.');
      assert.equal(r.content, 'Robots are helpful.');
      h.scriptReasoning('Let me think about robots.', 'Robots are helpful.');
      const s = await collectStream(h.runtime.stream(req({ think: true }), { signal: signal() }));
      assert.equal(s.thinking?.trim(), 'Let me think about robots.');
      assert.equal(s.content, 'Robots are helpful.');
    });
  });
}

/** A word from the middle of the text whose first occurrence is not at the start. */
function pickStopWord(text: string): string {
  const words = text.split(/\s+/).filter((w) => /^[A-Za-z]{3,}$/.test(w));
  for (const w of words.slice(Math.floor(words.length / 3))) {
    if (text.indexOf(w) > 10) return w;
  }
  assert.fail(`no usable stop word in ${JSON.stringify(text)}`);
}

async function captureError(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}
