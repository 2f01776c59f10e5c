/**
 * The process-wide small-file cache: the bytes and stats of files up to
 * `SMALL_FILE` that were opened and found inside the served directory, shared
 * by all connections, so a small file served again costs one `stat()` rather
 * than open + fstat + readlink + read + close.
 *
 * Strategy: correctness first. An entry is used only after a `stat()` of the
 * same path finds the same device, inode, size, mtime and ctime; anything
 * else — an error, a replaced file, a symlink swapped in (another inode), a
 * chmod, rename or link (ctime) — drops the entry and the request takes the
 * full path, with its confinement checks. File times are coarse (a clock
 * tick), so a file could change twice within one tick with its size
 * unchanged: as Git does for its index ("racy git"), a file is cached only
 * once its mtime and ctime are `racyMs` (2 s) old, and until then is read
 * from disk on every request. Entries are keyed by the served directory, the
 * symlink policy and the file's path, so handlers with different settings
 * never share one; the oldest entry inserted goes first when the cache is
 * full (by count or by bytes).
 */

import { statSync, type Stats } from "node:fs";
import { SMALL_FILE } from "./file-source.js";
import { fsEncode } from "./url.js";

/** A cached file: what `stat()` must still say, and the bytes. */
interface CachedFile {
  /** The file's name as bytes (what was opened, and what `stat()` is given). */
  readonly fsPath: Buffer;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly stats: Stats;
  readonly content: Buffer;
}

/** Entries kept, and their bytes, at most (oldest inserted dropped first). */
const CACHE_ENTRIES = 1024;
const CACHE_BYTES = 16 * 1024 * 1024;
/** How old (ms) a file's mtime and ctime must be for its bytes to be trusted from memory; tests lower it. */
export const _fileCacheConfig = { racyMs: 2000 };

const fileCache = new Map<string, CachedFile>();
let fileCacheBytes = 0;
let fileCacheHits = 0;

/**
 * The key of a file: the served directory, the symlink policy and the file's
 * path as `translate_path()` gave it (the bytes opened are a function of it).
 */
export function cacheKey(directory: string, followSymlinks: boolean, path: string): string {
  return `${followSymlinks ? 1 : 0}${directory}\0${path}`;
}

/** The cached stats and bytes of `key`'s file if `stat()` shows it unchanged, else `null` (and the entry is gone). */
export function cachedFile(key: string): { stats: Stats; content: Buffer } | null {
  const entry = fileCache.get(key);
  if (entry === undefined) return null;
  let st: Stats | undefined;
  try {
    st = statSync(entry.fsPath, { throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  if (
    st !== undefined &&
    st.ino === entry.ino &&
    st.dev === entry.dev &&
    st.size === entry.size &&
    st.mtimeMs === entry.mtimeMs &&
    st.ctimeMs === entry.ctimeMs &&
    st.isFile()
  ) {
    fileCacheHits++;
    return entry;
  }
  forget(key, entry);
  return null;
}

function forget(key: string, entry: CachedFile): void {
  fileCache.delete(key);
  fileCacheBytes -= entry.content.length;
}

/**
 * Remembers a small file just read whole through the full (confined) path
 * `path`; ignored when the bytes do not match the stats, the file is too
 * large, it changed less than `racyMs` ago, or `path` has no bytes.
 */
export function rememberFile(key: string, path: string, stats: Stats, content: Buffer): void {
  if (content.length !== stats.size || content.length > SMALL_FILE) return;
  const now = Date.now();
  const racy = _fileCacheConfig.racyMs;
  if (now - stats.mtimeMs < racy || now - stats.ctimeMs < racy) return;
  const fsPath = fsEncode(path);
  if (fsPath === null) return;
  const old = fileCache.get(key);
  if (old !== undefined) forget(key, old);
  while (fileCache.size >= CACHE_ENTRIES || (fileCache.size > 0 && fileCacheBytes + content.length > CACHE_BYTES)) {
    const [oldestKey, oldest] = fileCache.entries().next().value as [string, CachedFile];
    forget(oldestKey, oldest);
  }
  fileCache.set(key, {
    fsPath,
    dev: stats.dev,
    ino: stats.ino,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    stats,
    content,
  });
  fileCacheBytes += content.length;
}

/** Empties the small-file cache (tests). */
export function _clearFileCache(): void {
  fileCache.clear();
  fileCacheBytes = 0;
  fileCacheHits = 0;
}

/** Entries, bytes and hits of the small-file cache (tests). */
export function _fileCacheInfo(): { entries: number; bytes: number; hits: number } {
  return { entries: fileCache.size, bytes: fileCacheBytes, hits: fileCacheHits };
}
