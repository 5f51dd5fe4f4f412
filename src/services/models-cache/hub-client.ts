/**
 * The few Hugging Face hub calls a download needs, as the Python `huggingface_hub` makes them:
 * - `GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true` → `{sha, siblings[{rfilename, size, lfs{sha256,size}}]}`
 * - `HEAD {endpoint}/{repo}/resolve/{rev}/{file}` → `X-Repo-Commit`, `X-Linked-Etag`/`ETag`, `X-Linked-Size`/
 *   `Content-Length`, and for LFS files a 302 to the CDN (relative redirects are followed, absolute ones are not)
 * - `GET` of that location with `Range: bytes=<n>-` to resume.
 * Every call is bounded by a timeout. The bearer token goes to the hub's origin only, never to a redirect target
 * on another host. Failures become `LfError`s: 404 for a repo/revision/file the hub does not have, 403 for gated
 * or private repos, 502 for everything else the hub (or the network) does wrong.
 */
import { LfError, notFound, upstreamError } from '../../core/errors.js';

export interface Sibling {
  rfilename: string;
  size?: number;
  /** git blob id (with `?blobs=true`). */
  blobId?: string;
  lfs?: { sha256: string; size: number };
}

export interface RepoInfo {
  /** The commit the revision points to. */
  sha: string;
  siblings: Sibling[];
}

export interface FileMetadata {
  commit?: string;
  /** Normalised ETag (no quotes, no `W/`): the sha256 for LFS files, the git blob sha1 otherwise. */
  etag: string;
  size: number | null;
  /** Where the bytes are (the CDN for LFS files, else the resolve URL). */
  location: string;
}

export interface HubClientOptions {
  endpoint: string;
  token?: string;
  /** Bound on each metadata call and on waiting for a download's headers. */
  timeoutMs: number;
}

const MAX_REDIRECTS = 10;

export class HubClient {
  private readonly origin: string;

  constructor(readonly o: HubClientOptions) {
    this.origin = new URL(o.endpoint).origin;
  }

  get endpoint(): string {
    return this.o.endpoint;
  }

  resolveUrl(repoId: string, revision: string, file: string): string {
    return `${this.o.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
  }

  async repoInfo(repoId: string, revision: string, signal?: AbortSignal): Promise<RepoInfo> {
    const url = `${this.o.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}?blobs=true`;
    const res = await this.request(url, { method: 'GET', headers: { accept: 'application/json' } }, signal);
    await this.ensureOk(res, `${repoId}@${revision}`);
    const body = (await res.json().catch(() => undefined)) as Partial<RepoInfo> | undefined;
    if (!body || typeof body.sha !== 'string' || !Array.isArray(body.siblings)) {
      throw upstreamError(`Hugging Face hub at ${this.o.endpoint} answered an unexpected repo description for ${repoId}`);
    }
    return { sha: body.sha, siblings: body.siblings.filter((s) => typeof s?.rfilename === 'string') };
  }

  /** HEAD of the resolve URL, following relative redirects only (as `huggingface_hub` does). */
  async fileMetadata(repoId: string, revision: string, file: string, signal?: AbortSignal): Promise<FileMetadata> {
    let url = this.resolveUrl(repoId, revision, file);
    for (let hop = 0; ; hop++) {
      const res = await this.request(url, { method: 'HEAD', headers: { 'accept-encoding': 'identity' }, redirect: 'manual' }, signal);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS && isRelative(location)) {
        url = new URL(location, url).toString();
        continue;
      }
      if (res.status >= 400) await this.ensureOk(res, `${repoId}/${file}`);
      const etag = normaliseEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
      if (!etag) {
        throw upstreamError(`${this.o.endpoint} gave no ETag for ${repoId}/${file}; is HF_ENDPOINT a Hugging Face hub (or a mirror that keeps its headers)?`);
      }
      // The ETag names the blob file: refuse anything that is not a plain token.
      if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(etag)) throw upstreamError(`${this.o.endpoint} gave an unusable ETag for ${repoId}/${file}`);
      const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
      return {
        commit: res.headers.get('x-repo-commit') ?? undefined,
        etag,
        size: Number.isFinite(size) && size >= 0 && (res.headers.has('x-linked-size') || res.headers.has('content-length')) ? size : null,
        location: location ? new URL(location, url).toString() : url,
      };
    }
  }

  /**
   * GET `url` from byte `start` on, following redirects by hand so the token only reaches the hub's origin.
   * The caller reads or cancels the body. `signal` should carry the caller's timeout for the headers.
   */
  async fetchFrom(url: string, start: number, signal: AbortSignal): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (start > 0) headers.range = `bytes=${start}-`;
      const res = await this.request(current, { method: 'GET', headers, redirect: 'manual' }, signal, false);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        current = new URL(location, current).toString();
        continue;
      }
      if (res.status >= 400 && res.status !== 416) await this.ensureOk(res, current);
      return res;
    }
    throw upstreamError(`too many redirects downloading ${url}`);
  }

  /** One bounded call; the token only for the hub's own origin. */
  private async request(url: string, init: RequestInit, signal: AbortSignal | undefined, withTimeout = true): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', 'llamafarm-server (huggingface_hub-compatible)');
    if (this.o.token && new URL(url).origin === this.origin) headers.set('authorization', `Bearer ${this.o.token}`);
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const signals = [signal, withTimeout ? timeout : undefined].filter((s): s is AbortSignal => s !== undefined);
    try {
      return await fetch(url, { ...init, headers, signal: signals.length ? AbortSignal.any(signals) : undefined });
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      if (withTimeout && timeout.aborted) throw upstreamError(`Hugging Face hub at ${this.o.endpoint} did not answer within ${this.o.timeoutMs} ms (${url})`);
      throw upstreamError(`Hugging Face hub at ${this.o.endpoint} is unreachable: ${describeNetworkError(e)}`, e);
    }
  }

  private async ensureOk(res: Response, what: string): Promise<void> {
    if (res.ok) return;
    const code = res.headers.get('x-error-code') ?? '';
    const message = res.headers.get('x-error-message') ?? '';
    await res.body?.cancel().catch(() => undefined); // best effort: the headers say what went wrong
    const where = `on ${this.o.endpoint}`;
    if (code === 'RepoNotFound' || (res.status === 404 && code === '')) {
      throw notFound(`Model '${what}' was not found ${where}${this.o.token ? '' : ' (if it is private or gated, set HF_TOKEN)'}`);
    }
    if (code === 'RevisionNotFound' || code === 'EntryNotFound' || res.status === 404) {
      throw notFound(`'${what}' was not found ${where}${message ? `: ${message}` : ''}`);
    }
    if (code === 'GatedRepo' || res.status === 401 || res.status === 403) {
      throw new LfError('forbidden', `Access to '${what}' ${where} was refused (${res.status}${message ? `: ${message}` : ''}); for gated or private models accept the terms on the hub and set HF_TOKEN`);
    }
    throw upstreamError(`Hugging Face hub ${where} answered ${res.status} for '${what}'${message ? `: ${message}` : ''}`);
  }
}

function isRelative(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//');
}

export function normaliseEtag(raw: string | null): string | undefined {
  if (!raw) return undefined;
  const v = raw.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return v || undefined;
}

export function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message ?? 'fetch failed'} (${cause})` : (err.message ?? String(e));
}
