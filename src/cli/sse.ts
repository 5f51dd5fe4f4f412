/** Reading a Server-Sent Events response (`data: <json>` frames, optional `data: [DONE]`) with eventsource-parser. */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { CliError, EXIT } from './errors.js';

/** The JSON payloads of the stream's `data:` events, in order, until `[DONE]` or the end of the body. */
export async function* sseJson<T = any>(res: Response): AsyncGenerator<T> {
  if (!res.body) return;
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  try {
    for await (const ev of events) {
      if (ev.data === '[DONE]') return;
      if (!ev.data.trim()) continue;
      let value: T;
      try {
        value = JSON.parse(ev.data) as T;
      } catch {
        throw new CliError(`the server sent an event that is not JSON: ${ev.data.slice(0, 200)}`, EXIT.serverError);
      }
      yield value;
    }
  } catch (e) {
    if (e instanceof CliError || (e instanceof Error && e.name === 'AbortError')) throw e;
    throw new CliError(`the event stream from the server broke off: ${(e as Error).message}`, EXIT.serverError);
  }
}
