/**
 * Telling "not there" apart from real failures when probing the file system: a missing file or folder is an
 * answer (absent, empty, try the next candidate); a permission error or an I/O error is a failure to surface.
 */

/** Whether `e` says the path (or one of its parents) does not exist. */
export function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** For `.catch(...)` on a probe: `value` when the path is not there, else the error is rethrown. */
export function absentAs<T>(value: T): (e: unknown) => T {
  return (e) => {
    if (isNotFound(e)) return value;
    throw e;
  };
}
