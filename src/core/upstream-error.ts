/**
 * What of an upstream's error answer may reach our client (decision 0113). A server we call on a config's
 * behalf can be anything the config names, including an internal service whose error page holds secrets: only
 * a short message from an error in the OpenAI shape (`{"error": {"message": "..."}}`) or the Ollama shape
 * (`{"error": "..."}`) is passed on; any other body is reduced to the status, and kept (truncated) for the server
 * log only.
 */
export const MAX_UPSTREAM_MESSAGE = 200;
const MAX_LOGGED_BODY = 2000;

/** The short message of an OpenAI/Ollama-shaped error body, or undefined. */
export function upstreamErrorMessage(body: string | unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const err = (parsed as { error?: unknown }).error;
  const message = typeof err === 'string' ? err : err && typeof err === 'object' ? (err as { message?: unknown }).message : undefined;
  if (typeof message !== 'string' || !message.trim()) return undefined;
  return shorten(message);
}

/** One line, at most MAX_UPSTREAM_MESSAGE characters. */
export function shorten(text: string, max = MAX_UPSTREAM_MESSAGE): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** An upstream body as kept for the server log (never sent to a client). */
export function bodyForLog(body: string): string {
  return body.length > MAX_LOGGED_BODY ? `${body.slice(0, MAX_LOGGED_BODY)}…` : body;
}
