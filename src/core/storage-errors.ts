/**
 * File-system failures that are the machine's state, not a bug: a full disk answers 507, a folder that cannot be
 * written (permissions, read-only mount) 503, each with a detail naming the cause and what was being done — never a
 * bare 500. Native libraries (LanceDB) report them as text (`No space left on device (os error 28)`), so the
 * message is read as well as the errno code.
 */
import { LfError } from './errors.js';

type StorageCause = 'ENOSPC' | 'EROFS' | 'EACCES';

const BY_CODE: Record<string, StorageCause> = { ENOSPC: 'ENOSPC', EDQUOT: 'ENOSPC', EROFS: 'EROFS', EACCES: 'EACCES', EPERM: 'EACCES' };
const BY_TEXT: [RegExp, StorageCause][] = [
  [/no space left on device|os error 28\b|disk quota exceeded|SQLITE_FULL|database or disk is full/i, 'ENOSPC'],
  [/read-only file system|os error 30\b|SQLITE_READONLY|attempt to write a readonly database/i, 'EROFS'],
  [/permission denied|os error 13\b|operation not permitted/i, 'EACCES'],
];

/** The storage cause of an error (`ENOSPC`, `EROFS`, `EACCES`), or undefined when it is something else. */
export function storageCause(e: unknown): StorageCause | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && BY_CODE[code]) return BY_CODE[code];
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  return BY_TEXT.find(([re]) => re.test(message))?.[1];
}

const EXPLAIN: Record<StorageCause, string> = {
  ENOSPC: 'no space left on the device holding the data directory (ENOSPC); free some space and try again',
  EROFS: 'the data directory is on a read-only file system (EROFS)',
  EACCES: 'permission denied writing to the data directory (EACCES); check the owner and mode of LF_DATA_DIR',
};

/** `e` as a 507/503 LfError when it is a storage failure (the detail says what was being done), else `e` itself. */
export function asStorageError(e: unknown, action: string): unknown {
  const cause = storageCause(e);
  if (!cause || e instanceof LfError) return e;
  return new LfError(cause === 'ENOSPC' ? 'insufficient_storage' : 'unavailable', `Could not ${action}: ${EXPLAIN[cause]}`, { cause: e });
}
