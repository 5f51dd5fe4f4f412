/**
 * The offline default embedder: no model, no network. Feature hashing ("the hashing trick") of stemmed word
 * unigrams and bigrams plus character 3–5-grams into `dimension` buckets, each feature with a hashed sign so
 * collisions cancel out on average instead of piling up; sublinear term frequency (1 + ln tf); each family is
 * normalised on its own and mixed with fixed weights, then the whole vector is L2-normalised. Deterministic
 * across runs and machines.
 */
import { configNumber } from './config.js';
import { textFeatures, type FeatureOptions } from './text-features.js';
import type { EmbedOptions, Embedder, EmbedderConfig } from './types.js';
import { l2Normalize } from './vectors.js';

const TYPE = 'HashingEmbedder';

export interface HashingWeights {
  unigram: number;
  bigram: number;
  char: number;
}

/** Chosen on SciFact train (nDCG@10, 384-d): bigrams barely matter there, n-grams and words equally. */
export const DEFAULT_HASHING_WEIGHTS: HashingWeights = { unigram: 1, bigram: 0.15, char: 1 };

/** Model identity: bump the version whenever the features or weights change (stored vectors become stale). */
export const HASHING_MODEL = 'lf-hashing-v1';

export class HashingEmbedder implements Embedder {
  readonly type = TYPE;
  readonly model = HASHING_MODEL;
  readonly dimension: number;
  readonly batchSize: number;

  constructor(
    config: EmbedderConfig = {},
    private readonly weights: HashingWeights = DEFAULT_HASHING_WEIGHTS,
    private readonly features: FeatureOptions = { minN: 3, maxN: 5 },
  ) {
    this.dimension = configNumber(TYPE, config, ['dimension', 'embedding_dimension'], { min: 8, integer: true }) ?? 384;
    this.batchSize = configNumber(TYPE, config, ['batch_size'], { min: 1, integer: true }) ?? 256;
  }

  async embed(texts: string[], o: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      o.signal?.throwIfAborted();
      for (const text of texts.slice(i, i + this.batchSize)) out.push(this.embedOne(text));
      // Let the event loop breathe between batches of a long synchronous job.
      if (i + this.batchSize < texts.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return out;
  }

  embedOne(text: string): Float32Array {
    const f = textFeatures(text, this.features);
    const out = new Float32Array(this.dimension);
    const family = new Float32Array(this.dimension);
    const mix = (counts: Map<string, number>, seed: number, weight: number) => {
      if (counts.size === 0 || weight === 0) return;
      family.fill(0);
      for (const [feature, tf] of counts) {
        const h = hashString(feature, seed);
        family[h % this.dimension] += (h & 0x80000000 ? -1 : 1) * (1 + Math.log(tf));
      }
      l2Normalize(family);
      for (let i = 0; i < out.length; i++) out[i] += weight * family[i];
    };
    mix(f.unigrams, 0x9e3779b1, this.weights.unigram);
    mix(f.bigrams, 0x85ebca77, this.weights.bigram);
    mix(f.charNgrams, 0xc2b2ae3d, this.weights.char);
    if (f.unigrams.size === 0 && f.charNgrams.size === 0) {
      // Nothing to hash (empty text, punctuation, stop words only): a fixed unit vector, never a zero vector.
      out[hashString('\u2205', 0x27d4eb2f) % this.dimension] = 1;
    }
    return l2Normalize(out);
  }
}

/** FNV-1a over UTF-16 code units, seeded, then the murmur3 finaliser for well-spread bits. Unsigned 32-bit. */
export function hashString(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
