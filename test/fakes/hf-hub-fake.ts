/**
 * A local stand-in for the Hugging Face hub and its LFS CDN, speaking the wire protocol `huggingface_hub` relies
 * on, on two real `node:http` servers (127.0.0.1, port 0 — the CDN is another origin, as on the real hub):
 *
 * - `GET /api/models/{repo}/revision/{rev}[?blobs=true]` → `{id, sha, siblings[{rfilename}]}`; with `blobs=true`
 *   siblings carry `size`, `blobId` and, for LFS files, `lfs: {sha256, size, pointerSize}`.
 * - `HEAD|GET /{repo}/resolve/{rev}/{file}`: LFS files → 302 to the CDN with `X-Repo-Commit`,
 *   `X-Linked-Etag: "<sha256>"`, `X-Linked-Size`, `ETag: "<pointer git sha>"`; other files → 307 to the relative
 *   `/api/resolve-cache/models/{repo}/{commit}/{file}`, which answers the bytes with `ETag: "<git blob sha1>"`.
 * - CDN `GET|HEAD /lfs/{sha256}`: the bytes, with `Accept-Ranges`, `Range` → 206 + `Content-Range`, bad range → 416.
 * - Unknown repo, or a private repo without the right bearer token → 401 `X-Error-Code: RepoNotFound` (what the
 *   hub answers anonymous callers); unknown revision/file → 404 `RevisionNotFound` / `EntryNotFound`.
 *
 * Faults per file: cut the connection at a byte offset (for the next N transfers), serve corrupted bytes, ignore
 * Range, or trickle the body slowly. Every request is logged with its headers.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  path: string;
  content: Buffer;
  /** Stored in LFS (default: .gguf, .safetensors, .bin and files over 10 MB). */
  lfs?: boolean;
}

export interface FakeRepoSpec {
  id: string;
  files: FakeFile[];
  /** Needs the hub's bearer token. */
  private?: boolean;
}

export interface FileFault {
  /** Close the connection once the transfer reaches this byte offset of the file… */
  cutAt?: number;
  /** …for this many transfers (default 1). */
  cutTimes?: number;
  /** Serve bytes that do not match the advertised sha256. */
  corrupt?: boolean;
  /** Answer 200 with the whole file even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Send the body in pieces of `chunkBytes` with `chunkDelayMs` between them. */
  chunkBytes?: number;
  chunkDelayMs?: number;
}

export interface HubRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

interface StoredFile {
  path: string;
  content: Buffer;
  lfs: boolean;
  sha256: string;
  gitSha1: string;
  pointerSha1: string;
}

interface StoredRepo {
  id: string;
  commit: string;
  private: boolean;
  files: Map<string, StoredFile>;
}

