/**
 * Rules for every connection the server makes on a config's behalf (decision 0112): model and embedder
 * `base_url`s, rerankers, MCP `http`/`sse` servers, store hosts.
 *
 * - only `http:` and `https:` URLs;
 * - never a link-local or cloud-metadata address (169.254.0.0/16, fe80::/10, fd00:ec2::254, also written as an
 *   IPv4-mapped, IPv4-compatible or NAT64 IPv6 address): literal addresses are refused when a config is saved
 *   (`configOutboundIssues`) and again before each request, names resolving to them when the connection is made
 *   (a lookup hook on the agents of `outboundFetch`), and every redirect is checked again;
 * - loopback and private addresses stay allowed (a local Ollama is the main use);
 * - `LF_OUTBOUND_ALLOW` (host names, addresses and CIDRs, comma separated) restricts further: a connection must
 *   go to a listed name, or to an address inside a listed range.
 *
 * `outboundFetch` is a WHATWG `fetch` (the subset our callers use) over `node:http`/`node:https`, because the
 * lookup hook needs an agent of our own (the global fetch's dispatcher cannot be given one without `undici`).
 */
import http from 'node:http';
import https from 'node:https';
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, BlockList } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** The `dns.lookup` signature used by `net.connect` (all forms). */
export type LookupFn = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

const BLOCKED = new BlockList();
BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4');
BLOCKED.addSubnet('fe80::', 10, 'ipv6');
BLOCKED.addAddress('fd00:ec2::254', 'ipv6');

let allowList: string[] = [];
const systemLookup = dns.lookup as unknown as LookupFn;
let processLookup: LookupFn = systemLookup;

/**
 * Sets `LF_OUTBOUND_ALLOW` (empty: no restriction beyond the fixed rules). Called once at startup; tests may
 * also replace the name resolution of `outboundFetch` (`lookup`; default `dns.lookup`).
 */
export function configureOutbound(allow: string[], o: { lookup?: LookupFn } = {}): void {
  allowList = allow.map((x) => x.trim().toLowerCase()).filter(Boolean);
  processLookup = o.lookup ?? systemLookup;
}

export function outboundAllowList(): readonly string[] {
  return allowList;
}

