/**
 * `SimpleHTTPRequestHandler`: serves the files of a directory, as CPython
 * 3.14's does, plus byte ranges, ETags and a symlink policy.
 *
 * Strategy: `send_head()` follows CPython's steps — translate the path, a
 * directory without its trailing slash gets 301, a directory is answered by
 * its index page or a listing, a file by its bytes with `Content-type`,
 * `Content-Length` and `Last-Modified` — and then `conditional.ts` decides
 * between 200, 304, 206 and 416. What it returns is a {@link Source}, read
 * and written by `copyfile()` in large chunks with backpressure, so a file of
 * any size streams in bounded memory and a client that goes away closes the
 * file at once.
 *
 * Safety (API.md Rule 4): `translate_path()` can never leave `directory`;
 * and after opening, the file's real path (read back from the open
 * descriptor, so a file swapped for a symlink in between is caught) must lie
 * inside the directory's real path unless `follow_symlinks` is set.
 */

import { closeSync, constants, fstatSync, openSync, read, readlinkSync, readSync, statSync, type Stats } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Socket } from "node:net";
import { BaseHTTPRequestHandler, type ClientAddress, type HandlerServer } from "../handler/base-handler.js";
import { SocketWriter, type WFile } from "../handler/wfile.js";
import { contentRange, decide, etagFor, multipartByteranges, newBoundary, type Range } from "./conditional.js";
import { renderListing, sortEntries, type ListingEntry } from "./directory-listing.js";
import { directoryLocation } from "./location.js";
import { DEFAULT_EXTENSIONS_MAP, guessType, isTextType } from "./mime.js";
import { translatePath } from "./translate-path.js";
import { fsDecode, fsEncode } from "./url.js";

/** Something `send_head()` hands to `copyfile()`: Python's file object, reduced to what is used. */
export interface Source {
  /** Resolves to up to `n` bytes; an empty Buffer at the end. */
  read(n: number): Promise<Buffer>;
  /** Releases the source (closes the file). Safe to call twice. */
  close(): Promise<void>;
}

/** Options of the handler's constructor (Python's keyword arguments). */
export interface SimpleHandlerOptions {
  /** The directory to serve; the current directory by default. */
  directory?: string;
}

/** An open file and what fstat said of it. */
interface Opened {
  fd: number;
  stats: Stats;
}

/** Files up to this size are read whole before their head is sent. */
const SMALL_FILE = 64 * 1024;

/** Bytes per read when copying a file: large reads keep syscalls few. */
const COPY_CHUNK = 512 * 1024;

/** An in-memory source (a directory listing). */
class BytesSource implements Source {
  #data: Buffer | null;
  constructor(data: Buffer) {
    this.#data = data;
  }
  async read(n: number): Promise<Buffer> {
    const data = this.#data;
    if (data === null || data.length === 0) return Buffer.alloc(0);
    const out = data.subarray(0, n);
    this.#data = data.subarray(out.length);
    return out;
  }
  async close(): Promise<void> {
    this.#data = null;
  }
}

/**
 * Opens `path` read-only (not blocking on a FIFO), synchronously: on a local
 * file system an open is a few microseconds, while a trip through libuv's
 * thread pool costs tens in context switches. nginx opens and stats files in
 * its event loop the same way.
 */
function openFile(path: Buffer): number {
  return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
}

/** Reads a small file whole, synchronously (it is in the page cache or nearly so). */
function readSmall(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const n = readSync(fd, buf, 0, size, 0);
  return n === size ? buf : buf.subarray(0, n);
}

/** Reads up to `length` bytes at `position` into a new Buffer. */
function readAt(fd: number, length: number, position: number, into: Buffer | null = null): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buf = into !== null && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n === length ? buf : buf.subarray(0, n))));
  });
}

/** Releases a descriptor (-1: none). */
function closeFile(fd: number): void {
  if (fd === -1) return;
  try {
    closeSync(fd);
  } catch {
    // Nothing to do about a failed close of a read-only descriptor.
  }
}

/**
 * The file could not be read to the length already announced (it shrank, or
 * the disk failed): the response can only be cut short.
 */
