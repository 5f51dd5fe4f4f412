import type { Chunk } from '../chunkers/types.js';
import { configBool, configStringList } from '../parsers/config.js';
import { cleanUrl, unique } from './text-utils.js';
import type { Extractor } from './types.js';

/** Built-in patterns, by the names the original templates use (`ip` and `ip_address` are the same). */
export const BUILTIN_PATTERNS: Record<string, RegExp> = {
  email: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
  url: /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`)\]]+/gi,
  ip_address: /\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b/g,
  ipv6: /\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b/g,
  version: /(?<![\w.])v?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?(?![\w]|\.\d)/g,
  phone: /(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g,
  date: /\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g,
  time: /\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[AaPp][Mm])?\b/g,
  ssn: /\b\d{3}-\d{2}-\d{4}\b/g,
  credit_card: /\b(?:\d{4}[ -]?){3}\d{4}\b/g,
  uuid: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g,
  hex_color: /#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b/g,
  hashtag: /(?<![\w#])#[A-Za-z_]\w*/g,
  mention: /(?<![\w@])@[A-Za-z_]\w*/g,
  zip_code: /\b\d{5}(?:-\d{4})?\b/g,
};
const ALIASES: Record<string, string> = { ip: 'ip_address', ipv4: 'ip_address', phone_number: 'phone', urls: 'url', emails: 'email' };

interface NamedPattern {
  name: string;
  re: RegExp;
}

/** Custom patterns: `[{name, pattern, flags?}]` or `{name: pattern}`; an invalid regex throws. */
function customPatterns(value: unknown): NamedPattern[] {
  const entries: Array<[string, unknown, unknown]> = Array.isArray(value)
    ? value.map((p, i) => (p && typeof p === 'object'
      ? [String((p as Record<string, unknown>).name ?? `custom_${i + 1}`), (p as Record<string, unknown>).pattern ?? (p as Record<string, unknown>).regex, (p as Record<string, unknown>).flags]
      : [`custom_${i + 1}`, p, undefined]))
    : value && typeof value === 'object' ? Object.entries(value).map(([k, v]) => [k, v, undefined]) : [];
  return entries
    .filter(([, pattern]) => typeof pattern === 'string' && pattern !== '')
    .map(([name, pattern, flags]) => {
      const f = typeof flags === 'string' ? flags.replace(/[^imsuy]/g, '') : '';
      try {
        return { name, re: new RegExp(pattern as string, `g${f}`) };
      } catch (err) {
        throw new Error(`invalid custom pattern "${name}": ${err instanceof Error ? err.message : String(err)}`);
      }
    });
}

/** The patterns a config asks for: `predefined_patterns` or `patterns` (names; default email, url, ip_address, version) plus `custom_patterns`. */
export function configuredPatterns(config: Record<string, unknown>): NamedPattern[] {
  const names = configStringList(config, 'predefined_patterns') ?? configStringList(config, 'patterns') ?? ['email', 'url', 'ip_address', 'version'];
  const builtins = names.map((n) => {
    const key = ALIASES[n.toLowerCase()] ?? n.toLowerCase();
    const re = BUILTIN_PATTERNS[key];
    if (!re) throw new Error(`unknown built-in pattern "${n}"; known: ${Object.keys(BUILTIN_PATTERNS).join(', ')}`);
    return { name: key, re };
  });
  return [...builtins, ...customPatterns(config.custom_patterns)];
}

/**
 * `pattern_matches` ({name: [unique matches]}) and `pattern_match_count` per chunk. With `include_context`
 * (default false), `pattern_contexts` holds each match with `context_window` (50) characters around it.
 */
export class PatternExtractor implements Extractor {
  readonly type = 'PatternExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const patterns = configuredPatterns(config);
    const withContext = configBool(config, 'include_context', false);
    const window = typeof config.context_window === 'number' ? config.context_window : 50;
    for (const chunk of chunks) {
      const matches: Record<string, string[]> = {};
      const contexts: Array<{ pattern: string; match: string; context: string }> = [];
      let count = 0;
      for (const { name, re } of patterns) {
        re.lastIndex = 0;
        const found = [...chunk.text.matchAll(re)].filter((m) => m[0] !== '');
        if (!found.length) continue;
        const values = unique(found.map((m) => (name === 'url' ? cleanUrl(m[0]) : m[0])));
        matches[name] = values;
        count += values.length;
        if (withContext) {
          for (const m of found.slice(0, 20)) {
            const at = m.index ?? 0;
            contexts.push({ pattern: name, match: m[0], context: chunk.text.slice(Math.max(0, at - window), at + m[0].length + window) });
          }
        }
      }
      chunk.metadata.pattern_matches = matches;
      chunk.metadata.pattern_match_count = count;
      if (withContext) chunk.metadata.pattern_contexts = contexts;
    }
  }
}
