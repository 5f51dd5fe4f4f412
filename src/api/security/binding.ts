/**
 * Safe binding (decision 0103): a server reachable from other machines must ask for a key. Starting on a
 * non-loopback `HOST` with no key configured (neither `LF_API_KEY` nor a stored key) is refused, unless the
 * operator says so with `LF_ALLOW_UNAUTHENTICATED=1` (e.g. behind an authenticating proxy).
 */
import type { Settings } from '../../core/settings.js';
import { isLoopbackBind } from './hosts.js';

export class UnsafeBindingError extends Error {
  /** The process exit code for this refusal (a usage error). */
  readonly exitCode = 2;

  constructor(host: string) {
    super(
      `refusing to listen on ${host} without an API key: anyone who can reach this address could use the server. ` +
        'Set LF_API_KEY=<a long random secret> (clients send it as `Authorization: Bearer <key>`), ' +
        'or set LF_ALLOW_UNAUTHENTICATED=1 if something in front of the server authenticates requests.',
    );
    this.name = 'UnsafeBindingError';
  }
}

export function checkSafeBinding(settings: Pick<Settings, 'host' | 'allowUnauthenticated'>, keysConfigured: boolean): void {
  if (isLoopbackBind(settings.host) || keysConfigured || settings.allowUnauthenticated) return;
  throw new UnsafeBindingError(settings.host);
}