class FileReadError extends Error {
  override name = "FileReadError";
}

/**
 * An open file, sent as a sequence of pieces: byte ranges of the file and,
 * for multipart responses, the bytes between them. The next chunk is read
 * while the current one is being sent.
 */
class FileSource implements Source {
  #fd: number;
  /** What is left to send, in order: raw bytes, or a byte range of the file. */
  readonly #pieces: (Buffer | Range)[];
  #ahead: Promise<Buffer> | null = null;
  /**
   * A chunk buffer the socket is done with (see `_recycle`), read into next
   * instead of a fresh allocation: a fresh 512 KiB buffer is an mmap, 128
   * page faults and a munmap, per chunk.
   */
  #spare: Buffer | null = null;

  constructor(fd: number, pieces: (Buffer | Range)[]) {
    this.#fd = fd;
    this.#pieces = pieces;
  }

  read(n: number): Promise<Buffer> {
    const current = this.#ahead ?? this.#next(n);
    this.#ahead = null;
    return current.then((chunk) => {
      if (chunk.length > 0 && this.#fd !== -1) {
        this.#ahead = this.#next(n);
        this.#ahead.catch(() => {}); // surfaced by the next read()
      }
      return chunk;
    });
  }

  async #next(n: number): Promise<Buffer> {
    for (;;) {
      const piece = this.#pieces[0];
      if (piece === undefined || this.#fd === -1) return Buffer.alloc(0);
      if (Buffer.isBuffer(piece)) {
        this.#pieces.shift();
        if (piece.length > 0) return piece;
        continue;
      }
      const want = Math.min(n, piece.end - piece.start + 1);
      if (want <= 0) {
        this.#pieces.shift();
        continue;
      }
      const position = piece.start;
      piece.start += want;
      const into = this.#spare;
      this.#spare = null;
      const chunk = await readAt(this.#fd, want, position, into).catch((e: unknown) => {
        throw new FileReadError(`read failed: ${(e as { code?: string }).code ?? String(e)}`);
      });
      // The file shrank under us: what was promised cannot be sent.
      if (chunk.length < want) throw new FileReadError("file changed while being sent");
      return chunk;
    }
  }

  /**
   * Hands back a chunk this source returned, once nothing refers to its bytes
   * any more (the socket has passed them to the kernel): the next read may
   * overwrite it.
   */
  _recycle(chunk: Buffer): void {
    const whole = chunk.buffer;
    if (chunk.byteOffset === 0 && whole.byteLength === COPY_CHUNK) this.#spare = Buffer.from(whole, 0, COPY_CHUNK);
  }

  async close(): Promise<void> {
    this.#spare = null;
    if (this.#fd === -1) return;
    const fd = this.#fd;
    this.#fd = -1;
    // A read in flight finishes before the descriptor is released.
    await this.#ahead?.catch(() => {});
    closeFile(fd);
  }
}

