/** Embedder config `type` → implementation (decision 0005). */
import { HashingEmbedder } from './hashing.js';
import { resolveEnvRefs } from '../../config/secrets.js';
import { OllamaEmbedder } from './ollama.js';
import { OpenAIEmbedder } from './openai.js';
import { SentenceEncoderEmbedder } from './sentence-encoder.js';
import { EmbedderError, type Embedder, type EmbedderConfig, type EmbedderContext } from './types.js';
import { UniversalEmbedder } from './universal.js';

type EmbedderFactory = (config: EmbedderConfig, ctx: EmbedderContext) => Embedder;

const universal: EmbedderFactory = (config, ctx) => new UniversalEmbedder(config, ctx.resolveModelPath);

const FACTORIES: Record<string, EmbedderFactory> = {
  HashingEmbedder: (config) => new HashingEmbedder(config),
  OllamaEmbedder: (config, ctx) => new OllamaEmbedder(config, ctx.env ?? process.env),
  OpenAIEmbedder: (config, ctx) => new OpenAIEmbedder(config, ctx.env ?? process.env),
  UniversalEmbedder: universal,
  SentenceEncoderEmbedder: (config) => new SentenceEncoderEmbedder(config),
  // The original server's names for sentence-transformers models: the same GGUF path, by `model_name`.
  HuggingFaceEmbedder: universal,
  SentenceTransformerEmbedder: universal,
};

/** Every accepted `type` name, aliases included. */
export function embedderTypes(): string[] {
  return Object.keys(FACTORIES);
}

/**
 * Builds an embedder. An unknown type, or a config value of the wrong type, is an EmbedderError of kind `config`;
 * an unreachable server or a missing model is only found on the first `embed` (as EmbedderError).
 */
export function createEmbedder(type: string, config: EmbedderConfig = {}, ctx: EmbedderContext = {}): Embedder {
  const factory =
    FACTORIES[type] ?? Object.entries(FACTORIES).find(([name]) => name.toLowerCase() === type.toLowerCase())?.[1];
  if (!factory) throw new EmbedderError(`unknown embedder type "${type}"; known types: ${embedderTypes().join(', ')}`, undefined, 'config');
  // `${VAR}` references in secret fields are resolved now, at use time (decision 0111).
  return factory(resolveEnvRefs(config ?? {}, ctx.env ?? process.env), ctx);
}
