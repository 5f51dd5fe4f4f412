/**
 * The scope each request needs (decision 0101): `read` = GET routes; `use` = read + chat completions, RAG queries
 * and task events; `admin` = everything else, including key management. A few paths are public: the liveness
 * probe, the API description, and the web app's pages and assets (every path outside the API prefixes), so the
 * app can load and ask for a key.
 */
import type { KeyScope } from '../../services/api-keys.js';

export type Requirement = KeyScope | 'public';

/** Paths that belong to the API (anything else answered by GET is the web app or the API docs). */
const API_PREFIXES = ['/v1/', '/v1?', '/mcp', '/health', '/info'];
const PUBLIC_GET = new Set(['/health/liveness', '/openapi.json']);
const USE_ROUTES = [/\/chat\/completions$/, /\/rag\/query$/, /\/tasks\/[^/]+\/events$/];

function isApiPath(path: string): boolean {
  return path === '/v1' || API_PREFIXES.some((p) => path.startsWith(p));
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * `method` and the matched route pattern (Fastify's `routeOptions.url`, undefined for no match) or else the
 * request path.
 */
export function requiredScope(method: string, route: string | undefined, path: string): Requirement {
  const m = method.toUpperCase();
  if (m === 'OPTIONS') return 'public'; // CORS preflights carry no credentials; the origin guard has run
  // The matched route's pattern decides (the router decodes percent-escapes: `/%761/...` is a `/v1/...` route).
  const p = route ?? decodedPath(path);
  const read = m === 'GET' || m === 'HEAD';
  if (read && (PUBLIC_GET.has(p) || p === '/docs' || p.startsWith('/docs/') || !isApiPath(p))) return 'public';
  if (p === '/v1/keys' || p.startsWith('/v1/keys/')) return 'admin';
  if (p === '/mcp') return 'read'; // each tool call is checked against its operation (mcp-scopes.ts)
  if (USE_ROUTES.some((r) => r.test(p))) return read ? 'read' : 'use';
  return read ? 'read' : 'admin';
}
