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
 * Also here: `isInside()` and `openConfined()`, the confinement test the
 * handler applies after opening a file, for the archive walker.
 */

import { closeSync, constants, fstatSync, openSync, readlinkSync, type Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
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

/** Whether `child` is `parent` or lies below it (both absolute, normalised, as bytes). */
export function isInside(child: Buffer, parent: Buffer): boolean {
  const n = parent.length > 1 && parent[parent.length - 1] === 0x2f ? parent.length - 1 : parent.length;
  if (child.length === n) return child.equals(parent.subarray(0, n));
  return child.length > n && child.subarray(0, n).equals(parent.subarray(0, n)) && (n === 1 || child[n] === 0x2f);
}

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
 * Opens `path` read-only (never blocking on a FIFO) and returns it only if
 * it is a regular file or a directory whose real path — read back from the
 * open descriptor, so a name swapped for a symlink in between is caught —
 * lies inside `rules.root` (or `follow_symlinks` is set). `null` otherwise,
 * with nothing left open.
 */
export function openConfined(path: Buffer, rules: EntryRules): ConfinedFile | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isFile() || stats.isDirectory()) {
      if (rules.follow_symlinks) return { fd, stats };
      if (isInside(readlinkSync(`/proc/self/fd/${fd}`, { encoding: "buffer" }), rules.root)) return { fd, stats };
    }
  } catch {
    // No /proc, or the descriptor could not be examined: refuse.
  }
  try {
    closeSync(fd);
  } catch {
    // Nothing to do about a failed close of a read-only descriptor.
  }
  return null;
}
