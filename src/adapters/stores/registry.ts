/** Vector store registry: database `type` in llamafarm.yaml → store factory (decision 0004). */
import { LanceDBStore, lanceOptionsFromConfig } from './lancedb/store.js';
import { resolveEnvRefs } from '../../config/secrets.js';
import { chromaOptionsFromConfig } from './chroma/config.js';
import { pgOptionsFromConfig } from './pgvector/config.js';
import { StoreError, type VectorStore } from './types.js';

export interface StoreContext {
  /** The database's store directory: `PD/lf_data/stores/<database>`. */
  dir: string;
  /** Database name from the project config. */
  database: string;
  /** The database's `config` object from llamafarm.yaml. */
  config: Record<string, unknown>;
}

type StoreFactory = (ctx: StoreContext) => Promise<VectorStore>;

const CANNOT_OPEN = new Set<StoreFactory>();

function unavailable(type: string, needs: string): StoreFactory {
  const factory: StoreFactory = () => Promise.reject(new StoreError(`${type} is not available in this build (${needs}); use LanceDBStore`, 'unavailable'));
  CANNOT_OPEN.add(factory);
  return factory;
}

const FACTORIES: Record<string, StoreFactory> = {
  LanceDBStore: (ctx) => LanceDBStore.open(lanceOptionsFromConfig(ctx.dir, ctx.config ?? {})),
  // Loaded on first use: only projects that use Chroma need the chromadb client.
  ChromaStore: async (ctx) => {
    const opts = chromaOptionsFromConfig(ctx.dir, ctx.database, ctx.config ?? {});
    const { ChromaStore } = await import('./chroma/store.js');
    return ChromaStore.open(opts);
  },
  QdrantStore: unavailable('QdrantStore', 'it needs a Qdrant server adapter'),
  // Loaded on first use: `pg` is only needed by projects that use Postgres.
  PGVectorStore: async (ctx) => {
    const opts = pgOptionsFromConfig(ctx.dir, ctx.database, ctx.config ?? {});
    const { PGVectorStore } = await import('./pgvector/store.js');
    return PGVectorStore.open(opts);
  },
};

/** Every store type name the config accepts (whether or not this build can open it). */
export const STORE_TYPES: readonly string[] = Object.keys(FACTORIES);

/** Whether this build can open stores of `type` (if not, no data of ours can be in one). */
export function storeTypeOpens(type: string): boolean {
  return Object.hasOwn(FACTORIES, type) && !CANNOT_OPEN.has(FACTORIES[type]);
}

/** Opens the store for one database. Unknown types → StoreError('unavailable') naming the known ones. */
export async function createStore(type: string, ctx: StoreContext): Promise<VectorStore> {
  const factory = Object.hasOwn(FACTORIES, type) ? FACTORIES[type] : undefined;
  if (!factory) {
    throw new StoreError(`Unknown vector store type ${JSON.stringify(type)} (known: ${STORE_TYPES.join(', ')})`, 'unavailable');
  }
  return factory(ctx.config ? { ...ctx, config: resolveEnvRefs(ctx.config) } : ctx);
}
