/**
 * The `llamafarm.yaml` v1 schema — one source of truth for validation (ajv), TypeScript types (`Static`) and the
 * OpenAPI document. Covers original §2 and decisions 0003–0007: multi-model runtime plus the legacy flat form,
 * prompt sets, RAG databases with embedding/retrieval strategies, data processing strategies, datasets, MCP.
 */
import Type, { type Static } from 'typebox';
import { RESOURCE_NAME_PATTERN, STRATEGY_NAME_PATTERN } from '../core/names.js';

export const STORE_TYPES = ['LanceDBStore', 'ChromaStore', 'QdrantStore', 'PGVectorStore'] as const;
export const EMBEDDER_TYPES = [
  'HashingEmbedder',
  'UniversalEmbedder',
  'OllamaEmbedder',
  'OpenAIEmbedder',
  'SentenceEncoderEmbedder',
  'HuggingFaceEmbedder',
  'SentenceTransformerEmbedder',
] as const;
export const RETRIEVAL_TYPES = [
  'BasicSimilarityStrategy',
  'MetadataFilteredStrategy',
  'MultiQueryStrategy',
  'RerankedStrategy',
  'HybridUniversalStrategy',
  'CrossEncoderRerankedStrategy',
  'MultiTurnRAGStrategy',
  'VectorRetriever',
  'HybridRetriever',
  'BM25Retriever',
  'RerankedRetriever',
  'GraphRetriever',
  'ElasticRetriever',
] as const;
export const PROVIDERS = ['openai', 'ollama', 'lemonade', 'universal'] as const;

const StringList = Type.Array(Type.String());
const FreeObject = Type.Record(Type.String(), Type.Unknown());
const enumOf = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const ToolSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('function')),
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(FreeObject),
  },
  { additionalProperties: true },
);

export const ModelSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'Unique id used by the API `model` field' }),
    provider: enumOf(PROVIDERS),
    model: Type.String({ minLength: 1, description: 'Provider model id, e.g. llama3.2:3b or org/repo:Q4_K_M' }),
    description: Type.Optional(Type.String()),
    base_url: Type.Optional(Type.String()),
    api_key: Type.Optional(Type.String()),
    instructor_mode: Type.Optional(Type.String()),
    model_api_parameters: Type.Optional(FreeObject),
    extra_body: Type.Optional(FreeObject),
    prompts: Type.Optional(StringList),
    mcp_servers: Type.Optional(StringList),
    tools: Type.Optional(Type.Array(ToolSchema)),
    tool_call_strategy: Type.Optional(enumOf(['native_api', 'prompt_based'] as const)),
  },
  { additionalProperties: true },
);

export const RuntimeSchema = Type.Object(
  {
    models: Type.Optional(Type.Array(ModelSchema)),
    default_model: Type.Optional(Type.String()),
    // Legacy single-model form (read as one model named `default`).
    provider: Type.Optional(enumOf(PROVIDERS)),
    model: Type.Optional(Type.String({ minLength: 1 })),
    base_url: Type.Optional(Type.String()),
    api_key: Type.Optional(Type.String()),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    instructor_mode: Type.Optional(Type.String()),
    model_api_parameters: Type.Optional(FreeObject),
    extra_body: Type.Optional(FreeObject),
  },
  {
    additionalProperties: true,
    anyOf: [{ required: ['models'] }, { required: ['provider', 'model'] }],
    description: 'Either `models` (+ `default_model`) or the legacy flat `provider`/`model` form',
  },
);