export const gitBlobSha1 = (data: Buffer | string) => createHash('sha1').update(`blob ${Buffer.byteLength(data)}\0`).update(data).digest('hex');
export const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function lfsPointer(sha: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${size}\n`;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export class FakeHfHub {
  readonly requests: HubRequest[] = [];
  /** Responses whose connection closed before the body was complete. */
  closedEarly = 0;
  private readonly repos = new Map<string, StoredRepo>();
  private readonly bySha = new Map<string, StoredFile>();
  private readonly faults = new Map<string, FileFault>();
  endpoint = '';
  cdnOrigin = '';

  private readonly hub: Server = createServer((req, res) => this.handleHub(req, res));
  private readonly cdn: Server = createServer((req, res) => this.handleCdn(req, res));

  private constructor(readonly token?: string) {}

  static async start(o: { token?: string } = {}): Promise<FakeHfHub> {
    const fake = new FakeHfHub(o.token);
    fake.endpoint = await listen(fake.hub);
    fake.cdnOrigin = await listen(fake.cdn);
    return fake;
  }

  addRepo(spec: FakeRepoSpec): { commit: string; files: Array<{ path: string; size: number; sha256: string; gitSha1: string }> } {
    const files = new Map<string, StoredFile>();
    const commitHash = createHash('sha1').update(spec.id);
    for (const f of spec.files) {
      const sha256 = sha256Hex(f.content);
      const lfs = f.lfs ?? (/\.(gguf|safetensors|bin)$/i.test(f.path) || f.content.length > 10 * 1024 * 1024);
      const stored: StoredFile = { path: f.path, content: f.content, lfs, sha256, gitSha1: gitBlobSha1(f.content), pointerSha1: gitBlobSha1(lfsPointer(sha256, f.content.length)) };
      files.set(f.path, stored);
      if (lfs) this.bySha.set(sha256, stored);
      commitHash.update(f.path).update(sha256);
    }
    const repo: StoredRepo = { id: spec.id, commit: commitHash.digest('hex'), private: spec.private ?? false, files };
    this.repos.set(spec.id, repo);
    return { commit: repo.commit, files: [...files.values()].map((f) => ({ path: f.path, size: f.content.length, sha256: f.sha256, gitSha1: f.gitSha1 })) };
  }

  setFault(repoId: string, path: string, fault: FileFault | undefined): void {
    const key = `${repoId}/${path}`;
    if (fault) this.faults.set(key, { ...fault });
    else this.faults.delete(key);
  }

  /** Requests for a file's bytes (CDN or resolve-cache GETs). */
  transfers(path: string): HubRequest[] {
    const sha = [...this.repos.values()].flatMap((r) => [...r.files.values()]).find((f) => f.path === path)?.sha256;
    return this.requests.filter(
      (r) => r.method === 'GET' && ((r.server === 'cdn' && sha && r.path.startsWith(`/lfs/${sha}`)) || (r.server === 'hub' && r.path.startsWith('/api/resolve-cache/') && r.path.endsWith(`/${path}`))),
    );
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) s.closeAllConnections();
    await Promise.all([this.hub, this.cdn].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private log(server: 'hub' | 'cdn', req: IncomingMessage): URL {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ server, method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers });
    return url;
  }

  private authorised(repo: StoredRepo, req: IncomingMessage): boolean {
    return !repo.private || (this.token !== undefined && req.headers.authorization === `Bearer ${this.token}`);
  }

  private hubError(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code, 'x-error-message': message });
    res.end(JSON.stringify({ error: message }));
  }

  /** Splits `{repo}/{marker}/{rest}` where the repo id has one or two segments. */
  private findRepo(path: string, marker: string): { repo?: StoredRepo; rest: string } {
    const at = path.indexOf(`/${marker}/`);
    if (at < 0) return { rest: '' };
    return { repo: this.repos.get(decodeURIComponent(path.slice(0, at))), rest: path.slice(at + marker.length + 2) };
  }

  private revisionOk(repo: StoredRepo, rev: string): boolean {
    return rev === 'main' || rev === repo.commit;
  }

  private handleHub(req: IncomingMessage, res: ServerResponse): void {
    const url = this.log('hub', req);
    const path = url.pathname;
    if (path.startsWith('/api/models/')) return this.apiModel(req, res, path.slice('/api/models/'.length), url.searchParams.get('blobs') === 'true');
    if (path.startsWith('/api/resolve-cache/models/')) return this.resolveCache(req, res, path.slice('/api/resolve-cache/models/'.length));
    const { repo, rest } = this.findRepo(path.slice(1), 'resolve');
    if (rest === '' && !repo) return this.hubError(res, 404, 'EntryNotFound', 'Not found');
    if (!repo || !this.authorised(repo, req)) return this.hubError(res, 401, 'RepoNotFound', 'Repository not found');
    const slash = rest.indexOf('/');
    const rev = decodeURIComponent(rest.slice(0, slash));
    const file = rest.slice(slash + 1).split('/').map(decodeURIComponent).join('/');
    if (!this.revisionOk(repo, rev)) return this.hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const f = repo.files.get(file);
    if (!f) return this.hubError(res, 404, 'EntryNotFound', `${file} does not exist on "${rev}"`);
    const body = 'Found. Redirecting';
    if (f.lfs) {
      res.writeHead(302, {
        location: `${this.cdnOrigin}/lfs/${f.sha256}?X-Amz-Signature=fake&response-content-disposition=${encodeURIComponent(`inline; filename="${file}"`)}`,
        'x-repo-commit': repo.commit,
        'x-linked-etag': `"${f.sha256}"`,
        'x-linked-size': String(f.content.length),
        etag: `"${f.pointerSha1}"`,
        'content-length': String(body.length),
      });
    } else {
      res.writeHead(307, {
        location: `/api/resolve-cache/models/${repo.id}/${repo.commit}/${file.split('/').map(encodeURIComponent).join('/')}`,
        'x-repo-commit': repo.commit,
        etag: `"${f.gitSha1}"`,
        'content-length': String(body.length),
      });
    }
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private apiModel(req: IncomingMessage, res: ServerResponse, rest: string, blobs: boolean): void {
    const { repo, rest: rev } = this.findRepo(rest, 'revision');
    if (!repo || !this.authorised(repo, req)) return this.hubError(res, 401, 'RepoNotFound', 'Repository not found');
    if (!this.revisionOk(repo, decodeURIComponent(rev))) return this.hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const siblings = [...repo.files.values()].map((f) =>
      blobs
        ? {
            rfilename: f.path,
            blobId: f.lfs ? f.pointerSha1 : f.gitSha1,
            size: f.content.length,
            ...(f.lfs ? { lfs: { sha256: f.sha256, size: f.content.length, pointerSize: lfsPointer(f.sha256, f.content.length).length } } : {}),
          }
        : { rfilename: f.path },
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ _id: repo.id, id: repo.id, modelId: repo.id, sha: repo.commit, private: repo.private, gated: false, lastModified: '2024-01-15T10:30:00.000Z', siblings }));
  }

  private resolveCache(req: IncomingMessage, res: ServerResponse, rest: string): void {
    const repo = [...this.repos.values()].find((r) => rest.startsWith(`${r.id}/${r.commit}/`));
    if (!repo || !this.authorised(repo, req)) return this.hubError(res, 401, 'RepoNotFound', 'Repository not found');
    const file = rest.slice(repo.id.length + repo.commit.length + 2).split('/').map(decodeURIComponent).join('/');
    const f = repo.files.get(file);
    if (!f) return this.hubError(res, 404, 'EntryNotFound', `${file} does not exist`);
    this.serveBytes(req, res, f, { etag: `"${f.gitSha1}"`, 'x-repo-commit': repo.commit }, this.faults.get(`${repo.id}/${file}`));
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse): void {
    const url = this.log('cdn', req);
    const m = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname);
    const f = m ? this.bySha.get(m[1]) : undefined;
    if (!f) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    const repo = [...this.repos.values()].find((r) => r.files.get(f.path) === f)!;
    this.serveBytes(req, res, f, { etag: `"${createHash('md5').update(f.content).digest('hex')}"` }, this.faults.get(`${repo.id}/${f.path}`));
  }

  private serveBytes(req: IncomingMessage, res: ServerResponse, f: StoredFile, extra: Record<string, string>, fault: FileFault | undefined): void {
    const total = f.content.length;
    let start = 0;
    let end = total - 1;
    let status = 200;
    const range = fault?.ignoreRange ? undefined : req.headers.range;
    if (range) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      const a = m ? Number(m[1]) : NaN;
      const b = m && m[2] ? Number(m[2]) : total - 1;
      if (!m || a >= total || b < a) {
        res.writeHead(416, { 'content-range': `bytes */${total}` });
        res.end();
        return;
      }
      start = a;
      end = Math.min(b, total - 1);
      status = 206;
    }
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1), ...extra };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${total}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let body = f.content.subarray(start, end + 1);
    if (fault?.corrupt) {
      body = Buffer.from(body);
      body[body.length - 1] ^= 0xff;
    }
    res.on('close', () => {
      if (!res.writableFinished) this.closedEarly++;
    });
    if (fault?.cutAt !== undefined && (fault.cutTimes ?? 1) > 0 && fault.cutAt > start && fault.cutAt <= end) {
      fault.cutTimes = (fault.cutTimes ?? 1) - 1;
      res.write(body.subarray(0, fault.cutAt - start), () => res.socket?.destroy());
      return;
    }
    if (fault?.chunkBytes) {
      void this.trickle(res, body, fault.chunkBytes, fault.chunkDelayMs ?? 10);
      return;
    }
    res.end(body);
  }

  private async trickle(res: ServerResponse, body: Buffer, size: number, delayMs: number): Promise<void> {
    for (let at = 0; at < body.length; at += size) {
      if (res.destroyed) return;
      res.write(body.subarray(at, at + size));
      await new Promise((r) => setTimeout(r, delayMs));
    }
    if (!res.destroyed) res.end();
  }
}