/** The process (or system) is out of file descriptors: a server condition, not a missing file. */
function outOfDescriptors(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/**
 * Small-file cache: the bytes and stats of files up to `SMALL_FILE` that were
 * opened and found inside the served directory, shared by all connections.
 *
 * Correctness first: an entry is used only after a `stat()` of the same path
 * (one syscall, in place of open + fstat + readlink + read + close) finds the
 * same device, inode, size, mtime and ctime; anything else — an error, a
 * replaced file, a symlink swapped in (another inode), a chmod, rename or
 * link (ctime) — drops the entry and the request takes the full path, with
 * its symlink check. File times are coarse (a clock tick), so a file could
 * change twice within one tick with its size unchanged: as Git does for its
 * index ("racy git"), a file is cached only once its mtime and ctime are
 * `racyMs` (2 s) old, and until then is read from disk on every request.
 */
interface CachedFile {
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

function cacheKey(directory: string, followSymlinks: boolean, fsPath: Buffer): string {
  return `${followSymlinks ? 1 : 0}${directory}\0${fsPath.toString("latin1")}`;
}

/** The cached bytes of `key`'s file if `stat()` shows it unchanged, else `null` (and the entry is gone). */
function cachedFile(key: string, fsPath: Buffer): CachedFile | null {
  const entry = fileCache.get(key);
  if (entry === undefined) return null;
  let st: Stats | undefined;
  try {
    st = statSync(fsPath, { throwIfNoEntry: false });
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

/** Remembers a small file just read whole through the full (checked) path. */
function remember(key: string, stats: Stats, content: Buffer): void {
  if (content.length !== stats.size || content.length > SMALL_FILE) return;
  const now = Date.now();
  const racy = _fileCacheConfig.racyMs;
  if (now - stats.mtimeMs < racy || now - stats.ctimeMs < racy) return;
  const old = fileCache.get(key);
  if (old !== undefined) forget(key, old);
  while (fileCache.size >= CACHE_ENTRIES || (fileCache.size > 0 && fileCacheBytes + content.length > CACHE_BYTES)) {
    const [oldestKey, oldest] = fileCache.entries().next().value as [string, CachedFile];
    forget(oldestKey, oldest);
  }
  fileCache.set(key, {
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

/**
 * Whether `translated` (a `translate_path()` result under `directory`) names,
 * below `directory`, a file or directory whose name starts with `.`. Its
 * names are never `.` or `..`: `translate_path()` drops those.
 */
function namesHiddenFile(translated: string, directory: string): boolean {
  const below = translated.startsWith(directory) ? translated.slice(directory.length) : translated;
  return below.split("/").some((name) => name.startsWith("."));
}

/** Whether `child` is `parent` or lies below it (both absolute, normalised, as bytes). */
function isInside(child: Buffer, parent: Buffer): boolean {
  const n = parent.length > 1 && parent[parent.length - 1] === 0x2f ? parent.length - 1 : parent.length;
  if (child.length === n) return child.equals(parent.subarray(0, n));
  return child.length > n && child.subarray(0, n).equals(parent.subarray(0, n)) && (n === 1 || child[n] === 0x2f);
}

/**
 * Serves files from `directory` and below: GET and HEAD, with directory
 * listings, as `python -m http.server` does.
 */
export class SimpleHTTPRequestHandler extends BaseHTTPRequestHandler {
  /** The directory served (absolute or relative to the working directory). */
  directory: string;
  /** Files tried, in order, when a directory is requested. */
  declare index_pages: readonly string[];
  /** Extension → type overrides consulted by `guess_type()` before the MIME database. */
  declare extensions_map: Record<string, string>;
  /**
   * Extension (not in CPython): serve files and directories whose real path
   * lies outside `directory` through symlinks. `false` by default: such paths
   * get 404. CPython follows every symlink.
   */
  declare follow_symlinks: boolean;
  /**
   * Extension (not in CPython): answer 404 for any path with a name that
   * starts with `.` (`/.git/config`, `/.env`, `/a/.ssh/`) and leave such
   * names out of directory listings. `false` by default: CPython serves
   * hidden files like any other. The CLI's `--exclude-dotfiles`.
   */
  declare exclude_dotfiles: boolean;

  /** The real path of `directory` (bytes), resolved once per connection. */
  #root: Promise<Buffer> | null = null;
  /** The last open failed for want of a descriptor (EMFILE/ENFILE). */
  #exhausted = false;

  constructor(request: Socket, client_address: ClientAddress, server: HandlerServer, options: SimpleHandlerOptions = {}) {
    super(request, client_address, server);
    this.directory = options.directory ?? process.cwd();
  }

  /** Serves a GET request: the head, then the body. */
  async do_GET(): Promise<void> {
    const f = await this.send_head();
    if (f !== null) {
      try {
        await this.copyfile(f, this.wfile);
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        // Content-Length cannot be honoured: closing is the only honest end,
        // and the client sees the body cut short.
        this.log_error("%s; connection closed", e.message);
        this.close_connection = true;
      } finally {
        await f.close();
      }
    }
  }

  /** Serves a HEAD request: the same head as GET, no body. */
  async do_HEAD(): Promise<void> {
    const f = await this.send_head();
    if (f !== null) await f.close();
  }

  /**
   * Sends the status line and headers for GET and HEAD. Resolves to the
   * source of the body, which the caller must close, or `null` when the
   * response is complete (an error, a redirect, 304, 416).
   */
  async send_head(): Promise<Source | null> {
    // Differs from CPython: a request body (which GET and HEAD never use) is
    // read and discarded first, up to `max_drain_bytes` (`discard_body()`),
    // so a malformed one is refused before any 200 and a valid one keeps the
    // connection usable.
    const discarded = this.discard_body();
    if (discarded !== true && !(await discarded)) return null;
    // An absolute-form target (`GET http://host/a`) serves its path (RFC 9112
    // §3.2.2); CPython translates the whole URL and answers 404.
    let path = this.translate_path(this.origin_path === "" ? this.path : this.origin_path);
    if (this.exclude_dotfiles && namesHiddenFile(path, this.directory)) {
      this.send_error(404, "File not found");
      return null;
    }
    // A NUL has no file name on disk: such a path names nothing.
    const nameable = !path.includes("\0");
    // A small file served before, unchanged since: no open, no read (see `cachedFile`).
    // Range requests take the full path (a multipart body reads from the descriptor).
    let cacheKeyOf: string | null = null;
    if (nameable && (this.command === "GET" || this.command === "HEAD") && !path.endsWith("/") && !this.headers.has("Range")) {
      const fsPath = fsEncode(path);
      if (fsPath !== null) {
        cacheKeyOf = cacheKey(this.directory, this.follow_symlinks, fsPath);
        const hit = cachedFile(cacheKeyOf, fsPath);
        if (hit !== null) return this.#sendFileHead(-1, hit.stats, this.guess_type(path), hit.content);
      }
    }
    let opened = nameable ? await this.#open(path) : null;
    if (this.#exhausted) return this.#unavailable();
    if (opened === null && nameable) opened = await this.#unreadableDirectory(path);
    if (opened !== null && opened.stats.isDirectory()) {
      closeFile(opened.fd);
      // Differs from CPython: the Location can never lead off-site (see location.ts).
      const location = directoryLocation(this.path);
      if (location !== null) {
        // Redirect the browser, as Apache does.
        this.send_response(301);
        this.send_header("Location", location);
        this.send_header("Content-Length", "0");
        this.end_headers();
        return null;
      }
      let index: Opened | null = null;
      for (const name of this.index_pages) {
        const candidate = await this.#open(join(path, name));
        if (this.#exhausted) return this.#unavailable();
        if (candidate !== null && candidate.stats.isFile()) {
          index = candidate;
          path = join(path, name);
          break;
        }
        if (candidate !== null) closeFile(candidate.fd);
      }
      if (index === null) return this.list_directory(path);
      opened = index;
    }
    const ctype = this.guess_type(path);
    // A trailing "/" on a file is 404 (CPython issue 17324); so is what
    // cannot be opened, is not a regular file, or lies outside the directory.
    if (opened === null || path.endsWith("/") || !opened.stats.isFile()) {
      if (opened !== null) closeFile(opened.fd);
      this.send_error(404, "File not found");
      return null;
    }
    try {
      // A small file is read before its head is sent, so that head and body
      // leave together in one write (and one packet) rather than two.
      const size = opened.stats.size;
      const content = this.command === "GET" && size > 0 && size <= SMALL_FILE ? readSmall(opened.fd, size) : null;
      const whole = content !== null && content.length === size ? content : null;
      if (whole !== null && cacheKeyOf !== null) remember(cacheKeyOf, opened.stats, whole);
      return this.#sendFileHead(opened.fd, opened.stats, ctype, whole);
    } catch (e) {
      closeFile(opened.fd);
      throw e;
    }
  }

  /**
   * Out of file descriptors: 503, so the client may retry, rather than
   * CPython's 404 for every `OSError` (a 404 would be cached as the truth).
   * The server goes on; descriptors come back as other responses finish.
   */
  #unavailable(): null {
    this.#exhausted = false;
    this.send_error(503, "Too many open files");
    return null;
  }

  /**
   * A directory that cannot be opened (no read permission) is still a
   * directory: CPython redirects it or answers "No permission to list
   * directory", not "File not found".
   */
  async #unreadableDirectory(path: string): Promise<Opened | null> {
    const fsPath = fsEncode(path);
    if (fsPath === null) return null;
    const stats = await stat(fsPath).catch(() => null);
    if (stats === null || !stats.isDirectory()) return null;
    if (!this.follow_symlinks) {
      const [real, root] = await Promise.all([realpath(fsPath, { encoding: "buffer" }), this.#rootPath()]).catch(() => [null, null]);
      if (real === null || root === null || !isInside(real, root)) return null;
    }
    return { fd: -1, stats };
  }

  /** The directory's real path, as bytes. */
  #rootPath(): Promise<Buffer> {
    this.#root ??= realpath(this.directory, { encoding: "buffer" });
    return this.#root;
  }

  /**
   * Opens `path` and checks where it really is: `null` when it cannot be
   * opened or (unless `follow_symlinks`) its real path lies outside the
   * directory's. The real path is read back from the open descriptor, so a
   * file swapped for a symlink after the path was looked at is still caught.
   */
  async #open(path: string): Promise<Opened | null> {
    // Lone surrogates U+DC80–U+DCFF stand for the bytes of a name that is not
    // UTF-8 (Python's surrogateescape): open by bytes, as CPython does.
    const fsPath = fsEncode(path);
    if (fsPath === null) return null;
    let fd: number;
    try {
      fd = openFile(fsPath);
    } catch (e) {
      // Permission denied, missing, a loop …: 404, as CPython. No descriptor left: 503.
      this.#exhausted = outOfDescriptors(e);
      return null;
    }
    try {
      const stats = fstatSync(fd);
      if (this.follow_symlinks) return { fd, stats };
      const root = await this.#rootPath();
      let real: Buffer;
      try {
        real = readlinkSync(`/proc/self/fd/${fd}`, { encoding: "buffer" });
      } catch {
        real = await realpath(fsPath, { encoding: "buffer" }); // no /proc: the path's, checked just after opening
      }
      if (isInside(real, root)) return { fd, stats };
    } catch {
      // The directory itself is gone, or the descriptor could not be examined.
    }
    closeFile(fd);
    return null;
  }

  /** The head of a file's response; decides 200, 304, 206 or 416. */
  #sendFileHead(fd: number, fs: Stats, ctype: string, content: Buffer | null): Source | null {
    const size = fs.size;
    const validators = { size, mtimeMs: fs.mtimeMs };
    const decision = decide(this.command ?? "", this.headers, validators);
    const contentType = isTextType(ctype) && !/;\s*charset=/i.test(ctype) ? `${ctype}; charset=utf-8` : ctype;
    const etag = etagFor(validators);
    const lastModified = this.date_time_string(fs.mtimeMs / 1000);
    switch (decision.kind) {
      case "not-modified":
        closeFile(fd);
        this.send_response(304);
        this.send_header("ETag", etag);
        this.end_headers();
        return null;
      case "unsatisfiable":
        closeFile(fd);
        this.send_response(416);
        this.send_header("Content-Range", `bytes */${size}`);
        this.send_header("Content-Length", "0");
        this.end_headers();
        return null;
      case "partial": {
        const ranges = decision.ranges;
        this.send_response(206);
        if (ranges.length === 1) {
          const r = ranges[0]!;
          this.send_header("Content-type", contentType);
          this.send_header("Content-Range", contentRange(r, size));
          this.send_header("Content-Length", String(r.end - r.start + 1));
          this.#validatorHeaders(lastModified, etag);
          this.end_headers();
          if (content !== null) {
            closeFile(fd);
            return new BytesSource(content.subarray(r.start, r.end + 1));
          }
          return new FileSource(fd, [{ ...r }]);
        }
        const boundary = newBoundary();
        const body = multipartByteranges(ranges, size, contentType, boundary);
        this.send_header("Content-type", `multipart/byteranges; boundary=${boundary}`);
        this.send_header("Content-Length", String(body.length));
        this.#validatorHeaders(lastModified, etag);
        this.end_headers();
        const pieces: (Buffer | Range)[] = [];
        for (const part of body.parts) pieces.push(part.head, { ...part.range });
        pieces.push(body.tail);
        return new FileSource(fd, pieces);
      }
      case "full":
        this.send_response(200);
        this.send_header("Content-type", contentType);
        this.send_header("Content-Length", String(size));
        this.#validatorHeaders(lastModified, etag);
        this.end_headers();
        if (content !== null) {
          closeFile(fd);
          return new BytesSource(content);
        }
        return new FileSource(fd, size > 0 ? [{ start: 0, end: size - 1 }] : []);
    }
  }

  /** CPython's Last-Modified, then our additions (extensions: ETag, Accept-Ranges). */
  #validatorHeaders(lastModified: string, etag: string): void {
    this.send_header("Last-Modified", lastModified);
    this.send_header("ETag", etag);
    this.send_header("Accept-Ranges", "bytes");
  }

  /**
   * Produces a directory listing (when there is no index page): sends its
   * head and resolves to its body, or sends 404 and resolves `null` when the
   * directory cannot be read.
   */
  async list_directory(path: string): Promise<Source | null> {
    const fsPath = fsEncode(path);
    let dirents;
    try {
      if (fsPath === null) throw new Error("unencodable path");
      dirents = await readdir(fsPath, { withFileTypes: true, encoding: "buffer" });
    } catch (e) {
      if (outOfDescriptors(e)) return this.#unavailable();
      this.send_error(404, "No permission to list directory");
      return null;
    }
    if (this.exclude_dotfiles) dirents = dirents.filter((d) => d.name[0] !== 0x2e);
    const slash = Buffer.from("/");
    const entries: ListingEntry[] = await Promise.all(
      dirents.map(async (d): Promise<ListingEntry> => {
        const isSymlink = d.isSymbolicLink();
        let isDir = d.isDirectory();
        if (isSymlink) {
          const target = Buffer.concat([fsPath!, slash, d.name]);
          isDir = (await stat(target).catch(() => null))?.isDirectory() ?? false;
        }
        // Names that are not UTF-8 keep their bytes (Python's surrogateescape).
        return { name: fsDecode(d.name), isDir, isSymlink };
      }),
    );
    const encoded = renderListing(this.path, sortEntries(entries));
    this.send_response(200);
    this.send_header("Content-type", "text/html; charset=utf-8");
    this.send_header("Content-Length", String(encoded.length));
    this.end_headers();
    return new BytesSource(encoded);
  }

  /**
   * Translates a `/`-separated URL path to a file name under `directory`:
   * query and fragment dropped, percent-decoded, normalised; components that
   * would leave the directory are ignored.
   */
  translate_path(path: string): string {
    return translatePath(path, this.directory);
  }

  /**
   * Copies `source` to `outputfile` in large chunks, waiting for the client
   * to take each one (backpressure). Rejects if the client goes away.
   */
  async copyfile(source: Source, outputfile: WFile): Promise<void> {
    for (;;) {
      const chunk = await source.read(COPY_CHUNK);
      if (chunk.length === 0) return;
      await outputfile.write(chunk);
      // The chunk's bytes are in the kernel once neither our writer nor the
      // socket holds any: its buffer can take the next read (plain TCP only).
      if (
        source instanceof FileSource &&
        outputfile === this.wfile &&
        outputfile instanceof SocketWriter &&
        outputfile._pending === 0 &&
        this.request.writableLength === 0 &&
        !(this.request as { encrypted?: boolean }).encrypted
      ) {
        source._recycle(chunk);
      }
    }
  }

  /**
   * The MIME type of `path`: `extensions_map` by extension (as is, then
   * lower-cased), then the bundled MIME database, else
   * `application/octet-stream`.
   */
  guess_type(path: string): string {
    return guessType(path, this.extensions_map);
  }
}

const proto = SimpleHTTPRequestHandler.prototype;
proto.server_version = "SimpleHTTP/0.6";
proto.index_pages = ["index.html", "index.htm"];
proto.extensions_map = { ...DEFAULT_EXTENSIONS_MAP };
proto.follow_symlinks = false;
proto.exclude_dotfiles = false;