export const PromptMessageSchema = Type.Object(
  {
    role: Type.String({ minLength: 1 }),
    content: Type.String(),
    tool_call_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const PromptSetSchema = Type.Object(
  {
    name: Type.String({ pattern: STRATEGY_NAME_PATTERN }),
    messages: Type.Array(PromptMessageSchema),
  },
  { additionalProperties: false },
);

export const EmbeddingStrategySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    type: enumOf(EMBEDDER_TYPES),
    config: Type.Optional(FreeObject),
    condition: Type.Optional(Type.String()),
    priority: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const RetrievalStrategySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    type: enumOf(RETRIEVAL_TYPES),
    config: Type.Optional(FreeObject),
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const DatabaseSchema = Type.Object(
  {
    name: Type.String({ pattern: STRATEGY_NAME_PATTERN }),
    type: enumOf(STORE_TYPES),
    config: Type.Optional(FreeObject),
    embedding_strategies: Type.Optional(Type.Array(EmbeddingStrategySchema)),
    retrieval_strategies: Type.Optional(Type.Array(RetrievalStrategySchema)),
    default_embedding_strategy: Type.Optional(Type.String()),
    default_retrieval_strategy: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ParserEntrySchema = Type.Object(
  {
    type: Type.String({ pattern: '^(auto|DirectoryParser|.*Parser.*)$' }),
    config: Type.Optional(FreeObject),
    file_extensions: Type.Optional(StringList),
    file_include_patterns: Type.Optional(StringList),
    file_exclude_patterns: Type.Optional(StringList),
    mime_types: Type.Optional(StringList),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    fallback_parser: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ExtractorEntrySchema = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    config: Type.Optional(FreeObject),
    required_for: Type.Optional(StringList),
    condition: Type.Optional(Type.String()),
    file_include_patterns: Type.Optional(StringList),
    priority: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const DataProcessingStrategySchema = Type.Object(
  {
    name: Type.String({ pattern: STRATEGY_NAME_PATTERN }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    parsers: Type.Array(ParserEntrySchema, { minItems: 1 }),
    extractors: Type.Optional(Type.Array(ExtractorEntrySchema)),
  },
  { additionalProperties: false },
);

export const RagSchema = Type.Object(
  {
    default_database: Type.Optional(Type.String()),
    databases: Type.Optional(Type.Array(DatabaseSchema)),
    data_processing_strategies: Type.Optional(Type.Array(DataProcessingStrategySchema)),
    components: Type.Optional(FreeObject),
  },
  { additionalProperties: false },
);

export const DatasetSchema = Type.Object(
  {
    name: Type.String({ pattern: RESOURCE_NAME_PATTERN }),
    database: Type.String({ minLength: 1 }),
    data_processing_strategy: Type.String({ minLength: 1 }),
    auto_process: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const McpServerSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    transport: enumOf(['stdio', 'http', 'sse'] as const),
    command: Type.Optional(Type.String()),
    args: Type.Optional(StringList),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    base_url: Type.Optional(Type.String()),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: true },
);

export const ProjectConfigSchema = Type.Object(
  {
    version: Type.Literal('v1'),
    name: Type.String({ pattern: RESOURCE_NAME_PATTERN }),
    namespace: Type.String({ pattern: RESOURCE_NAME_PATTERN }),
    runtime: RuntimeSchema,
    prompts: Type.Optional(Type.Array(Type.Union([PromptSetSchema, PromptMessageSchema]))),
    rag: Type.Optional(RagSchema),
    datasets: Type.Optional(Type.Array(DatasetSchema)),
    mcp: Type.Optional(Type.Object({ servers: Type.Optional(Type.Array(McpServerSchema)) }, { additionalProperties: true })),
    components: Type.Optional(FreeObject),
  },
  { additionalProperties: true, $id: 'LlamaFarmConfig', title: 'llamafarm.yaml v1' },
);

export type ProjectConfig = Static<typeof ProjectConfigSchema>;
export type ModelConfig = Static<typeof ModelSchema>;
export type RuntimeConfig = Static<typeof RuntimeSchema>;
export type PromptSet = Static<typeof PromptSetSchema>;
export type PromptMessage = Static<typeof PromptMessageSchema>;
export type RagConfig = Static<typeof RagSchema>;
export type DatabaseConfig = Static<typeof DatabaseSchema>;
export type EmbeddingStrategyConfig = Static<typeof EmbeddingStrategySchema>;
export type RetrievalStrategyConfig = Static<typeof RetrievalStrategySchema>;
export type DataProcessingStrategyConfig = Static<typeof DataProcessingStrategySchema>;
export type ParserEntryConfig = Static<typeof ParserEntrySchema>;
export type ExtractorEntryConfig = Static<typeof ExtractorEntrySchema>;
export type DatasetConfig = Static<typeof DatasetSchema>;
export type McpServerConfig = Static<typeof McpServerSchema>;
