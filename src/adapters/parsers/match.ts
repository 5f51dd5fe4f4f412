/** Whether a config entry (parser or extractor) applies to a file, by name patterns, extension or MIME type. */
import picomatch from 'picomatch';
import { fileExtension } from './detect.js';

/** The selection fields parser and extractor entries share. */
export interface FileMatchRule {
  file_include_patterns?: string[];
  file_exclude_patterns?: string[];
  file_extensions?: string[];
  mime_types?: string[];
}

function nonEmpty(list: string[] | undefined): list is string[] {
  return Array.isArray(list) && list.length > 0;
}

/** Case-insensitive glob match (fnmatch-like: `*` also crosses `/`, dot files match) against the file name. */
function globMatch(patterns: string[], filename: string): boolean {
  return picomatch.isMatch(filename, patterns, { nocase: true, dot: true, basename: true });
}

function extensionMatch(extensions: string[], filename: string): boolean {
  const ext = fileExtension(filename);
  return ext !== '' && extensions.some((e) => e.replace(/^\*?\./, '').toLowerCase() === ext);
}

function mimeMatch(mimeTypes: string[], mimeType: string): boolean {
  const mime = mimeType.split(';')[0].trim().toLowerCase();
  return mimeTypes.some((m) => {
    const want = m.trim().toLowerCase();
    return want.endsWith('/*') ? mime.startsWith(want.slice(0, -1)) : want === mime;
  });
}

/**
 * Whether an entry applies to a file: any of its include patterns, extensions or MIME types matches (an entry
 * with none of them applies to every file), and none of its exclude patterns matches.
 */
export function entryMatches(entry: FileMatchRule, file: { filename: string; mimeType: string }): boolean {
  if (nonEmpty(entry.file_exclude_patterns) && globMatch(entry.file_exclude_patterns, file.filename)) return false;
  const { file_include_patterns: patterns, file_extensions: extensions, mime_types: mimes } = entry;
  if (!nonEmpty(patterns) && !nonEmpty(extensions) && !nonEmpty(mimes)) return true;
  return (nonEmpty(patterns) && globMatch(patterns, file.filename))
    || (nonEmpty(extensions) && extensionMatch(extensions, file.filename))
    || (nonEmpty(mimes) && mimeMatch(mimes, file.mimeType));
}

