/**
 * Model names as users write them, and the choice of GGUF files inside a repo:
 * `org/repo` (whole repo; for a GGUF repo an automatic quantisation), `org/repo:Q4_K_M` (that quantisation),
 * `org/repo/path/file.gguf` (that file). Repo ids follow the hub's rules, which also keeps them safe as folder
 * names (`models--org--repo`).
 */
import { badRequest } from '../../core/errors.js';

export interface ModelRef {
  /** `org/name` (or a legacy single-segment id such as `gpt2`). */
  repoId: string;
  /** Requested GGUF quantisation, e.g. `Q4_K_M`. */
  quant?: string;
  /** A single file inside the repo, e.g. `model-Q4_K_M.gguf`. */
  file?: string;
}

/** Used when no quantisation is requested: the first one a GGUF repo has, in this order, else its first file. */
export const PREFERRED_QUANTS = ['Q4_K_M', 'Q4_K_S', 'Q5_K_M', 'Q5_K_S', 'Q6_K', 'Q8_0', 'Q4_0', 'Q3_K_M', 'Q3_K_L', 'Q2_K', 'F16', 'BF16', 'F32'];

// The hub: letters, digits, '-', '_', '.'; no '--' or '..'; '-' and '.' neither start nor end a name; ≤ 96 chars.
const NAME_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
const QUANT = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

export function isValidRepoId(id: string): boolean {
  const parts = id.split('/');
  if (parts.length < 1 || parts.length > 2) return false;
  return parts.every((p) => NAME_PART.test(p) && !p.includes('--') && !p.includes('..'));
}

function isSafeRepoPath(file: string): boolean {
  if (file === '' || file.includes('\\') || file.includes('\0')) return false;
  return file.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Parses a model name, or throws a 400 naming the accepted forms. */
export function parseModelName(raw: string): ModelRef {
  const ref = tryParseModelName(raw);
  if (!ref) {
    throw badRequest(`Invalid model name '${raw}': expected org/repo, org/repo:QUANT or org/repo/file.gguf (Hugging Face repo ids use letters, digits, '-', '_' and '.')`);
  }
  return ref;
}

export function tryParseModelName(raw: string): ModelRef | undefined {
  const name = raw.trim();
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) {
    const repoId = name.slice(0, colon);
    const quant = name.slice(colon + 1);
    return isValidRepoId(repoId) && QUANT.test(quant) ? { repoId, quant } : undefined;
  }
  const parts = name.split('/');
  if (parts.length >= 3) {
    const repoId = parts.slice(0, 2).join('/');
    const file = parts.slice(2).join('/');
    return isValidRepoId(repoId) && isSafeRepoPath(file) ? { repoId, file } : undefined;
  }
  return isValidRepoId(name) ? { repoId: name } : undefined;
}

/** `models--org--name`, the hub cache's folder for a model repo. */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

/** The repo id of a `models--org--name` folder, or undefined for anything else. */
export function repoIdFromFolder(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  const id = folder.slice('models--'.length).split('--').join('/');
  return isValidRepoId(id) ? id : undefined;
}

export const isGguf = (file: string) => file.toLowerCase().endsWith('.gguf');

const basename = (file: string) => file.slice(file.lastIndexOf('/') + 1);
const SHARD = /-(\d{5})-of-(\d{5})\.gguf$/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The quant appears as its own token (`model.Q4_K_M.gguf`, `model-q4_k_m-00001-of-00002.gguf`). */
function tokenMatch(file: string, quant: string): boolean {
  return new RegExp(`(?:^|[^a-z0-9])${escapeRegExp(quant.toLowerCase())}(?![a-z0-9_])`).test(basename(file).toLowerCase());
}

function containsMatch(file: string, quant: string): boolean {
  return basename(file).toLowerCase().includes(quant.toLowerCase());
}

export interface GgufChoice {
  /** The chosen file first, then the other shards of a split model. Empty when the repo has no GGUF file. */
  files: string[];
  /** The requested quantisation was found (false when the choice fell back to the automatic one). */
  matched: boolean;
}

/**
 * The GGUF file(s) to fetch from a repo's file list: the one containing `quant` (as a token first, else as a
 * substring, case-insensitive), else the first preferred quantisation present, else the first GGUF file.
 * Multimodal projector files (`mmproj*`) are never chosen automatically.
 */
export function chooseGgufFiles(repoFiles: string[], quant?: string): GgufChoice {
  const ggufs = repoFiles.filter((f) => isGguf(f) && !basename(f).toLowerCase().startsWith('mmproj')).sort();
  if (ggufs.length === 0) return { files: [], matched: false };
  let pick: string | undefined;
  let matched = false;
  if (quant) {
    pick = ggufs.find((f) => tokenMatch(f, quant)) ?? ggufs.find((f) => containsMatch(f, quant));
    matched = pick !== undefined;
  }
  pick ??= PREFERRED_QUANTS.map((q) => ggufs.find((f) => tokenMatch(f, q))).find((f) => f !== undefined) ?? ggufs[0];
  return { files: withShards(pick, ggufs), matched };
}

/** A split model (`…-00001-of-00003.gguf`) needs every shard; the first shard is the one to load. */
function withShards(pick: string, ggufs: string[]): string[] {
  const m = SHARD.exec(pick);
  if (!m) return [pick];
  const prefix = pick.slice(0, m.index);
  const shards = ggufs.filter((f) => {
    const s = SHARD.exec(f);
    return s !== null && f.slice(0, s.index) === prefix && s[2] === m[2];
  });
  return shards.sort();
}
