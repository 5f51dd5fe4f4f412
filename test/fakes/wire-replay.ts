/**
 * Recorded wire fixtures (`test/fixtures/wire/*.json`, our own capture format) replayed on a real `node:http`
 * server, so the runtime and embedder adapters are checked against the bytes real servers send — not only against
 * our own fakes' imitation of them.
 *
 * A recording: `{name, source, call, request: {method, path}, response: {status, headers, body}, expect}`.
 * - `source` says where the exchange comes from (a public API document or a capture);
 * - `call` says which adapter call replays it (`kind: chat | embed`, provider, stream, think, tools, inputs);
 * - `response.body` is the exact body text: JSON, SSE frames or NDJSON lines, sent in small slices so parsers see
 *   frames split across reads as they do on a real network;
 * - `expect` is what the adapter must make of it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WireRecording {
  name: string;
  source: string;
  call: { kind: 'chat' | 'embed'; provider: string; stream?: boolean; think?: boolean; tools?: boolean; inputs?: string[] };
  request: { method: string; path: string };
  response: { status: number; headers: Record<string, string>; body: string };
  expect: Record<string, any>;
}

export const WIRE_DIR = new URL('../fixtures/wire/', import.meta.url).pathname;

export function loadRecordings(dir = WIRE_DIR): WireRecording[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as WireRecording);
}

export interface ReplayServer {
  url: string;
  /** Requests received: method, path and parsed JSON body. */
  requests: Array<{ method: string; path: string; body: any }>;
  close(): Promise<void>;
}

/** Serves one recording: the recorded request path answers the recorded response; anything else 404s. */
export async function replay(rec: WireRecording, sliceBytes = 7): Promise<ReplayServer> {
  const requests: ReplayServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep the raw text */
      }
      const path = (req.url ?? '/').split('?')[0];
      requests.push({ method: req.method ?? 'GET', path, body });
      if (req.method !== rec.request.method || path !== rec.request.path) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no recording for ${req.method} ${path}` }));
        return;
      }
      res.writeHead(rec.response.status, rec.response.headers);
      const bytes = Buffer.from(rec.response.body, 'utf8');
      let at = 0;
      const next = (): void => {
        if (at >= bytes.length) {
          res.end();
          return;
        }
        res.write(bytes.subarray(at, at + sliceBytes));
        at += sliceBytes;
        setImmediate(next);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
