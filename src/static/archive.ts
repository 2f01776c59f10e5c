/**
 * Folders as archives (`--archives`, the handler's `archives`):
 * `GET /dir/?download=zip` (or `tar`, `tar.gz`) streams the folder as an
 * archive while it is read.
 *
 * Strategy: a walker visits the folder depth-first in CPython's listing
 * order and adds one entry at a time to the archive library — yazl for zip
 * (data descriptors, ZIP64 as soon as a size or offset needs it), tar-stream
 * for tar (pax headers for long or non-ASCII names), node:zlib for gzip —
 * and waits for that file to be read through before it looks at the next
 * name. The archive's bytes are pulled by the handler's `copyfile()` one
 * chunk at a time, only when the client has taken the previous one, so
 * memory stays bounded (a few hundred KiB of stream buffers, plus the
 * zip's central directory: ~100 bytes a file) whatever the folder's size.
 *
 * The rules are the file server's (see dir-entries.ts): dotfiles left out
 * under `exclude_dotfiles`; each name is opened and kept only if its real
 * path, read back from the open descriptor, lies inside the served
 * directory (unless `follow_symlinks`), so a link leading out — or a file
 * swapped for one while the walk runs — never adds a byte; links to a
 * folder already being walked (a loop) are skipped; FIFOs, sockets and
 * devices are skipped. A client that goes away (`close()`) stops the walk,
 * destroys the file stream in flight (closing its descriptor) and the
 * archive streams.
 *
 * Names are UTF-8 (zip's language-encoding flag; pax `path` for tar); a
 * name whose bytes are not UTF-8 is written with U+FFFD for each bad byte,
 * and in zip names a backslash becomes `_` (zip readers take it for a
 * separator). A file that changes size while it is read ends the response
 * early (tar announces sizes up front): the client sees it cut short rather
 * than a corrupt member.
 */

import { closeSync, createReadStream, type ReadStream, type Stats } from "node:fs";
import { readdir } from "node:fs/promises";
import { PassThrough, type Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { sortEntries } from "./directory-listing.js";
import { joinBytes, openServable, type EntryRules } from "./dir-entries.js";
import { fsDecode } from "./url.js";

/** The archive formats of `?download=`. */
export type ArchiveFormat = "zip" | "tar" | "tar.gz";

/** Response headers of each format: media type and file extension. */
export const ARCHIVE_TYPES: Readonly<Record<ArchiveFormat, { type: string; extension: string }>> = {
  zip: { type: "application/zip", extension: ".zip" },
  tar: { type: "application/x-tar", extension: ".tar" },
  "tar.gz": { type: "application/gzip", extension: ".tar.gz" },
};

/**
 * The format a query string asks for: `null` when it has no `download`
 * parameter (a plain listing), `"invalid"` for an unknown value.
 */
export function archiveFormat(query: string): ArchiveFormat | "invalid" | null {
  const value = new URLSearchParams(query).get("download");
  if (value === null) return null;
  if (value === "zip" || value === "tar" || value === "tar.gz") return value;
  if (value === "tgz") return "tar.gz";
  return "invalid";
}

/** Characters RFC 5987 `attr-char` allows unescaped. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

/**
 * `Content-Disposition: attachment` for `filename` (RFC 6266): an ASCII
 * `filename` (non-ASCII, quotes, backslashes and controls as `_`) and, when
 * that lost anything, `filename*=UTF-8''…` (RFC 5987) with the exact name.
 */
export function contentDisposition(filename: string): string {
  const name = filename.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  let value = `attachment; filename="${ascii}"`;
  if (ascii !== name) {
    let star = "";
    for (const byte of Buffer.from(name, "utf8")) {
      const c = String.fromCharCode(byte);
      star += byte < 0x80 && ATTR_CHAR.test(c) ? c : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
    value += `; filename*=UTF-8''${star}`;
  }
  return value;
}

/** A folder's name as an archive member: decoded, U+FFFD for bad bytes. */
function memberName(raw: Buffer): string {
  return fsDecode(raw).replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
}

/** What the walker needs of an archive format. */
interface ArchiveWriter {
  /** The archive's bytes. */
  readonly output: Readable;
  addDirectory(name: string, stats: Stats): Promise<void>;
  /** Adds a file and resolves once `stream` has been read through (rejects on a read error). */
  addFile(name: string, stream: ReadStream, stats: Stats): Promise<void>;
  finish(): void;
  destroy(): void;
}

/** Permission bits plus the file-type bits of a regular file or a directory. */
function modeOf(stats: Stats, dir: boolean): number {
  return (dir ? 0o040000 : 0o100000) | (stats.mode & 0o777);
}

/** Resolves when `stream` has been read and closed, rejects on its error. */
function drained(stream: ReadStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("error", reject);
    stream.once("close", () => resolve());
  });
}

