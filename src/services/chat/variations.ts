/**
 * Query rewrites from a project's own model, for MultiQueryStrategy (the retrieval service asks "whoever owns
 * chat models" for them). One short non-stream call to the default model; its lines are the variations. A
 * failure or a useless answer makes the strategy fall back to its lexical rewrites.
 */
import type { ProjectConfig } from '../../config/schema.js';
import { selectModel } from './models.js';
import type { RuntimePool } from './runtime-pool.js';

export const VARIATION_TIMEOUT_MS = 30_000;

const INSTRUCTIONS =
  'You rewrite search queries for a document search engine. Reply with the requested number of alternative ' +
  'phrasings of the query, one per line, with no numbering, quotes or commentary.';

/** Lines of a model reply as queries: bullets, numbering and quotes removed, blanks and duplicates dropped. */
export function parseVariations(text: string, n: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const q = raw
      .replace(/^\s*(?:[-*•]|\d+[.)]|\(\d+\))\s*/, '')
      .replace(/^["'“”]+|["'“”]+$/g, '')
      .trim();
    if (!q || seen.has(q.toLowerCase())) continue;
    seen.add(q.toLowerCase());
    out.push(q);
    if (out.length === n) break;
  }
  return out;
}

export function modelVariationGenerator(runtimes: RuntimePool, timeoutMs = VARIATION_TIMEOUT_MS) {
  return (_ns: string, _project: string, config: ProjectConfig): ((query: string, n: number) => Promise<string[]>) | undefined => {
    let model;
    try {
      model = selectModel(config);
    } catch {
      return undefined;
    }
    const runtime = runtimes.get(model);
    return async (query, n) => {
      const r = await runtime.complete(
        {
          model: model.model,
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: `Number of alternatives: ${n}\nQuery: ${query}` },
          ],
          max_tokens: 64 * n,
          temperature: 0.7,
          think: false,
        },
        { signal: AbortSignal.timeout(timeoutMs) },
      );
      return parseVariations(r.content, n);
    };
  };
}
