/** Data and assertions shared by the vector store conformance suite (stores.ts). */
import assert from 'node:assert/strict';
import { StoreError, type Hit, type StoredChunk } from '../../src/adapters/stores/types.js';

export const DIM = 32;

/** Deterministic pseudo-random unit vector for a seed (mulberry32). */
export function unitVector(seed: number, dimension = DIM): Float32Array {
  let s = (seed * 2654435761) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    v[i] = next();
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) v[i] /= norm;
  return v;
}

export function chunk(i: number, extra: Partial<StoredChunk> = {}, dimension = DIM): StoredChunk {
  return {
    id: `c${String(i).padStart(6, '0')}`,
    text: `chunk number ${i} about ordinary things`,
    vector: unitVector(i + 1, dimension),
    metadata: { chunk_index: i, file_hash: `hash${i % 3}`, source: `file${i % 3}.txt` },
    ...extra,
  };
}

export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

export function ids(hits: Hit[]): string[] {
  return hits.map((h) => h.id).sort();
}

/**
 * Every `assert.ok` here carries a message: without one, Node re-parses the test source to print the failed
 * expression, which under tsx's source maps can spin for minutes instead of failing.
 */
export function assertBestFirst(hits: Hit[]): void {
  for (let i = 1; i < hits.length; i++) {
    assert.ok(hits[i - 1].score >= hits[i].score, `hit ${i} scores ${hits[i].score} above hit ${i - 1} (${hits[i - 1].score})`);
  }
}

export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}
