/**
 * A Server-Sent Events response on a hijacked reply: `event:`/`data:` frames, heartbeat comments while idle,
 * and clean-up when either side ends it. Streams still open when the server closes are ended then.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
  /** Runs once when the stream ends, whoever ended it. */
  onClose(fn: () => void): void;
}

export interface EventStreams {
  open(reply: FastifyReply, heartbeatMs: number): EventStream;
  /** Streams open now. */
  readonly size: number;
}

/** Call while the app is being built (it adds an onClose hook). */
export function eventStreams(app: FastifyInstance): EventStreams {
  const set = new Set<EventStream>();
  app.addHook('onClose', async () => {
    for (const s of [...set]) s.end();
  });
  return {
    open: (reply, heartbeatMs) => openEventStream(reply, heartbeatMs, set),
    get size() {
      return set.size;
    },
  };
}

function openEventStream(reply: FastifyReply, heartbeatMs: number, streams: Set<EventStream>): EventStream {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': stream open\n\n');
  let ended = false;
  const closers: (() => void)[] = [];
  const heartbeat = setInterval(() => {
    if (!ended) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref();
  const finish = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    streams.delete(stream);
    for (const fn of closers.splice(0)) fn();
  };
  const stream: EventStream = {
    send(event, data) {
      if (ended) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (ended) return;
      finish();
      res.end();
    },
    onClose(fn) {
      if (ended) fn();
      else closers.push(fn);
    },
  };
  streams.add(stream);
  res.on('close', finish);
  return stream;
}
