/**
 * Embedders cheap and self-contained enough to run inside the prepare worker (pure JS, no model server). Kept
 * apart from prepare.ts so the API process does not load every parser just to read this list.
 */
export const IN_WORKER_EMBEDDERS: ReadonlySet<string> = new Set(['HashingEmbedder']);
