/**
 * `SimpleHTTPRequestHandler`: serves the files of a directory, as CPython
 * 3.14's does, plus byte ranges, ETags and a symlink policy.
 *
 * Strategy: `send_head()` follows CPython's steps — translate the path, a
 * directory without its trailing slash gets 301, a directory is answered by
 * its index page or a listing, a file by its bytes with `Content-type`,
 * `Content-Length` and `Last-Modified` — and then `file-response.ts` answers
 * 200, 304, 206 or 416 as `conditional.ts` decides. What it returns is a
 * {@link Source}, read and written by `copyfile()` in large chunks with
 * backpressure, so a file of any size streams in bounded memory and a client
 * that goes away closes the file at once.
 *
 * Confinement (`confine.ts`): `translate_path()` can never leave
 * `directory`; a hidden name is refused when `exclude_dotfiles` is set; and
 * after opening, the file's real path (read back from the open descriptor,
 * so a file swapped for a symlink in between is caught) must lie inside the
 * directory's real path unless `follow_symlinks` is set. A failed open is
 * answered through `toHttpError()` (`fs-errors.ts`). The bodies are
 * `file-source.ts`'s sources; small files come from `file-cache.ts`. The
 * write methods (uploads) and the password gate are `upload-methods.ts`'s.
 */

import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Socket } from "node:net";
import { BaseHTTPRequestHandler, type ClientAddress, type HandlerServer, type StatusCode } from "../handler/base-handler.js";
import { SocketWriter, type WFile } from "../handler/wfile.js";
import { closeFile, hasHiddenName, openConfined, realPathInside, rootRealPath, translatePath, type Opened, type OpenFailed } from "./confine.js";
import { LISTING_TAIL, renderListingHead } from "./directory-listing.js";
import { BuffersSource, listingItems } from "./listing-cache.js";
import { cachedFile, cacheKey, rememberFile } from "./file-cache.js";
import { BytesSource, COPY_CHUNK, FileReadError, FileSource, readSmall, SMALL_FILE, type Source } from "./file-source.js";
import { sendFileHead } from "./file-response.js";
import { NotServable, outOfDescriptors, toHttpError } from "./fs-errors.js";
import { DEFAULT_EXTENSIONS_MAP, guessType } from "./mime.js";
import { beforeDispatch, doPost, doPut, doResumable, handleResumable, isResumableRequest, namesUploadTemp, refuseLargeUpload } from "./upload-methods.js";
import { directoryLocation } from "./location.js";
import { fsEncode, splitTarget } from "./url.js";
import { checkResponseHeaders } from "./response-headers.js";
import {
  ResponseFields,
  WEBAPP_DEFAULTS,
  answerOptions,
  codedResponse,
  guessDefault,
  logError,
  logRequest,
  missingPath,
  type FileServing,
  type Variant,
  type WebappAttributes,
} from "./webapp.js";

import { SHARING_DEFAULTS, type SharingAttributes } from "./sharing-attributes.js";

export type { Source } from "./file-source.js";

/** Options of the handler's constructor (Python's keyword arguments). */
export interface SimpleHandlerOptions extends Partial<Omit<WebappAttributes, "response_headers" | "extra_response_headers">> {
  /** The directory to serve; the current directory by default. */
  directory?: string;
  /** Fields added to successful responses (CPython 3.15, gh-135056): pairs or an object; see the attribute. */
  response_headers?: Iterable<readonly [string, string]> | Record<string, string> | null;
}

