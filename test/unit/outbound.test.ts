/**
 * Outbound rules (decision 0112) on real loopback servers: refused addresses in every spelling, schemes, names
 * resolving to link-local addresses (an injected lookup stands in for DNS), redirects re-checked, and the
 * optional LF_OUTBOUND_ALLOW list.
 */
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  blockedAddressReason,
  checkOutboundHost,
  configureOutbound,
  createOutboundFetch,
  OutboundRefused,
  urlRefusal,
  type LookupFn,
} from '../../src/core/outbound.js';

/** A resolver that knows a few test names: `*.metadata.test` → the cloud metadata address, the rest → loopback. */
export const testLookup: LookupFn = (hostname, options, callback) => {
  const table: Record<string, { address: string; family: number }[]> = {
    'metadata.test': [{ address: '169.254.169.254', family: 4 }],
    'mapped.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
    'mixed.test': [
      { address: '127.0.0.1', family: 4 },
      { address: 'fe80::1', family: 6 },
    ],
    'ok.test': [{ address: '127.0.0.1', family: 4 }],
  };
  const found = table[hostname];
  if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
  if (options.all) return callback(null, found);
  return callback(null, found[0].address, found[0].family);
};

function causeOf(e: unknown): unknown {
  return (e as { cause?: unknown }).cause;
}

describe('outbound addresses', () => {
  test('link-local and metadata addresses are refused in every spelling; loopback and private ones are not', () => {
    for (const ip of ['169.254.169.254', '169.254.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::169.254.169.254', '64:ff9b::a9fe:a9fe', 'fe80::1', 'FE80::abcd:1', 'febf::1', 'fd00:ec2::254']) {
      assert.ok(blockedAddressReason(ip), `${ip} should be refused`);
    }
    for (const ip of ['127.0.0.1', '10.1.2.3', '192.168.1.10', '172.16.0.1', '::1', '::ffff:127.0.0.1', 'fd00:ec2::253', 'fec0::1', '8.8.8.8']) {
      assert.equal(blockedAddressReason(ip), undefined, `${ip} should be allowed`);
    }
  });

  test('only http(s) URLs; literal refused addresses are refused in URLs too', () => {
    assert.match(urlRefusal('file:///etc/passwd')!, /only http and https/);
    assert.match(urlRefusal('gopher://127.0.0.1:6379/_INFO')!, /only http and https/);
    assert.match(urlRefusal('not a url')!, /not a URL/);
    assert.match(urlRefusal('http://169.254.169.254/latest/meta-data/')!, /link-local or cloud metadata/);
    assert.match(urlRefusal('http://[::ffff:169.254.169.254]/')!, /link-local or cloud metadata/);
    assert.match(urlRefusal('http://[fd00:ec2::254]/')!, /link-local or cloud metadata/);
    assert.equal(urlRefusal('http://127.0.0.1:11434/v1'), undefined);
    assert.equal(urlRefusal('https://api.openai.com/v1'), undefined);
  });
});