export class OutboundRefused extends Error {
  readonly code = 'ERR_LF_OUTBOUND_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

/** 8 groups of 16 bits, or undefined when `ip` is not IPv6. */
function ipv6Groups(ip: string): number[] | undefined {
  if (isIP(ip) !== 6) return undefined;
  let s = ip.toLowerCase().split('%')[0];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const p = v4[1].split('.').map(Number);
    s = s.slice(0, -v4[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/** The IPv4 address an IPv6 address carries (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::`). */
function embeddedIpv4(g: number[]): string | undefined {
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || g[7] > 1)));
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  return [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff].join('.');
}

/** Why `ip` may never be contacted (link-local / cloud metadata), or undefined. */
export function blockedAddressReason(ip: string): string | undefined {
  const family = isIP(ip);
  if (!family) return undefined;
  let v4 = family === 4 ? ip : undefined;
  if (family === 6) {
    const g = ipv6Groups(ip)!;
    v4 = embeddedIpv4(g);
    const normal = g.map((x) => x.toString(16)).join(':');
    if (!v4 && BLOCKED.check(normal, 'ipv6')) return `${ip} is a link-local or cloud metadata address`;
  }
  if (v4 && BLOCKED.check(v4, 'ipv4')) return `${ip} is a link-local or cloud metadata address`;
  return undefined;
}

function inAllowedRange(ip: string): boolean {
  const list = new BlockList();
  for (const entry of allowList) {
    const [addr, bits] = entry.split('/');
    const family = isIP(addr);
    if (!family) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  const family = isIP(ip);
  if (family === 6) {
    const v4 = embeddedIpv4(ipv6Groups(ip)!);
    if (v4 && list.check(v4, 'ipv4')) return true;
  }
  return family === 4 ? list.check(ip, 'ipv4') : family === 6 ? list.check(ip, 'ipv6') : false;
}

function nameAllowed(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return allowList.some((e) => e === h || (e.startsWith('*.') && h.endsWith(e.slice(1))));
}

/** `[::1]` → `::1` */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Why a connection to `host` (a name or a literal address) is refused before any lookup, or undefined. */
export function hostRefusal(hostname: string): string | undefined {
  const host = bareHost(hostname);
  const blocked = blockedAddressReason(host);
  if (blocked) return blocked;
  if (!allowList.length) return undefined;
  if (nameAllowed(host)) return undefined;
  if (isIP(host)) return inAllowedRange(host) ? undefined : `${host} is not in LF_OUTBOUND_ALLOW`;
  // A name not listed may still resolve into a listed range: decided at connect time.
  return undefined;
}

/** Why `raw` may not be fetched (scheme, literal address, allow list), or undefined. */
export function urlRefusal(raw: string | URL): string | undefined {
  let url: URL;
  try {
    url = raw instanceof URL ? raw : new URL(raw);
  } catch {
    return `'${String(raw)}' is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}`;
  return hostRefusal(url.hostname);
}

/** Checks the addresses a name resolved to; an error (to hand to the lookup callback) or undefined. */
function resolvedRefusal(hostname: string, addresses: string[]): string | undefined {
  for (const a of addresses) {
    const r = blockedAddressReason(a);
    if (r) return `${hostname} resolves to ${a}, a link-local or cloud metadata address`;
  }
  if (allowList.length && !nameAllowed(hostname) && !addresses.every(inAllowedRange)) {
    return `${hostname} is not in LF_OUTBOUND_ALLOW (it resolves to ${addresses.join(', ')})`;
  }
  return undefined;
}

/** A lookup that refuses names resolving to refused addresses (for agents and `net.connect`). */
export function guardedLookup(base?: LookupFn): LookupFn {
  return (hostname, options, callback) => {
    (base ?? processLookup)(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      const refusal = resolvedRefusal(hostname, list.map((a) => a.address));
      if (refusal) return callback(new OutboundRefused(`outbound connection refused: ${refusal}`) as NodeJS.ErrnoException, '');
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * For clients we cannot give our lookup (the Chroma and Postgres drivers): checks `hostname` and, for a name,
 * what it resolves to now. Rejects with OutboundRefused.
 */
export async function checkOutboundHost(hostname: string, lookup?: LookupFn): Promise<void> {
  const host = bareHost(hostname);
  if (!host) return;
  const refusal = hostRefusal(host);
  if (refusal) throw new OutboundRefused(`outbound connection refused: ${refusal}`);
  if (isIP(host)) return;
  await new Promise<void>((resolve, reject) => {
    guardedLookup(lookup)(host, { all: true }, (err) => (err ? reject(err) : resolve()));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// fetch

export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface OutboundFetchOptions {
  /** Name resolution (tests inject one); default: the process's (`configureOutbound`), i.e. `dns.lookup`. */
  lookup?: LookupFn;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

/** A `fetch` whose connections obey the rules above. */
export function createOutboundFetch(o: OutboundFetchOptions = {}): FetchFn {
  const lookup = guardedLookup(o.lookup);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, lookup } as http.AgentOptions),
    'https:': new https.Agent({ keepAlive: true, lookup } as https.AgentOptions),
  };
  const maxRedirects = o.maxRedirects ?? 5;
  return async (input, init = {}) => {
    const req = input instanceof Request ? input : undefined;
    let url = new URL(req ? req.url : String(input));
    let method = (init.method ?? req?.method ?? 'GET').toUpperCase();
    const headers = new Headers(req?.headers);
    new Headers(init.headers).forEach((v, k) => headers.set(k, v));
    let body = await bodyBytes(init.body ?? (req?.body ? await req.arrayBuffer() : undefined));
    const signal = init.signal ?? req?.signal ?? undefined;
    const redirect = init.redirect ?? req?.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      const refusal = urlRefusal(url);
      if (refusal) throw new TypeError('fetch failed', { cause: new OutboundRefused(`outbound request to ${url.origin} refused: ${refusal}`) });
      const res = await send(url, method, headers, body, signal, agents[url.protocol as 'http:' | 'https:']);
      const location = res.headers.location;
      if (redirect === 'manual' || !location || ![301, 302, 303, 307, 308].includes(res.statusCode ?? 0)) return toResponse(res, url, method);
      res.resume();
      if (redirect === 'error') throw new TypeError('fetch failed', { cause: new Error(`redirected to ${location}`) });
      if (hop >= maxRedirects) throw new TypeError('fetch failed', { cause: new Error(`more than ${maxRedirects} redirects`) });
      const next = new URL(location, url);
      if (next.origin !== url.origin) for (const h of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) headers.delete(h);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      url = next;
    }
  };
}

async function bodyBytes(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  if (body instanceof ReadableStream) return Buffer.from(await new Response(body).arrayBuffer());
  throw new TypeError(`unsupported request body type ${Object.prototype.toString.call(body)}`);
}

function send(url: URL, method: string, headers: Headers, body: Buffer | undefined, signal: AbortSignal | undefined, agent: http.Agent): Promise<http.IncomingMessage> {
  const h: Record<string, string> = {};
  headers.forEach((v, k) => (h[k] = v));
  if (body) h['content-length'] = String(body.length);
  h['accept-encoding'] ??= 'gzip, deflate, br';
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    const r = lib.request(url, { method, headers: h, agent, signal }, resolve);
    r.on('error', (e) => {
      if (signal?.aborted) return reject(signal.reason ?? e);
      reject(new TypeError('fetch failed', { cause: e }));
    });
    r.end(body);
  });
}

function toResponse(res: http.IncomingMessage, url: URL, method: string): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) headers.append(k, x);
  }
  const status = res.statusCode ?? 502;
  let stream: Readable = res;
  const encoding = (res.headers['content-encoding'] ?? '').toLowerCase();
  const decoder = encoding === 'gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : undefined;
  if (decoder) {
    stream = res.pipe(decoder);
    res.on('error', (e) => decoder.destroy(e));
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  const empty = method === 'HEAD' || status === 204 || status === 304;
  if (empty) res.resume();
  const response = new Response(empty ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>), {
    status: status < 200 || status > 599 ? 502 : status,
    statusText: res.statusMessage,
    headers,
  });
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/** The process's outbound fetch (system name resolution). */
export const outboundFetch: FetchFn = createOutboundFetch();
