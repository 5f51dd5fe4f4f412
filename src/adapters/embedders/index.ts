export { createEmbedder, embedderTypes } from './registry.js';
export { embedAll, type EmbedAllOptions } from './embed-all.js';
export { EmbedderError, type Embedder, type EmbedderConfig, type EmbedderContext, type EmbedOptions } from './types.js';