describe('outboundFetch', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const fetchWith = createOutboundFetch({ lookup: testLookup });

  before(async () => {
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  afterEach(() => {
    hits.length = 0;
    configureOutbound([]);
  });

  const serve = (fn: (req: IncomingMessage, res: ServerResponse) => void) => {
    handler = (req, res) => {
      hits.push(`${req.method} ${req.headers.host} ${req.url}`);
      fn(req, res);
    };
  };

  test('a name resolving to loopback is fetched (body, status, headers, POST body)', async () => {
    serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo': req.headers['x-test'] ?? '' });
        res.end(JSON.stringify({ got: body }));
      });
    });
    const res = await fetchWith(`http://ok.test:${port}/echo`, { method: 'POST', headers: { 'x-test': 'yes' }, body: 'hello' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-echo'), 'yes');
    assert.deepEqual(await res.json(), { got: 'hello' });
    assert.deepEqual(hits, [`POST ok.test:${port} /echo`]);
  });

  test('a name resolving to a link-local or metadata address is refused when connecting: the request never leaves', async () => {
    serve((_req, res) => res.end('should not be reached'));
    for (const name of ['metadata.test', 'mapped.test', 'mixed.test']) {
      await assert.rejects(fetchWith(`http://${name}:${port}/latest/meta-data/`), (e: unknown) => {
        assert.ok(causeOf(e) instanceof OutboundRefused, `${name}: ${String(causeOf(e))}`);
        assert.match((causeOf(e) as Error).message, new RegExp(`${name.replace('.', '\\.')} resolves to`));
        return true;
      });
    }
    assert.deepEqual(hits, []);
    await assert.rejects(checkOutboundHost('metadata.test', testLookup), OutboundRefused);
    await checkOutboundHost('ok.test', testLookup);
  });

  test('literal refused addresses and other schemes are refused before connecting', async () => {
    await assert.rejects(fetchWith('http://169.254.169.254/latest/meta-data/'), (e: unknown) => causeOf(e) instanceof OutboundRefused);
    await assert.rejects(fetchWith('http://[::ffff:a9fe:a9fe]/'), (e: unknown) => causeOf(e) instanceof OutboundRefused);
    await assert.rejects(fetchWith('file:///etc/passwd'), (e: unknown) => causeOf(e) instanceof OutboundRefused);
  });

  test('redirects are checked again: to a metadata address (literal or by name) refused, to loopback followed', async () => {
    serve((req, res) => {
      if (req.url === '/to-literal') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam' }).end();
      else if (req.url === '/to-name') res.writeHead(307, { location: `http://metadata.test:${port}/secret` }).end();
      else if (req.url === '/to-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else if (req.url === '/to-ok') res.writeHead(303, { location: '/final' }).end();
      else res.writeHead(200).end(`final ${req.method}`);
    });
    for (const path of ['/to-literal', '/to-name', '/to-file']) {
      await assert.rejects(fetchWith(`http://127.0.0.1:${port}${path}`), (e: unknown) => causeOf(e) instanceof OutboundRefused, path);
    }
    assert.ok(!hits.some((h) => h.includes('/secret')), 'the metadata name was never requested');
    const ok = await fetchWith(`http://ok.test:${port}/to-ok`, { method: 'POST', body: 'x' });
    assert.equal(await ok.text(), 'final GET');
    const manual = await fetchWith(`http://ok.test:${port}/to-literal`, { redirect: 'manual' });
    assert.equal(manual.status, 302);
    await manual.text();
  });

  test('LF_OUTBOUND_ALLOW restricts to listed names and ranges', async () => {
    serve((_req, res) => res.end('ok'));
    // The list is checked when a connection is made: a fresh fetch (no kept-alive sockets) per setting.
    const fetchWith = (url: string) => createOutboundFetch({ lookup: testLookup })(url);
    configureOutbound(['10.0.0.0/8']);
    assert.match(urlRefusal(`http://127.0.0.1:${port}/`)!, /LF_OUTBOUND_ALLOW/);
    await assert.rejects(fetchWith(`http://ok.test:${port}/`), (e: unknown) => /LF_OUTBOUND_ALLOW/.test(String((causeOf(e) as Error)?.message)));
    configureOutbound(['127.0.0.0/8']);
    assert.equal(await (await fetchWith(`http://ok.test:${port}/`)).text(), 'ok');
    configureOutbound(['ok.test']);
    assert.equal(await (await fetchWith(`http://ok.test:${port}/`)).text(), 'ok');
    assert.match(urlRefusal(`http://127.0.0.1:${port}/`)!, /LF_OUTBOUND_ALLOW/);
    // The fixed rules hold whatever the list says.
    configureOutbound(['169.254.0.0/16', 'metadata.test']);
    await assert.rejects(fetchWith(`http://metadata.test:${port}/`), (e: unknown) => causeOf(e) instanceof OutboundRefused);
    assert.deepEqual(hits.length, 2);
  });

  test('an abort stops the request with the signal reason', async () => {
    serve(() => undefined); // never answers
    const ctl = new AbortController();
    const pending = fetchWith(`http://ok.test:${port}/hang`, { signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('stop')), 50);
    await assert.rejects(pending, /stop/);
  });
});

describe('drivers that cannot take our lookup (Chroma, Postgres) check their host before connecting', () => {
  afterEach(() => configureOutbound([]));

  test('a Chroma host or a Postgres URL resolving to the metadata address is refused', async () => {
    configureOutbound([], { lookup: testLookup });
    const { ChromaStore } = await import('../../src/adapters/stores/chroma/store.js');
    const { chromaOptionsFromConfig } = await import('../../src/adapters/stores/chroma/config.js');
    const opts = chromaOptionsFromConfig('/nonexistent/store', 'main_db', { host: 'metadata.test', port: 8000 });
    const { StoreError } = await import('../../src/adapters/stores/types.js');
    const isStoreError = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;
    await assert.rejects(ChromaStore.open(opts), (e: unknown) => isStoreError('unavailable')(e) && /metadata\.test resolves to 169\.254\.169\.254/.test((e as Error).message));
    const { acquirePool } = await import('../../src/adapters/stores/pgvector/pool.js');
    await assert.rejects(acquirePool('postgres://lf:pw@metadata.test:5432/vectors', 1), (e: unknown) => isStoreError('unavailable')(e) && /metadata\.test resolves to 169\.254\.169\.254/.test((e as Error).message));
  });
});

describe('settings', () => {
  test('LF_MCP_ALLOW_STDIO and LF_OUTBOUND_ALLOW are read from the environment', async () => {
    const { loadSettings } = await import('../../src/core/settings.js');
    const off = loadSettings({ dataDir: '/tmp/x' }, {});
    assert.equal(off.mcpAllowStdio, false);
    assert.deepEqual(off.outboundAllow, []);
    const on = loadSettings({ dataDir: '/tmp/x' }, { LF_MCP_ALLOW_STDIO: '1', LF_OUTBOUND_ALLOW: 'ollama.lan, 10.0.0.0/8,' });
    assert.equal(on.mcpAllowStdio, true);
    assert.deepEqual(on.outboundAllow, ['ollama.lan', '10.0.0.0/8']);
    assert.equal(loadSettings({ dataDir: '/tmp/x' }, { LF_MCP_ALLOW_STDIO: '0' }).mcpAllowStdio, false);
  });
});