/** Issue #14's attributes (webapp.ts) and issue #15's (sharing-attributes.ts), declared there with their documentation. */
export interface SimpleHTTPRequestHandler extends WebappAttributes, SharingAttributes {}

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
  /** Issue #14: fields for the current response (webapp.ts); made when an option first needs it. */
  #fieldsOf: ResponseFields | null = null;
  /** Issue #14: this handler's file machinery, for webapp.ts. */
  #serving: FileServing | null = null;

  constructor(request: Socket, client_address: ClientAddress, server: HandlerServer, options: SimpleHandlerOptions = {}) {
    super(request, client_address, server);
    this.directory = options.directory ?? process.cwd();
    if (options.response_headers != null) this.response_headers = checkResponseHeaders(options.response_headers);
    for (const name of OPTION_NAMES) if (options[name] !== undefined) (this as Record<string, unknown>)[name] = options[name];
  }

  /** The current response's fields (webapp.ts). */
  get #fields(): ResponseFields {
    this.#fieldsOf ??= new ResponseFields();
    return this.#fieldsOf;
  }

  /** Serves a GET request: the head, then the body. */
  async do_GET(): Promise<void> {
    if (isResumableRequest(this)) return handleResumable(this);
    const f = await this.send_head();
    if (f !== null) {
      // Bytes already in memory (a small file, a listing) leave in one write,
      // without copyfile()'s read loop, unless copyfile() is overridden.
      if (f instanceof BytesSource && this.copyfile === COPYFILE) return this.wfile.write(f._take());
      try {
        await this.copyfile(f, this.wfile);
      } catch (e) {
        if (!(e instanceof FileReadError) && (e as Error | null)?.name !== "ArchiveError") throw e;
        // Content-Length cannot be honoured: closing is the only honest end,
        // and the client sees the body cut short.
        this.log_error("%s; connection closed", (e as Error).message);
        this.close_connection = true;
      } finally {
        await f.close();
      }
    }
  }

  /** Serves a HEAD request: the same head as GET, no body. */
  async do_HEAD(): Promise<void> {
    if (isResumableRequest(this)) return handleResumable(this);
    const f = await this.send_head();
    if (f !== null) await f.close();
  }

  // ---- uploads and passwords (upload-methods.ts) ----

  /** Extension (not in CPython): with `upload`, stores the body under the path; else 501 as CPython. */
  async do_PUT(): Promise<void> {
    return doPut(this);
  }

  /** Extension (not in CPython): with `upload`, stores the files of a multipart form; else 501 as CPython. */
  async do_POST(): Promise<void> {
    return doPost(this);
  }

  /** Extension (not in CPython): with `upload`, appends to a resumable upload; else 501 as CPython. */
  async do_PATCH(): Promise<void> {
    return doResumable(this);
  }

  /** Extension (not in CPython): with `upload`, cancels a resumable upload; else 501 as CPython. */
  async do_DELETE(): Promise<void> {
    return doResumable(this);
  }

  /** With `upload`, an upload announced larger than `max_upload` gets 413 instead of `100 Continue`. */
  override handle_expect_100(): boolean | Promise<boolean> {
    return refuseLargeUpload(this) ? false : super.handle_expect_100();
  }

  /** Extension hook: the `auth` gate before every method (auth-gate.ts). */
  override _before_dispatch(): boolean | Promise<boolean> {
    return beforeDispatch(this);
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
    this.#fieldsOf?.reset();
    if ((this.exclude_dotfiles && hasHiddenName(path, this.directory)) || namesUploadTemp(path)) return this.#missing();
    // A small file served before, unchanged since: no open, no read (see `file-cache.ts`).
    // Range requests take the full path (a multipart body reads from the descriptor).
    let cacheKeyOf: string | null = null;
    if ((this.command === "GET" || this.command === "HEAD") && !path.endsWith("/") && !path.includes("\0") && !this.headers.has("Range")) {
      cacheKeyOf = cacheKey(this.directory, this.follow_symlinks, path);
      const hit = cachedFile(cacheKeyOf);
      if (hit !== null) return this.#sendFileHead(-1, hit.stats, this.guess_type(path), hit.content, path);
    }
    let opened = await this.#open(path);
    if ("error" in opened) {
      if (outOfDescriptors(opened.error)) return this.#fail(opened.error);
      opened = (await this.#unreadableDirectory(path)) ?? opened;
    }
    if (!("error" in opened) && opened.stats.isDirectory()) {
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
      // Extension: a folder as an archive (see archive.ts).
      // (listing.ts and archive.ts load on first use: the default start-up stays as small as it was.)
      const query = this.archives ? splitTarget(this.path).query : "";
      if (query.includes("download=")) {
        const { archiveFormat, sendArchive } = await import("./listing.js");
        const format = archiveFormat(query);
        if (format !== null) return sendArchive(this, path, format);
      }
      let index: Opened | null = null;
      for (const name of this.index_pages) {
        const candidate = await this.#open(join(path, name));
        if ("error" in candidate) {
          if (outOfDescriptors(candidate.error)) return this.#fail(candidate.error);
          continue;
        }
        if (candidate.stats.isFile()) {
          index = candidate;
          path = join(path, name);
          break;
        }
        closeFile(candidate.fd);
      }
      if (index === null) return this.list_directory(path);
      opened = index;
    }
    const ctype = this.guess_type(path);
    // What cannot be opened, or lies outside the directory: see `toHttpError()`.
    if ("error" in opened) return toHttpError(opened.error, "File not found").status === 404 ? this.#missing() : this.#fail(opened.error);
    // A trailing "/" on a file is 404 (CPython issue 17324); so is what is
    // not a regular file.
    if (path.endsWith("/") || !opened.stats.isFile()) {
      closeFile(opened.fd);
      return this.#missing();
    }
    try {
      // A small file is read before its head is sent, so that head and body
      // leave together in one write (and one packet) rather than two.
      const size = opened.stats.size;
      const content = this.command === "GET" && size > 0 && size <= SMALL_FILE ? readSmall(opened.fd, size) : null;
      const whole = content !== null && content.length === size ? content : null;
      if (whole !== null && cacheKeyOf !== null) rememberFile(cacheKeyOf, path, opened.stats, whole);
      return this.#sendFileHead(opened.fd, opened.stats, ctype, whole, path);
    } catch (e) {
      closeFile(opened.fd);
      throw e;
    }
  }

  /**
   * Answers a failed open or directory read with `toHttpError()`'s status:
   * 404 with CPython's message, 503 when out of file descriptors (so the
   * client may retry; the server goes on, descriptors come back as other
   * responses finish), 500 for a server fault (logged, never shown).
   */
  #fail(error: unknown, notFound = "File not found"): null {
    const { status, message } = toHttpError(error, notFound);
    if (status === 500) this.log_error("file system error: %s", String((error as { code?: unknown } | null)?.code ?? "unknown"));
    this.send_error(status, message);
    return null;
  }

  /**
   * A directory that cannot be opened (no read permission) is still a
   * directory: CPython redirects it or answers "No permission to list
   * directory", not "File not found". `null` when `path` is not such a
   * directory inside the served one.
   */
  async #unreadableDirectory(path: string): Promise<Opened | null> {
    const fsPath = path.includes("\0") ? null : fsEncode(path);
    if (fsPath === null) return null;
    const stats = await stat(fsPath).catch(() => null);
    if (stats === null || !stats.isDirectory()) return null;
    if (!this.follow_symlinks && !(await realPathInside(path, () => this.#rootPath()))) return null;
    return { fd: -1, stats };
  }

  /** The directory's real path, as bytes. */
  #rootPath(): Promise<Buffer> {
    this.#root ??= rootRealPath(this.directory);
    return this.#root;
  }

  /**
   * Opens `path` and checks where it really is (`openConfined()`): unless
   * `follow_symlinks`, its real path must lie inside the directory's.
   */
  #open(path: string): Promise<Opened | OpenFailed> {
    return openConfined(path, this.follow_symlinks ? null : () => this.#rootPath());
  }

  /**
   * The head of a file's response (`file-response.ts`: 200, 304, 206 or
   * 416). With `path`, a content-coded representation may answer instead
   * (issue #14, webapp.ts); `variant` is the one chosen (`null`: identity, decided).
   */
  #sendFileHead(fd: number, fs: Stats, ctype: string, content: Buffer | null, path?: string, variant?: Variant | null): Source | null | Promise<Source | null> {
    if (variant === undefined && path !== undefined && (this.precompressed || this.compress)) {
      const coded = codedResponse(this, this.#files(), fd, fs, ctype, content, path);
      if (coded !== undefined) return coded;
    }
    return sendFileHead(this, fd, fs, ctype, content, variant, this.response_headers !== null ? this.#fields : null);
  }

  // ---- issue #14 (webapp.ts): fields, OPTIONS, misses, codings, logs -------

  /** Ends the head, adding the CORS fields and those queued for this response. */
  override end_headers(): void {
    this.#fieldsOf?.addTo(this);
    super.end_headers();
  }

  /** Flushes the head so far; a CGI status line flushed early gets the CORS fields first. */
  override flush_headers(): void {
    this.#fieldsOf?.addTo(this);
    super.flush_headers();
  }

  /** Buffers the status line, noting whether it is interim (1xx). */
  override send_response_only(code: StatusCode, message?: string | null): void {
    // Without an option that adds fields, nothing is ever added: no tracking.
    if (this.#fieldsOf !== null || this.cors || this.response_headers !== null) this.#fields.statusLine(code);
    super.send_response_only(code, message);
  }

  /**
   * Answers `OPTIONS`: a CORS preflight with `cors`; with `upload`, the
   * methods and upload limits (resumable.ts); else CPython's 501.
   */
  do_OPTIONS(): void | Promise<void> {
    if (this.upload && !(this.cors && this.headers.get("Access-Control-Request-Method") !== undefined)) return handleResumable(this);
    answerOptions(this, this.#fields);
  }

  /** A missing path: the SPA page, the 404 page, or CPython's 404 (webapp.ts). */
  #missing(): Promise<Source | null> {
    return missingPath(this, this.#files(), splitTarget(this.path).path);
  }

  /** Logs an accepted request, unless `quiet`; in colour on a terminal (gh-146292). */
  override log_request(code: StatusCode | string = "-", size: number | string = "-"): void {
    if (!logRequest(this, this.log_message === BASE_LOG_MESSAGE, code, size)) super.log_request(code, size);
  }

  /** Logs an error; in colour on a terminal (gh-146292). */
  override log_error(format: string, ...args: unknown[]): void {
    if (!logError(this, this.log_message === BASE_LOG_MESSAGE, format, args)) super.log_error(format, ...args);
  }

  /** This handler's file machinery as webapp.ts sees it. */
  #files(): FileServing {
    this.#serving ??= {
      open: (path) => this.#open(path),
      fail: (error) => this.#fail(error),
      sendFileHead: (fd, stats, ctype, content, path, variant) => this.#sendFileHead(fd, stats, ctype, content, path, variant),
      fileSource: (fd, size) => new FileSource(fd, size > 0 ? [{ start: 0, end: size - 1 }] : []),
      bytesSource: (data) => new BytesSource(data),
      closeFile,
      fields: this.#fields,
    };
    return this.#serving;
  }

  /**
   * Produces a directory listing (when there is no index page): sends its
   * head and resolves to its body, or sends 404 and resolves `null` when the
   * directory cannot be read.
   */
  async list_directory(path: string): Promise<Source | null> {
    // Extension: --listing rich/off and the JSON listing; listing.ts loads on first use.
    const ours = this.listing !== "python" || /json/i.test(this.headers.get("Accept") ?? "") ? await import("./listing.js") : null;
    if (ours !== null && ours.listingIsOurs(this)) {
      const { sendListing } = ours;
      const body = await sendListing(this, path);
      return body === null ? null : new BytesSource(body);
    }
    const fsPath = fsEncode(path);
    let listed;
    try {
      if (fsPath === null) throw new NotServable("the path cannot name a directory");
      listed = await listingItems(fsPath, this.exclude_dotfiles);
    } catch (e) {
      return this.#fail(e, "No permission to list directory");
    }
    const head = renderListingHead(this.path);
    const length = head.length + listed.bytes + LISTING_TAIL.length;
    if (this.response_headers !== null) this.#fields.succeeded(this);
    this.send_response(200);
    this.send_header("Content-type", "text/html; charset=utf-8");
    this.send_header("Content-Length", String(length));
    this.end_headers();
    return new BuffersSource([head, ...listed.items, LISTING_TAIL]);
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
    return guessDefault(guessType(path, this.extensions_map), path, this.extensions_map, this.default_content_type);
  }
}

const BASE_LOG_MESSAGE = BaseHTTPRequestHandler.prototype.log_message;
const COPYFILE = SimpleHTTPRequestHandler.prototype.copyfile;

/** Constructor options that set an attribute of the same name (issue #14; `response_headers` is checked first). */
const OPTION_NAMES = ["default_content_type", "cors", "spa_fallback", "not_found_page", "precompressed", "compress", "quiet", "log_colour"] as const;

const proto = SimpleHTTPRequestHandler.prototype;
proto.server_version = "SimpleHTTP/0.6";
proto.index_pages = ["index.html", "index.htm"];
proto.extensions_map = { ...DEFAULT_EXTENSIONS_MAP };
proto.follow_symlinks = false;
proto.exclude_dotfiles = false;
Object.assign(proto, SHARING_DEFAULTS);
Object.assign(proto, WEBAPP_DEFAULTS);
// CPython 3.15's name for the attribute (gh-135056): the same list.
Object.defineProperty(proto, "extra_response_headers", {
  get(this: SimpleHTTPRequestHandler) {
    return this.response_headers;
  },
  set(this: SimpleHTTPRequestHandler, value: WebappAttributes["response_headers"]) {
    this.response_headers = value;
  },
});
