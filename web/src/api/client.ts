/**
 * The one way the app talks to the server: JSON in and out, `{"detail": ...}` turned into an ApiError with words a
 * person can read, and the API key (when the server asks for one with 401) sent as `Authorization: Bearer`. The key
 * lives in sessionStorage only.
 */
import { settings } from '../settings';

const KEY_STORAGE = 'lf-api-key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(detailText(detail) || `Request failed with status ${status}`);
    this.name = 'ApiError';
  }
}

/** `detail` as text: a string as is; a validation list as `field: message` lines. */
export function detailText(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        if (d && typeof d === 'object' && 'msg' in d) {
          const loc = Array.isArray((d as { loc?: unknown[] }).loc) ? (d as { loc: unknown[] }).loc.filter((x) => x !== 'body').join('.') : '';
          return loc ? `${loc}: ${String((d as { msg: unknown }).msg)}` : String((d as { msg: unknown }).msg);
        }
        return typeof d === 'string' ? d : JSON.stringify(d);
      })
      .join('\n');
  }
  if (detail && typeof detail === 'object') return JSON.stringify(detail);
  return '';
}

export function getApiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

type AuthListener = () => void;
const authListeners = new Set<AuthListener>();
/** The key dialog subscribes here; a 401 asks it to open. */
export function onAuthRequired(fn: AuthListener): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

export function apiUrl(path: string): string {
  return settings.apiBaseUrl + path;
}

export function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function errorFrom(res: Response): Promise<ApiError> {
  let detail: unknown = res.statusText;
  try {
    const body = (await res.json()) as { detail?: unknown };
    detail = body.detail ?? detail;
  } catch {
    /* not JSON */
  }
  if (res.status === 401) for (const fn of authListeners) fn();
  return new ApiError(res.status, detail);
}

export async function request<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
  const res = await fetch(apiUrl(path), {
    method,
    ...init,
    headers: { accept: 'application/json', ...(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}), ...authHeaders(), ...(init.headers ?? {}) },
    body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
  });
  if (!res.ok) throw await errorFrom(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** Upload one file with progress (fetch has no upload progress; XMLHttpRequest does). */
export function uploadFile<T>(path: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path));
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
      } else {
        if (xhr.status === 401) for (const fn of authListeners) fn();
        reject(new ApiError(xhr.status, (body as { detail?: unknown } | undefined)?.detail ?? xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'The server could not be reached'));
    xhr.onabort = () => reject(new ApiError(0, 'Upload cancelled'));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** Encodes each path segment (names are checked by the server; this keeps `/` and `?` out of them). */
export function p(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(values[i]) : ''), '');
}
