/**
 * Which hosts and origins count as this machine (decision 0100): loopback names and addresses, the way Ollama and
 * Jupyter guard against DNS rebinding and cross-site requests.
 */
import { isIP } from 'node:net';

/** `localhost`, `*.localhost`, 127.0.0.0/8, ::1 (brackets allowed), case-insensitive. */
export function isLoopbackName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** The hostname part of a `Host` header (`name:port`, `[v6]:port`), lower-cased; undefined when malformed. */
export function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** True when a `Host` header names this machine's loopback or one of `allowed` (names, `*` = any). */
export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (hostHeader === undefined || hostHeader === '') return true; // not a browser: browsers always send Host
  if (allowed.includes('*')) return true;
  const name = hostnameOf(hostHeader);
  if (name === undefined) return false;
  return isLoopbackName(name) || allowed.some((a) => a.toLowerCase() === name || a.toLowerCase() === hostHeader.toLowerCase());
}

/** A browser origin of this machine's loopback: http(s)://localhost|127.0.0.1|[::1]:any port. */
export function isLoopbackOrigin(origin: string): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
}

/** The origin as a browser writes it (scheme://host[:port], lower case, no trailing slash). */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    return u.origin === 'null' ? undefined : u.origin;
  } catch {
    return undefined;
  }
}

/**
 * An `Origin` the server accepts: a loopback origin, one listed in `allowed` (`*` = any), or the server's own
 * origin (the request's `Host`, which the host guard has already checked when bound to loopback).
 */
export function originAllowed(origin: string, hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  if (isLoopbackOrigin(origin)) return true;
  const norm = normalizeOrigin(origin);
  if (norm === undefined) return false;
  if (allowed.some((a) => normalizeOrigin(a) === norm)) return true;
  return hostHeader !== undefined && new URL(norm).host === hostHeader.toLowerCase();
}

/** True for a bind address that only this machine can reach. */
export function isLoopbackBind(host: string): boolean {
  return isLoopbackName(host);
}
