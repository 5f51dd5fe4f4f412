/**
 * Which stored chunks belong to which dataset (decision 0120). Each dataset owns its own rows of a file: chunk ids
 * carry the dataset (chunkers/ids.ts) and rows carry `dataset`, `file_hash` and the signatures of how they were
 * made (`parse_signature`: parsers, chunking and extractors; `embed_signature`: the embedder). So:
 * - removing a file from one dataset deletes that dataset's rows only;
 * - re-processing can tell, before parsing, that a file's rows for this dataset, parser settings and embedder are
 *   all stored (decision 0121);
 * - rows written before ownership existed (no signature, shared by every dataset holding the file) are kept while
 *   another dataset on the database still holds the file and has no rows of its own for it.
 */
import { createHash } from 'node:crypto';
import type { DataProcessingStrategyConfig, ProjectConfig } from '../../config/schema.js';
import type { MetadataFilter, VectorStore } from '../../adapters/stores/types.js';
import type { DataLayout } from '../../storage/layout.js';
import { DatasetFileStore } from '../../storage/dataset-files.js';

/** Bumped when chunking changes in a way that should re-process stored files (part of `parse_signature`). */
export const CHUNKING_VERSION = 2;

export interface FileSignatures {
  parse: string;
  embed: string;
}

/** JSON with object keys sorted, so equal settings give equal signatures whatever the key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function digest(v: unknown): string {
  return createHash('sha256').update(stableJson(v)).digest('hex').slice(0, 16);
}

export function fileSignatures(strategy: Pick<DataProcessingStrategyConfig, 'parsers' | 'extractors'>, embedder: { type: string; model: string; config?: unknown }): FileSignatures {
  return {
    parse: digest({ v: CHUNKING_VERSION, parsers: strategy.parsers ?? [], extractors: strategy.extractors ?? [] }),
    embed: digest({ type: embedder.type, model: embedder.model, config: embedder.config ?? {} }),
  };
}

/** Metadata every stored row of the file carries (beside the chunk's own). */
export function ownershipMetadata(dataset: string, fileHash: string, sig: FileSignatures): Record<string, string> {
  return { dataset, file_hash: fileHash, parse_signature: sig.parse, embed_signature: sig.embed };
}

export type StoredState = { stored: true; chunks: number } | { stored: false; why: string | null };

/**
 * Are all of this file's rows for this dataset stored with these signatures? Complete means every row of the
 * file in this dataset has both signatures and their number is the `total_chunks` the rows were written with (a
 * run killed half-way leaves fewer). `why` says what differs when something is stored (null when nothing is).
 */
export async function storedState(store: VectorStore, fileHash: string, dataset: string, sig: FileSignatures): Promise<StoredState> {
  const own: MetadataFilter = { file_hash: fileHash, dataset };
  const all = await store.count(own);
  if (all === 0) return { stored: false, why: null };
  const same = { ...own, parse_signature: sig.parse, embed_signature: sig.embed };
  const matching = await store.count(same);
  if (matching === all && (await store.count({ ...same, total_chunks: matching })) === matching) return { stored: true, chunks: matching };
  if ((await store.count({ ...own, parse_signature: null })) > 0) return { stored: false, why: 'its chunks were stored before per-dataset ownership and are stored again once for this dataset' };
  if ((await store.count({ ...own, parse_signature: { $ne: sig.parse } })) > 0) return { stored: false, why: 'the parser, chunking or extractor settings changed' };
  if ((await store.count({ ...own, embed_signature: { $ne: sig.embed } })) > 0) return { stored: false, why: 'the embedder changed' };
  return { stored: false, why: 'an earlier run stored only part of this file' };
}

/**
 * After a successful store: removes this dataset's rows of the file made with other settings, and the file's rows
 * from before ownership once no other holder still depends on them (each of `otherHolders` has rows of its own).
 */
export async function removeStaleRows(store: VectorStore, fileHash: string, dataset: string, sig: FileSignatures, otherHolders: string[]): Promise<number> {
  const own = { file_hash: fileHash, dataset };
  let removed = await store.deleteWhere({ ...own, parse_signature: { $ne: sig.parse } });
  removed += await store.deleteWhere({ ...own, embed_signature: { $ne: sig.embed } });
  for (const other of otherHolders) {
    if ((await store.count({ file_hash: fileHash, dataset: other, parse_signature: { $ne: null } })) === 0) return removed;
  }
  removed += await store.deleteWhere({ file_hash: fileHash, parse_signature: null });
  return removed;
}

/** Deletes a file's rows owned by `dataset`; rows from before ownership only when no other dataset holds the file. */
export async function removeFileRows(store: VectorStore, fileHash: string, dataset: string, heldElsewhere: boolean): Promise<number> {
  const own = { file_hash: fileHash, dataset };
  if (!heldElsewhere) return store.deleteWhere(own);
  return store.deleteWhere({ ...own, parse_signature: { $ne: null } });
}

/** Deletes every row `dataset` owns; rows from before ownership of files in `sharedHashes` are kept. */
export async function removeDatasetRows(store: VectorStore, dataset: string, sharedHashes: string[]): Promise<number> {
  if (sharedHashes.length === 0) return store.deleteWhere({ dataset });
  let removed = await store.deleteWhere({ dataset, parse_signature: { $ne: null } });
  removed += await store.deleteWhere({ dataset, parse_signature: null, file_hash: { $nin: sharedHashes } });
  return removed;
}

/** The other datasets of the project on database `database` whose file store holds each of `hashes`. */
export async function otherHolders(layout: DataLayout, ns: string, project: string, config: ProjectConfig, database: string, dataset: string, hashes: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(hashes.map((h) => [h, []]));
  for (const d of config.datasets ?? []) {
    if (d.name === dataset || d.database !== database) continue;
    const files = new DatasetFileStore(layout.datasetDir(ns, project, d.name));
    for (const h of hashes) if (await files.get(h)) out.get(h)!.push(d.name);
  }
  return out;
}
