/**
 * The crash-safe switch of a re-index (reindex.ts): a complete new store (`<store>.reindex`, marked by
 * `<store>.reindex.complete`) replaces the old one by two renames; an interrupted switch is completed here.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';

export const reindexPaths = (storeDir: string) => ({
  building: `${storeDir}.reindex`,
  complete: `${storeDir}.reindex.complete`,
  old: `${storeDir}.old`,
});

/** Completes a switch cut short by a crash, or discards an unfinished build when `discardUnfinished`. */
export async function finishInterruptedSwitch(storeDir: string, discardUnfinished = false): Promise<void> {
  const p = reindexPaths(storeDir);
  if (existsSync(p.complete)) {
    if (existsSync(p.building)) {
      if (existsSync(storeDir)) {
        await rm(p.old, { recursive: true, force: true });
        await rename(storeDir, p.old);
      }
      await rename(p.building, storeDir);
    }
    await rm(p.complete, { force: true });
  } else if (discardUnfinished) {
    await rm(p.building, { recursive: true, force: true });
  }
  await rm(p.old, { recursive: true, force: true });
}

