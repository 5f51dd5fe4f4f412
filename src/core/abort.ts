/**
 * `p`, or a rejection with the signal's reason (an `AbortError` by default) as soon as `signal` aborts. `p` itself
 * carries on, for other callers waiting on the same work (a model load, a server connection).
 */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  const reason = () => signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
