/**
 * What a directory holds, as the rich listing, the JSON listing and the
 * folder archives see it: one `DirEntry` per name, with its type, size and
 * modification time, and whether the file server would follow it.
 *
 * Strategy: one `readdir()` and one `stat()` per name (run together), never
 * more. The rules are the file server's, so what a listing shows, what a
 * JSON client is told and what an archive contains cannot disagree:
 *
 * 1. With `exclude_dotfiles`, names starting with `.` are left out.
 * 2. A symbolic link is followed (its target's type, size and time) when its
 *    target exists and, unless `follow_symlinks` is set, its real path lies
 *    inside the served directory's real path. Otherwise it is listed with
 *    type `"symlink"` and no size: the server answers 404 for it, and
 *    archives leave it out.
 * 3. Anything that is neither a regular file nor a directory (FIFO, socket,
 *    device) is type `"other"`: listed, never read into an archive.
 *
 * Also here: `openServable()`, for the archive walker: confine.ts's
 * `openConfined()` (the handler's own check, on the opened descriptor),
 * keeping only regular files and directories.
 */

import type { Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { closeFile, isInside, openConfined } from "./confine.js";
import { fsDecode } from "./url.js";

/** What a name resolves to, as the file server would treat it. */
export type EntryType = "directory" | "file" | "symlink" | "other";

/** One name in a directory. */
export interface DirEntry {
  /** The name, decoded as Python's `os.fsdecode()` does (bytes that are not UTF-8 become U+DC80..U+DCFF). */
  name: string;
  /** The name's bytes on disk. */
  raw: Buffer;
  /** What the name resolves to; `"symlink"` for a link the server does not follow. */
  type: EntryType;
  /** Whether the name itself is a symbolic link (followed or not). */
  isSymlink: boolean;
  /** Size in bytes of a file (`null` for anything else). */
  size: number | null;
  /** Modification time in ms since the epoch (the link's own for an unfollowed link), `null` if unknown. */
  mtimeMs: number | null;
}

/** The rules of the served directory that decide what is listed and followed. */
export interface EntryRules {
  /** The served directory's real path, as bytes (see `realpath(…, {encoding: "buffer"})`). */
  root: Buffer;
  exclude_dotfiles: boolean;
  follow_symlinks: boolean;
}

const SLASH = Buffer.from("/");

/** `dir` + `/` + `name`, as bytes. */
export function joinBytes(dir: Buffer, name: Buffer): Buffer {
  return dir[dir.length - 1] === 0x2f ? Buffer.concat([dir, name]) : Buffer.concat([dir, SLASH, name]);
}

function typeOf(st: Stats): EntryType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  return "other";
}

/** One entry: stat (following links), then the confinement check for a link. */
async function describe(dir: Buffer, raw: Buffer, isSymlink: boolean, rules: EntryRules): Promise<DirEntry> {
  const full = joinBytes(dir, raw);
  const name = fsDecode(raw);
  const st = await stat(full).catch(() => null);
  if (isSymlink) {
    let followed = st !== null;
    if (followed && !rules.follow_symlinks) {
      const real = await realpath(full, { encoding: "buffer" }).catch(() => null);
      followed = real !== null && isInside(real, rules.root);
    }
    if (!followed || st === null) {
      const own = await lstat(full).catch(() => null);
      return { name, raw, type: "symlink", isSymlink, size: null, mtimeMs: own?.mtimeMs ?? null };
    }
  }
  if (st === null) return { name, raw, type: "other", isSymlink, size: null, mtimeMs: null }; // vanished meanwhile
  const type = typeOf(st);
  return { name, raw, type, isSymlink, size: type === "file" ? st.size : null, mtimeMs: st.mtimeMs };
}

/**
 * The entries of directory `dir` (bytes), unsorted, under `rules`.
 * @throws what `readdir()` throws (the caller maps it to a status).
 */
export async function readEntries(dir: Buffer, rules: EntryRules): Promise<DirEntry[]> {
  let dirents = await readdir(dir, { withFileTypes: true, encoding: "buffer" });
  if (rules.exclude_dotfiles) dirents = dirents.filter((d) => d.name[0] !== 0x2e);
  return Promise.all(dirents.map((d) => describe(dir, d.name, d.isSymbolicLink(), rules)));
}

/** An open regular file or directory and what `fstat` said of it. */
export interface ConfinedFile {
  fd: number;
  stats: Stats;
}

/**
 * Opens `path` as the file server would (read-only, never blocking on a
 * FIFO, its real path read back from the open descriptor and required to lie
 * inside `rules.root` unless `follow_symlinks`) and keeps it only if it is a
 * regular file or a directory. `null` otherwise, with nothing left open.
 */
export async function openServable(path: Buffer, rules: EntryRules): Promise<ConfinedFile | null> {
  const root = rules.root;
  const opened = await openConfined(fsDecode(path), rules.follow_symlinks ? null : () => Promise.resolve(root));
  if ("error" in opened) return null;
  if (opened.stats.isFile() || opened.stats.isDirectory()) return opened;
  closeFile(opened.fd);
  return null;
}
