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

import { constants, type Stats } from "node:fs";
import { open, readdir, readlink, realpath, stat, type FileHandle } from "node:fs/promises";
import { join, sep } from "node:path";
import type { Socket } from "node:net";
import { BaseHTTPRequestHandler, type ClientAddress, type HandlerServer } from "../handler/base-handler.js";
import type { WFile } from "../handler/wfile.js";
import { contentRange, decide, etagFor, multipartByteranges, newBoundary, type Range } from "./conditional.js";
import { renderListing, sortEntries, type ListingEntry } from "./directory-listing.js";
import { DEFAULT_EXTENSIONS_MAP, guessType, isTextType } from "./mime.js";
import { translatePath } from "./translate-path.js";

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
 * An open file, read from `start` to `end` inclusive, or as a sequence of
 * multipart parts (each preceded by its head) and a tail.
 */
class FileSource implements Source {
  readonly #file: FileHandle;
  #closed = false;
  /** What is left to send, in order: raw bytes, or a byte range of the file. */
  readonly #pieces: (Buffer | Range)[];

  constructor(file: FileHandle, pieces: (Buffer | Range)[]) {
    this.#file = file;
    this.#pieces = pieces;
  }

  async read(n: number): Promise<Buffer> {
    for (;;) {
      const piece = this.#pieces[0];
      if (piece === undefined || this.#closed) return Buffer.alloc(0);
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
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.#file.read(buf, 0, want, piece.start);
      if (bytesRead === 0) {
        // The file shrank under us: what was promised cannot be sent.
        throw new Error("file changed while being sent");
      }
      piece.start += bytesRead;
      return bytesRead === want ? buf : buf.subarray(0, bytesRead);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#file.close();
  }
}

/** Whether `child` is `parent` or lies below it (both absolute, normalised). */
function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** `urllib.parse.urlsplit(path)`'s path, query and fragment for an origin-form target. */
function splitTarget(target: string): { path: string; query: string; fragment: string } {
  let rest = target;
  let fragment = "";
  let query = "";
  const hash = rest.indexOf("#");
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf("?");
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  // An absolute-form target's scheme and host are dropped from the redirect:
  // it may only point back at this server (differs from CPython).
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(rest);
  if (abs !== null) rest = rest.slice(abs[0].length) || "/";
  return { path: rest, query, fragment };
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

  /** The real path of `directory`, resolved once per connection. */
  #root: Promise<string> | null = null;

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
    let path = this.translate_path(this.path);
    if (path.includes("\0")) {
      this.send_error(404, "File not found");
      return null;
    }
    const st = await stat(path).catch(() => null);
    if (st !== null && st.isDirectory()) {
      if (!(await this.#allowed(path))) {
        this.send_error(404, "File not found");
        return null;
      }
      const parts = splitTarget(this.path);
      if (!parts.path.endsWith("/") && !parts.path.endsWith("%2f") && !parts.path.endsWith("%2F")) {
        // Redirect the browser, as Apache does.
        this.send_response(301);
        let location = parts.path + "/";
        if (parts.query !== "") location += "?" + parts.query;
        if (parts.fragment !== "") location += "#" + parts.fragment;
        this.send_header("Location", location);
        this.send_header("Content-Length", "0");
        this.end_headers();
        return null;
      }
      let index: string | null = null;
      for (const name of this.index_pages) {
        const candidate = join(path, name);
        const s = await stat(candidate).catch(() => null);
        if (s !== null && s.isFile()) {
          index = candidate;
          break;
        }
      }
      if (index === null) return this.list_directory(path);
      path = index;
    }
    const ctype = this.guess_type(path);
    // A trailing "/" on a file is 404 (CPython issue 17324).
    if (path.endsWith("/")) {
      this.send_error(404, "File not found");
      return null;
    }
    let file: FileHandle;
    try {
      file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      this.send_error(404, "File not found");
      return null;
    }
    try {
      const fs = await file.stat();
      if (!fs.isFile() || !(await this.#allowed(path, file))) {
        await file.close();
        this.send_error(404, "File not found");
        return null;
      }
      return this.#sendFileHead(file, fs, ctype);
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  /** The head of a file's response; decides 200, 304, 206 or 416. */
  #sendFileHead(file: FileHandle, fs: Stats, ctype: string): Source | null {
    const size = fs.size;
    const validators = { size, mtimeMs: fs.mtimeMs };
    const decision = decide(this.command ?? "", this.headers, validators);
    const contentType = isTextType(ctype) && !/;\s*charset=/i.test(ctype) ? `${ctype}; charset=utf-8` : ctype;
    const etag = etagFor(validators);
    const lastModified = this.date_time_string(fs.mtimeMs / 1000);
    switch (decision.kind) {
      case "not-modified":
        void file.close();
        this.send_response(304);
        this.send_header("ETag", etag);
        this.end_headers();
        return null;
      case "unsatisfiable":
        void file.close();
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
          return new FileSource(file, [{ ...r }]);
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
        return new FileSource(file, pieces);
      }
      case "full":
        this.send_response(200);
        this.send_header("Content-type", contentType);
        this.send_header("Content-Length", String(size));
        this.#validatorHeaders(lastModified, etag);
        this.end_headers();
        return new FileSource(file, size > 0 ? [{ start: 0, end: size - 1 }] : []);
    }
  }

  /** CPython's Last-Modified, then our additions (extensions: ETag, Accept-Ranges). */
  #validatorHeaders(lastModified: string, etag: string): void {
    this.send_header("Last-Modified", lastModified);
    this.send_header("ETag", etag);
    this.send_header("Accept-Ranges", "bytes");
  }

  /**
   * Whether `path` (or the open `file`) may be served: its real path lies
   * inside the directory's, unless `follow_symlinks` is set.
   */
  async #allowed(path: string, file?: FileHandle): Promise<boolean> {
    if (this.follow_symlinks) return true;
    this.#root ??= realpath(this.directory);
    let root: string;
    try {
      root = await this.#root;
    } catch {
      return false;
    }
    let real: string;
    try {
      // The descriptor's own path: a file replaced by a symlink after the
      // path was checked is still caught (Linux; elsewhere, the path's).
      real = file !== undefined ? await readlink(`/proc/self/fd/${file.fd}`).catch(() => realpath(path)) : await realpath(path);
    } catch {
      return false;
    }
    return isInside(real, root);
  }

  /**
   * Produces a directory listing (when there is no index page): sends its
   * head and resolves to its body, or sends 404 and resolves `null` when the
   * directory cannot be read.
   */
  async list_directory(path: string): Promise<Source | null> {
    let dirents;
    try {
      dirents = await readdir(path, { withFileTypes: true });
    } catch {
      this.send_error(404, "No permission to list directory");
      return null;
    }
    const entries: ListingEntry[] = await Promise.all(
      dirents.map(async (d): Promise<ListingEntry> => {
        const isSymlink = d.isSymbolicLink();
        let isDir = d.isDirectory();
        if (isSymlink) isDir = (await stat(join(path, d.name)).catch(() => null))?.isDirectory() ?? false;
        return { name: d.name, isDir, isSymlink };
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
