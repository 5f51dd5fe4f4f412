/**
 * One HTTP call to an upstream model server: the caller's AbortSignal plus a timeout (for streams an idle
 * timeout, re-armed by every piece received), and every failure turned into a `RuntimeError` naming the upstream,
 * the URL and the status. A caller abort is rethrown as the signal's reason (an `AbortError` by default).
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { RuntimeError } from './types.js';
import { outboundFetch } from '../../core/outbound.js';
import { bodyForLog, upstreamErrorMessage } from '../../core/upstream-error.js';

export const DEFAULT_TIMEOUT_MS = 300_000;

/** `LF_RUNTIME_TIMEOUT_MS`, else 5 minutes: whole non-stream call, or the longest silence in a stream. */
export function runtimeTimeoutMs(): number {
  const n = Number(process.env.LF_RUNTIME_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_TIMEOUT_MS;
}

export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'APIUserAbortError');
}

export class UpstreamCall {
  private readonly timeoutCtl = new AbortController();
  private readonly signal: AbortSignal;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly provider: string,
    readonly url: string,
    private readonly callerSignal: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    this.signal = AbortSignal.any([callerSignal, this.timeoutCtl.signal]);
  }

  /** POSTs JSON; resolves once the response headers say 2xx. */
  async post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    if (this.callerSignal.aborted) throw abortError(this.callerSignal);
    this.touch();
    let res: Response;
    try {
      res = await outboundFetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(body),
        signal: this.signal,
      });
    } catch (e) {
      throw this.failure(e);
    }
    if (!res.ok) {
      let text = '';
      try {
        text = await res.text();
      } catch {
        /* the status says enough */
      }
      this.finish();
      // Only an OpenAI/Ollama-shaped error message is passed on; the body itself goes to the log (decision 0113).
      const message = upstreamErrorMessage(text);
      throw new RuntimeError(`${this.provider} upstream ${this.url} answered HTTP ${res.status}${message ? `: ${message}` : ''}`, this.url, res.status, {
        upstreamBody: bodyForLog(text),
      });
    }
    return res;
  }

  /** The whole body as JSON. */
  async json(res: Response): Promise<unknown> {
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.finish();
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RuntimeError(`${this.provider} upstream ${this.url} answered something that is not JSON`, this.url, res.status, { upstreamBody: bodyForLog(text) });
    }
  }

  /** SSE `data:` payloads, in order; ends at `[DONE]` or when the body ends. */
  async *sseData(res: Response): AsyncGenerator<string> {
    if (!res.body) throw new RuntimeError(`${this.provider} upstream ${this.url} sent no body`, this.url, res.status);
    const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    try {
      for await (const ev of events) {
        this.touch();
        if (ev.data === '[DONE]') return;
        yield ev.data;
      }
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.finish();
    }
  }

  /** Newline-delimited JSON lines (Ollama's native stream). */
  async *lines(res: Response): AsyncGenerator<string> {
    if (!res.body) throw new RuntimeError(`${this.provider} upstream ${this.url} sent no body`, this.url, res.status);
    let rest = '';
    try {
      for await (const text of res.body.pipeThrough(new TextDecoderStream())) {
        this.touch();
        rest += text;
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl).trim();
          rest = rest.slice(nl + 1);
          if (line) yield line;
        }
      }
      if (rest.trim()) yield rest.trim();
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.finish();
    }
  }

  /** Parses one streamed JSON piece; an `{error}` object the server sends mid-stream becomes a RuntimeError. */
  parsePiece(data: string): Record<string, unknown> {
    let v: unknown;
    try {
      v = JSON.parse(data);
    } catch {
      throw new RuntimeError(`${this.provider} upstream ${this.url} sent an invalid stream piece`, this.url, undefined, { upstreamBody: bodyForLog(data) });
    }
    if (!v || typeof v !== 'object') throw new RuntimeError(`${this.provider} upstream ${this.url} sent a non-object stream piece`, this.url);
    const o = v as Record<string, unknown>;
    if (o.error) {
      const message = upstreamErrorMessage(o);
      throw new RuntimeError(`${this.provider} upstream ${this.url} failed mid-stream${message ? `: ${message}` : ''}`, this.url, undefined, { upstreamBody: bodyForLog(data) });
    }
    return o;
  }

  /** A stream that ended without its closing piece. */
  truncated(): RuntimeError {
    return new RuntimeError(`${this.provider} upstream ${this.url} ended the stream before it finished`, this.url);
  }

  /** Stops the timer and the request (also used when the consumer stops reading early). */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.timeoutCtl.signal.aborted && !this.callerSignal.aborted) this.timeoutCtl.abort(new DOMException('finished', 'AbortError'));
  }

  private touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.timeoutCtl.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
    this.timer.unref?.();
  }

  /** Maps a fetch/read error: caller abort → the abort reason; timeout or network failure → RuntimeError. */
  private failure(e: unknown): unknown {
    if (e instanceof RuntimeError) return e;
    if (this.callerSignal.aborted) return abortError(this.callerSignal);
    if (this.timeoutCtl.signal.aborted && (this.timeoutCtl.signal.reason as Error | undefined)?.name === 'TimeoutError') {
      return new RuntimeError(`${this.provider} upstream ${this.url} timed out after ${this.timeoutMs} ms`, this.url, undefined, { cause: e });
    }
    return new RuntimeError(`${this.provider} upstream ${this.url} failed: ${causeText(e)}`, this.url, undefined, { cause: e });
  }
}

/** `fetch failed` hides the reason in `cause` (e.g. `connect ECONNREFUSED 127.0.0.1:1`). */
function causeText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur && i < 4; i++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      parts.push(typeof code === 'string' && !cur.message.includes(code) ? `${cur.message} (${code})` : cur.message);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': ') || 'unknown error';
}
