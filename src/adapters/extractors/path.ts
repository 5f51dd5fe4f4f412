import { basename, dirname, extname } from 'node:path';
import type { Chunk } from '../chunkers/types.js';
import { configBool } from '../parsers/config.js';
import { unique } from './text-utils.js';
import type { Extractor } from './types.js';

const UNIX_PATH = /(?<![\w:/.])(?:~|\.{1,2})?\/(?:[\w.@-]+\/)*[\w.@-]+/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\(?:[^\\/:*?"<>|\r\n\s]+\\)*[^\\/:*?"<>|\r\n\s]*/g;

/** File-system paths mentioned in a text (Unix `/a/b`, `./a`, `~/a`; Windows `C:\a\b`); URLs excluded. */
export function findPaths(text: string): string[] {
  const withoutUrls = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ');
  return unique([...withoutUrls.matchAll(UNIX_PATH), ...withoutUrls.matchAll(WINDOWS_PATH)].map((m) => m[0]))
    .filter((p) => p.length > 2 && !/^\/\d+$/.test(p));
}

/**
 * The source file's name parts on every chunk (`file_name`, `file_stem`, `file_extension`, `file_directory`
 * when the name has one) and, with `extract_from_text` (default true), `paths` mentioned in the chunk.
 */
export class PathExtractor implements Extractor {
  readonly type = 'PathExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>, file: { filename: string; path?: string }): void {
    const name = basename(file.filename);
    const ext = extname(name);
    const dir = dirname(file.filename);
    const fromText = configBool(config, 'extract_from_text', true);
    for (const chunk of chunks) {
      Object.assign(chunk.metadata, {
        file_name: name,
        file_stem: ext ? name.slice(0, -ext.length) : name,
        file_extension: ext.replace(/^\./, '').toLowerCase(),
        ...(dir && dir !== '.' ? { file_directory: dir } : {}),
      });
      if (fromText) {
        const paths = findPaths(chunk.text);
        if (paths.length) chunk.metadata.paths = paths;
      }
    }
  }
}