/** Types that gain nothing from deflate (already compressed): stored. */
const STORED = /\.(?:zip|gz|tgz|bz2|xz|zst|7z|rar|jpe?g|png|gif|webp|avif|heic|mp[34]|m4[av]|mkv|webm|mov|ogg|opus|flac|pdf|woff2?|docx|xlsx|pptx|odt|jar|apk|iso|bin)$/i;

/** The archive libraries, loaded on the first archive request (not at start-up). */
async function libraries(): Promise<{ yazl: typeof import("yazl"); tarStream: typeof import("tar-stream") }> {
  const [yazl, tarStream] = await Promise.all([import("yazl"), import("tar-stream")]);
  return { yazl: yazl.default ?? yazl, tarStream: tarStream.default ?? tarStream };
}

function zipWriter(yazl: typeof import("yazl")): ArchiveWriter {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as unknown as Readable; // a PassThrough (typed as its interface)
  const safe = (name: string): string => name.replaceAll("\\", "_");
  let failed: Error | null = null;
  zip.on("error", (e: Error) => {
    failed = e;
    out.destroy(e);
  });
  return {
    output: out,
    async addDirectory(name, stats) {
      zip.addEmptyDirectory(safe(name), { mtime: stats.mtime, mode: modeOf(stats, true) });
    },
    addFile(name, stream, stats) {
      const done = drained(stream);
      zip.addReadStreamLazy(safe(name), { mtime: stats.mtime, mode: modeOf(stats, false), compress: !STORED.test(name) }, (cb) =>
        cb(null, stream),
      );
      return done.then(() => {
        if (failed !== null) throw failed;
      });
    },
    finish() {
      zip.end();
    },
    destroy() {
      out.destroy();
    },
  };
}

function tarWriter(tarStream: typeof import("tar-stream"), gzip: boolean): ArchiveWriter {
  const pack = tarStream.pack();
  const output = gzip ? createGzip() : new PassThrough();
  pack.pipe(output);
  pack.on("error", (e: Error) => output.destroy(e));
  return {
    output,
    addDirectory(name, stats) {
      return new Promise((resolve, reject) => {
        pack.entry({ name, type: "directory", mtime: stats.mtime, mode: stats.mode & 0o777 }, (e) => (e ? reject(e) : resolve()));
      });
    },
    addFile(name, stream, stats) {
      return new Promise((resolve, reject) => {
        const entry = pack.entry({ name, type: "file", size: stats.size, mtime: stats.mtime, mode: stats.mode & 0o777 }, (e) =>
          e ? reject(e) : resolve(),
        );
        stream.once("error", (e) => {
          entry.destroy(e);
          reject(e);
        });
        stream.pipe(entry);
      });
    },
    finish() {
      pack.finalize();
    },
    destroy() {
      pack.destroy();
      output.destroy();
    },
  };
}

/** The walk failed part-way (a read error, a file that changed size): the response can only be cut short. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/** Bytes per file read: large reads keep syscalls few; a handful in flight at most. */
const READ_CHUNK = 256 * 1024;

/**
 * A folder streamed as an archive, read by the handler like a file:
 * `read()` resolves to the next bytes (empty at the end), `close()` stops
 * the walk and releases everything. With `chunked`, each piece is framed as
 * an HTTP/1.1 chunk and the last chunk ends the body.
 */
export class ArchiveSource {
  readonly #chunked: boolean;
  /** Made by the first read(): a HEAD request never loads the libraries or walks. */
  #writer: ArchiveWriter | null = null;
  #iterator: AsyncIterator<Buffer> | null = null;
  #closed = false;
  #ended = false;
  #current: ReadStream | null = null;
  #failure: Error | null = null;
  #start: (() => Promise<void>) | null;

