/**
 * Error text that is shown to users (task errors, per-file errors): native libraries (LanceDB is Rust) put the
 * build machine's source paths into their messages (`/usr/local/cargo/registry/src/.../dataset.rs:123:45`);
 * they say nothing useful to a user and reveal build details, so they are cut out.
 */

/** A `.rs` source location (absolute or crate-relative path, optional `:line:col`), with an `at`/comma before it. */
const RUST_SOURCE = /[,;]?\s*(?:at\s+)?(?:\/|[A-Za-z]:\\|(?:src|rust)\/)[^\s,;()'"]*\.rs(?::\d+){0,2}/g;
/** Anything under a cargo home left over (registry, git checkouts). */
const CARGO_PATH = /\S*\/\.?cargo\/(?:registry|git)\/\S*/g;

export function stripSourcePaths(message: string): string {
  return message.replace(RUST_SOURCE, '').replace(CARGO_PATH, '').replace(/\s{2,}/g, ' ').replace(/\s+([,.;:)])/g, '$1').trim();
}

/** The message of an error for a user-facing record, without native source paths. */
export function publicErrorMessage(e: unknown): string {
  return stripSourcePaths(e instanceof Error ? e.message : String(e));
}
