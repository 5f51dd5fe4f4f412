/** Embedding a whole file's chunks for the pipeline: batches, progress, cancellation, one vector per text. */
import { EmbedderError, type Embedder } from './types.js';

export interface EmbedAllOptions {
  /** Texts per `embed` call (and per progress report); default the embedder's own batch size, else 32. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function embedAll(embedder: Embedder, texts: string[], o: EmbedAllOptions = {}): Promise<Float32Array[]> {
  const batchSize = Math.max(1, Math.floor(o.batchSize ?? embedder.batchSize ?? 32));
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    o.signal?.throwIfAborted();
    const batch = texts.slice(i, i + batchSize);
    const vectors = await embedder.embed(batch, { signal: o.signal });
    if (vectors.length !== batch.length) {
      throw new EmbedderError(`${embedder.type} returned ${vectors.length} vectors for ${batch.length} texts`, embedder.type);
    }
    out.push(...vectors);
    o.onProgress?.(out.length, texts.length);
  }
  return out;
}