  /**
   * @param dir the folder's file name, as bytes (already checked to lie inside the served directory).
   * @param top the archive's top-level folder name.
   * @param dirStats the folder's stats.
   */
  constructor(dir: Buffer, top: string, dirStats: Stats, format: ArchiveFormat, rules: EntryRules, chunked: boolean) {
    this.#chunked = chunked;
    this.#start = async () => {
      const libs = await libraries();
      if (this.#closed) return; // the client left while they loaded
      const writer = format === "zip" ? zipWriter(libs.yazl) : tarWriter(libs.tarStream, format === "tar.gz");
      this.#writer = writer;
      this.#iterator = writer.output[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      this.#walkAll(writer, dir, top, dirStats, rules).catch((e: unknown) => {
        if (this.#closed) return;
        this.#failure = new ArchiveError(`archive of ${top} failed: ${(e as { code?: string }).code ?? (e as Error).message}`);
        writer.destroy();
      });
    };
  }

  async #walkAll(writer: ArchiveWriter, dir: Buffer, top: string, dirStats: Stats, rules: EntryRules): Promise<void> {
    const key = `${dirStats.dev}:${dirStats.ino}`;
    await writer.addDirectory(top + "/", dirStats);
    await this.#walk(writer, dir, top + "/", rules, new Set([key]));
    if (!this.#closed) writer.finish();
  }

  /** Adds what `dir` holds below archive path `prefix`; `ancestors` are the folders being walked (dev:ino). */
  async #walk(writer: ArchiveWriter, dir: Buffer, prefix: string, rules: EntryRules, ancestors: Set<string>): Promise<void> {
    let names: Buffer[];
    try {
      names = (await readdir(dir, { encoding: "buffer" })) as Buffer[];
    } catch {
      return; // unreadable: left out, as the listing would answer 404 for it
    }
    if (rules.exclude_dotfiles) names = names.filter((n) => n[0] !== 0x2e);
    const ordered = sortEntries(names.map((raw) => ({ raw, name: fsDecode(raw) })));
    for (const { raw } of ordered) {
      if (this.#closed) return;
      const full = joinBytes(dir, raw);
      const opened = await openServable(full, rules);
      if (opened === null) continue; // outside the root, dangling, special, unreadable
      const name = prefix + memberName(raw);
      const { fd, stats } = opened;
      if (stats.isDirectory()) {
        closeSync(fd);
        const key = `${stats.dev}:${stats.ino}`;
        if (ancestors.has(key)) continue; // a link back up: a loop
        ancestors.add(key);
        await writer.addDirectory(name + "/", stats);
        await this.#walk(writer, full, name + "/", rules, ancestors);
        ancestors.delete(key);
        continue;
      }
      const stream =
        stats.size > 0
          ? createReadStream("", { fd, start: 0, end: stats.size - 1, highWaterMark: READ_CHUNK })
          : createReadStream("", { fd, start: 0 });
      this.#current = stream;
      try {
        await writer.addFile(name, stream, stats);
        if (stream.bytesRead !== stats.size) throw new ArchiveError(`${name} changed size while being read`);
      } finally {
        this.#current = null;
        if (!stream.destroyed) stream.destroy();
      }
    }
  }

  /** The next bytes of the response body; empty at its end. @throws ArchiveError when the walk failed. */
  async read(_n: number): Promise<Buffer> {
    if (this.#ended) return Buffer.alloc(0);
    if (this.#start !== null) {
      const start = this.#start;
      this.#start = null;
      await start();
    }
    if (this.#iterator === null || this.#closed) return Buffer.alloc(0);
    let next: IteratorResult<Buffer>;
    try {
      next = await this.#iterator.next();
    } catch (e) {
      throw this.#failure ?? new ArchiveError(`archive stream failed: ${(e as Error).message}`);
    }
    if (this.#failure !== null) throw this.#failure;
    if (next.done === true) {
      this.#ended = true;
      return this.#chunked ? Buffer.from("0\r\n\r\n", "latin1") : Buffer.alloc(0);
    }
    const chunk = next.value;
    if (!this.#chunked) return chunk;
    return Buffer.concat([Buffer.from(chunk.length.toString(16) + "\r\n", "latin1"), chunk, Buffer.from("\r\n", "latin1")]);
  }

  /** Stops the walk and releases the file in flight and the streams. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#start = null;
    this.#current?.destroy();
    this.#writer?.destroy();
  }
}
