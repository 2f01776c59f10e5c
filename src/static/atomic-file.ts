/**
 * Atomic file writes for uploads: a temporary file in the target directory,
 * written, `fsync`ed, then linked or renamed to its real name, so a reader
 * sees the old file or the whole new one, never a part.
 *
 * Strategy:
 * - The temporary name is `UPLOAD_TEMP_PREFIX` + 128 random bits + `.part`,
 *   created with `O_CREAT | O_EXCL | O_NOFOLLOW`: it cannot collide, cannot
 *   be a symlink planted in advance, and listings and GETs never serve it.
 * - After opening, the descriptor's real path (`/proc/self/fd`) must be the
 *   expected one: a directory swapped for a symlink in between is caught.
 * - Create-only commits use `link()` (fails with EEXIST if the name appeared
 *   meanwhile: of two concurrent creators exactly one wins), then remove the
 *   temporary name; replacements use `rename()` (the last one wins). The
 *   directory is `fsync`ed after, so the new name survives a crash.
 * - Any failure (the client went away, the disk is full, a limit) ends in
 *   `abort()`: close and unlink. What a crash leaves is removed at start by
 *   `removeStaleTemps()`.
 */

import { randomBytes } from "node:crypto";
import { constants, readlinkSync, type Stats } from "node:fs";
import { link, lstat, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { isUploadTemp, UPLOAD_TEMP_PREFIX } from "./upload-rules.js";

/** The upload failed for want of space: answer 507. */
export function isNoSpace(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG";
}

/** A fresh temporary name for `UPLOAD_TEMP_PREFIX` files. */
export function tempName(): string {
  return `${UPLOAD_TEMP_PREFIX}${randomBytes(16).toString("hex")}.part`;
}

/** Test hook: called with each chunk before it is written (to inject ENOSPC). */
export const _atomicFileHooks: { beforeWrite: ((bytes: number) => void) | null } = { beforeWrite: null };

/** How a commit ended. */
export type CommitResult = "created" | "replaced" | "exists" | "changed";

/** A temporary file on its way to a real name. */
export class AtomicFile {
  readonly dir: string;
  readonly tempPath: string;
  #fh: FileHandle | null;
  #written = 0;
  #done = false;

  private constructor(dir: string, tempPath: string, fh: FileHandle) {
    this.dir = dir;
    this.tempPath = tempPath;
    this.#fh = fh;
  }

  /**
   * Creates a temporary file in `dir` (whose real path must be `realDir`).
   * @throws the open's error, or an Error with code `EXDEV_ROOT` when the
   *   file did not land where expected.
   */
  static async create(dir: string, realDir: string): Promise<AtomicFile> {
    const tempPath = join(dir, tempName());
    const fh = await open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
    const file = new AtomicFile(dir, tempPath, fh);
    let real: string | null = null;
    try {
      real = readlinkSync(`/proc/self/fd/${fh.fd}`);
    } catch {
      real = null; // no /proc: the directory's real path was checked just before
    }
    if (real !== null && real !== join(realDir, tempPath.slice(dir.length + 1))) {
      await file.abort();
      throw Object.assign(new Error("upload directory moved"), { code: "EXDEV_ROOT" });
    }
    return file;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#written;
  }

  /** Appends `chunk`. */
  async write(chunk: Uint8Array): Promise<void> {
    const fh = this.#fh;
    if (fh === null) throw new Error("write after close");
    _atomicFileHooks.beforeWrite?.(chunk.length);
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, null);
      off += bytesWritten;
    }
    this.#written += chunk.length;
  }

  /** `fsync` and close; the file stays under its temporary name. */
  async seal(): Promise<void> {
    const fh = this.#fh;
    if (fh === null) return;
    this.#fh = null;
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /**
   * Puts the sealed (or open: it is sealed first) file under `finalPath`.
   * `mode` "create": only if no such name exists (`exists` otherwise);
   * "replace": `expect` is the ETag the existing file must still have
   * (`changed` otherwise), `null` for any. The temporary file is gone after.
   */
  async commit(finalPath: string, mode: "create" | "replace", expect: string | null, etagOf: (st: Stats) => string): Promise<CommitResult> {
    await this.seal();
    try {
      if (mode === "create") {
        try {
          await link(this.tempPath, finalPath);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EEXIST") return "exists";
          // A file system without hard links: check, then rename (a narrow race).
          if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw e;
          if ((await lstat(finalPath).catch(() => null)) !== null) return "exists";
          await rename(this.tempPath, finalPath);
        }
        await this.#syncDir();
        return "created";
      }
      const st = await lstat(finalPath).catch(() => null);
      if (expect !== null && (st === null || !st.isFile() || etagOf(st) !== expect)) return "changed";
      if (st !== null && !st.isFile()) return "changed";
      await rename(this.tempPath, finalPath);
      await this.#syncDir();
      return st === null ? "created" : "replaced";
    } finally {
      this.#done = true;
      await unlink(this.tempPath).catch(() => {});
    }
  }

  async #syncDir(): Promise<void> {
    const d = await open(this.dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => null);
    if (d === null) return;
    await d.sync().catch(() => {});
    await d.close().catch(() => {});
  }

  /** Closes and removes the temporary file; never throws. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close().catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
}

/** Bounds on the start-up sweep for stale temporary files. */
const SWEEP_MAX_DIRS = 10_000;

/**
 * Removes temporary upload files under `root` left by a crash or a kill:
 * those last modified before `before` (ms since the epoch; the process's
 * start by default, so uploads in flight in sibling workers are left alone).
 * Walks at most 10,000 directories, never through symlinks.
 * @returns the number of files removed.
 */
export async function removeStaleTemps(root: string, before = Date.now() - process.uptime() * 1000): Promise<number> {
  let removed = 0;
  let visited = 0;
  const queue = [root];
  while (queue.length > 0 && visited < SWEEP_MAX_DIRS) {
    const dir = queue.shift()!;
    visited++;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const d of entries) {
      const path = join(dir, d.name);
      if (d.isDirectory()) queue.push(path);
      else if (d.isFile() && isUploadTemp(d.name)) {
        const st = await lstat(path).catch(() => null);
        if (st !== null && st.mtimeMs < before && (await unlink(path).then(() => true, () => false))) removed++;
      }
    }
  }
  return removed;
}

const sweeps = new Map<string, Promise<number>>();

/**
 * `removeStaleTemps(root)` once per directory and process: the command runs
 * it at start, and the first upload into a directory runs it for a library
 * user (in the background; it only removes files older than the process,
 * never an upload in flight).
 */
export function sweepOnce(root: string): Promise<number> {
  let sweep = sweeps.get(root);
  if (sweep === undefined) {
    sweep = removeStaleTemps(root).catch(() => 0);
    sweeps.set(root, sweep);
  }
  return sweep;
}
