/** Checking what a model answered before anything is stored: count, finiteness, one consistent dimension. */
import { EmbedderError } from './types.js';

/** Holds an embedder's dimension: configured up front, or learned from the first answer and enforced afterwards. */
export class DimensionGuard {
  #dimension: number;

  constructor(
    private readonly upstream: string,
    configured?: number,
  ) {
    this.#dimension = configured ?? 0;
  }

  get dimension(): number {
    return this.#dimension;
  }

  /**
   * Turns a model's answer into vectors, or throws EmbedderError: fewer/more vectors than texts, an empty or
   * ragged vector, a non-number or non-finite value, or a length other than the known dimension.
   */
  accept(raw: unknown, expectedCount: number): Float32Array[] {
    if (!Array.isArray(raw)) throw new EmbedderError(`${this.upstream} returned no embeddings list`, this.upstream);
    if (raw.length !== expectedCount) {
      throw new EmbedderError(
        `${this.upstream} returned ${raw.length} embeddings for ${expectedCount} texts`,
        this.upstream,
      );
    }
    if (raw.length === 0) return [];
    const length = this.#dimension || lengthOf(raw[0]);
    const out = raw.map((v, i) => this.#toVector(v, i, length));
    this.#dimension = length;
    return out;
  }

  #toVector(v: unknown, i: number, length: number): Float32Array {
    const n = lengthOf(v);
    if (n === 0) throw new EmbedderError(`${this.upstream} returned an empty embedding (item ${i})`, this.upstream);
    if (n !== length) {
      const what = this.#dimension ? `the dimension is ${length}` : `item 0 has ${length}`;
      throw new EmbedderError(`${this.upstream} returned a ${n}-d embedding (item ${i}) but ${what}`, this.upstream);
    }
    const values = v as ArrayLike<unknown>;
    const vec = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const x = values[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new EmbedderError(`${this.upstream} returned a non-finite value in embedding ${i}`, this.upstream);
      }
      vec[j] = x;
    }
    return vec;
  }
}

function lengthOf(v: unknown): number {
  return Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>).length : 0;
}

/** Scales to unit length in place (a zero vector stays zero). */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}
