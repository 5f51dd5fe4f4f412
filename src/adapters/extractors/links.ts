import type { Chunk } from '../chunkers/types.js';
import { configBool } from '../parsers/config.js';
import { cleanUrl, findEmails, findUrls, unique } from './text-utils.js';
import type { Extractor } from './types.js';

const MARKDOWN_LINK = /!?\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const HREF = /\bhref\s*=\s*["']([^"']+)["']/gi;

/** Links in a text: absolute URLs, Markdown link targets (relative ones too) and HTML `href`s. */
export function findLinks(text: string): string[] {
  const targets = [
    ...findUrls(text),
    ...[...text.matchAll(MARKDOWN_LINK)].map((m) => cleanUrl(m[2])),
    ...[...text.matchAll(HREF)].map((m) => m[1]),
  ];
  return unique(targets.filter((t) => t && !t.startsWith('#') && !/^(?:javascript|data):/i.test(t) && !t.startsWith('mailto:')));
}

export function domainOf(url: string): string | undefined {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`).hostname.replace(/^www\./, '') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `links` and `link_count` per chunk; `emails` (config `extract_emails`, default true) and `domains`
 * (`extract_domains`, default true) too.
 */
export class LinkExtractor implements Extractor {
  readonly type = 'LinkExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const emails = configBool(config, 'extract_emails', true);
    const domains = configBool(config, 'extract_domains', true);
    for (const chunk of chunks) {
      const links = configBool(config, 'extract_urls', true) ? findLinks(chunk.text) : [];
      chunk.metadata.links = links;
      chunk.metadata.link_count = links.length;
      if (emails) chunk.metadata.emails = findEmails(chunk.text);
      if (domains) {
        const absolute = links.filter((l) => /^(?:https?|ftp):\/\/|^www\./i.test(l));
        chunk.metadata.domains = unique(absolute.map(domainOf).filter((d): d is string => !!d));
      }
    }
  }
}
