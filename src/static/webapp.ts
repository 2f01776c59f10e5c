/**
 * Serving a site or a web app (issue #14): the responses behind
 * `SimpleHTTPRequestHandler`'s `response_headers`, `default_content_type`,
 * `cors`, `spa_fallback`, `not_found_page`, `precompressed`, `compress`,
 * `quiet` and `log_colour`, kept out of simple-handler.ts, which calls in at
 * a few points:
 *
 * - `ResponseFields`: the fields a final response gets at `end_headers()`
 *   (CORS, `Vary`, `response_headers`), added once per response, never to a
 *   1xx; CGI output flushes its status line early, so `flush_headers()` adds
 *   them too.
 * - `codedResponse()`: before a file's head, a content-coded representation
 *   (precompressed.ts, then compress.ts) may answer instead.
 * - `missingPath()`: a GET/HEAD of a missing path gets the SPA entry page
 *   (spa.ts), the custom 404 page, or CPython's 404.
 * - `answerOptions()`, `logRequest()`, `logError()`, `guessDefault()`.
 *
 * The handler's file machinery (confined open, the file head with its
 * conditional logic, sources) is reached through `FileServing`, so this
 * module sees nothing private. With none of the options set, every function
 * here returns at its first test and the handler's responses are unchanged.
 */

import { read, type Stats } from "node:fs";
import { resolve, sep } from "node:path";
import type { StatusCode } from "../handler/base-handler.js";
import { colourError, colourRequest, colourTimestamp, stderrColour } from "../handler/log-colour.js";
import { escapeControl, writeLog } from "../python/log-line.js";
import { pyFormat } from "../python/format.js";
import { negotiateEncoding } from "./accept-encoding.js";
import { COMPRESS_CODINGS, EncodingSource, WHOLE_LIMIT, cachedEncoding, compressionApplies, encodeWhole, encodedEtag, rememberEncoding } from "./compress.js";
import { decide, etagFor } from "./conditional.js";
import { CORS_EXPOSE, CORS_METHODS, optionsResponse } from "./cors.js";
import { outOfDescriptors } from "./fs-errors.js";
import { guessFileType, isTextType, splitext } from "./mime.js";
import { isVariantName, precompressedCandidates } from "./precompressed.js";
import type { HeaderPair } from "./response-headers.js";
import { SPA_VARY, spaDecision } from "./spa.js";

/** The issue #14 attributes of `SimpleHTTPRequestHandler` (merged into its type there). */
export interface WebappAttributes {
  /**
   * Fields (`[name, value]` pairs) added to every successful response of the
   * file server — files (200, 206, 304) and listings — after the ones it
   * sends itself, as CPython 3.15 does for its 200s (gh-135056). Not added to
   * errors or redirects (as in CPython). Checked when given to the
   * constructor: a name that is no token, CR/LF in a value, or a framing
   * field (`Content-Length`, `Connection` …) is a TypeError. `null` by
   * default. The CLI's `-H/--header`.
   */
  response_headers: readonly HeaderPair[] | null;
  /** CPython 3.15's name for `response_headers` (gh-135056): the same list. */
  extra_response_headers: readonly HeaderPair[] | null;
  /**
   * The `Content-Type` of files whose type cannot be guessed
   * (CPython 3.15, gh-113471). `application/octet-stream` by default. The
   * CLI's `--content-type`.
   */
  default_content_type: string;
  /**
   * Extension (not in CPython): `Access-Control-Allow-Origin: *` on every
   * response, and CORS preflight `OPTIONS` requests answered 204 (see
   * cors.ts). `false` by default: `OPTIONS` gets CPython's 501. The CLI's
   * `--cors`.
   */
  cors: boolean;
  /**
   * Extension (not in CPython): a file (relative to `directory`, such as
   * `index.html`) answered with 200 for a browser navigation to a missing,
   * extension-less path — a single-page app's client-side routes; any other
   * miss keeps its 404 (see spa.ts). `null` by default. The CLI's `--spa`.
   */
  spa_fallback: string | null;
  /**
   * Extension (not in CPython): a file (relative to `directory`) sent, with
   * status 404, in place of the error page for any missing path. Other
   * errors are unchanged. `null` by default. The CLI's `--not-found`.
   */
  not_found_page: string | null;
  /**
   * Extension (not in CPython): serve `X.br`, `X.zst` or `X.gz` in place of
   * `X` when it exists and the client accepts its coding (see
   * precompressed.ts). `false` by default. The CLI's `--precompressed`.
   */
  precompressed: boolean;
  /**
   * Extension (not in CPython): compress compressible responses of 1 KiB and
   * more with brotli, zstd or gzip as the client accepts (see compress.ts).
   * `false` by default. The CLI's `--compress`.
   */
  compress: boolean;
  /**
   * Extension (not in CPython): no access-log line per request; errors are
   * still logged. `false` by default. The CLI's `-q/--quiet`.
   */
  quiet: boolean;
  /**
   * Extension (not in CPython as an attribute): colour log lines. `null` (the
   * default) decides as CPython 3.15 does (gh-146292): only when stderr is a
   * terminal, unless `NO_COLOR`, `FORCE_COLOR` or `PYTHON_COLORS` say
   * otherwise (see handler/log-colour.ts).
   */
  log_colour: boolean | null;
}

/** The attributes' defaults, set on the prototype. */
export const WEBAPP_DEFAULTS: Omit<WebappAttributes, "extra_response_headers"> = {
  response_headers: null,
  default_content_type: "application/octet-stream",
  cors: false,
  spa_fallback: null,
  not_found_page: null,
  precompressed: false,
  compress: false,
  quiet: false,
  log_colour: null,
};

/** The handler's public surface used here (Python's names). */
export interface WebappHandler extends WebappAttributes {
  command: string | null;
  path: string;
  requestline: string;
  request_version: string;
  protocol_version: string;
  directory: string;
  headers: { get(name: string): string | undefined; has(name: string): boolean };
  send_response(code: StatusCode, message?: string | null): void;
  send_header(keyword: string, value: string | number): void;
  end_headers(): void;
  send_error(code: StatusCode, message?: string | null, explain?: string | null): void;
  date_time_string(timestamp?: number | null): string;
  log_date_time_string(): string;
  address_string(): string;
  log_error(format: string, ...args: unknown[]): void;
  guess_type(path: string): string;
}

/** A source of a body: simple-handler's `Source`. */
export interface BodySource {
  read(n: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** An open regular file or directory. */
export interface OpenedFile {
  fd: number;
  stats: Stats;
}

/** A content-coded representation chosen for a file head. */
export interface Variant {
  coding: string;
  etag: string;
}

/** What `codedResponse()` and `missingPath()` need of the handler's private file machinery. */
export interface FileServing {
  /** Opens a path confined to the directory (confine.ts's `openConfined()`). */
  open(path: string): Promise<OpenedFile | { error: unknown }>;
  /** Answers a failed open with its status (fs-errors.ts's `toHttpError()`). */
  fail(error: unknown): null;
  /**
   * The file head (200/206/304/416) for an opened file. `variant`: a coded
   * representation chosen; `null`: identity, decided; absent: a coded one may
   * still be chosen (`codedResponse()`).
   */
  sendFileHead(fd: number, stats: Stats, ctype: string, content: Buffer | null, path: string, variant?: Variant | null): BodySource | null | Promise<BodySource | null>;
  /** A source reading the first `size` bytes of `fd` (and closing it). */
  fileSource(fd: number, size: number): BodySource;
  /** A source of bytes in memory. */
  bytesSource(data: Buffer): BodySource;
  /** Closes a descriptor (-1: none). */
  closeFile(fd: number): void;
  /** The per-response fields. */
  fields: ResponseFields;
}

/** A text type gets `; charset=utf-8` unless it names a charset. */
export function withCharset(ctype: string): string {
  return isTextType(ctype) && !/;\s*charset=/i.test(ctype) ? `${ctype}; charset=utf-8` : ctype;
}

// ---- fields added at end_headers() ---------------------------------------------

/** Fields for the current response's head, added once, to final responses only. */
export class ResponseFields {
  /** Queued for the next final head. */
  #queue: [string, string][] = [];
  /** The status line buffered last is interim (1xx). */
  #interim = false;
  /** Added to the current head already (or no status line pending). */
  #added = true;

  /** Queues a field for the next final response. */
  push(name: string, value: string): void {
    this.#queue.push([name, value]);
  }

  /** Drops what was queued (a new request). */
  reset(): void {
    if (this.#queue.length > 0) this.#queue = [];
  }

  /** A status line was buffered: `code` tells whether it is interim. */
  statusLine(code: StatusCode): void {
    this.#interim = (typeof code === "number" ? code : code.value) < 200;
    this.#added = false;
  }

  /** The response is successful: `response_headers` go with it (gh-135056). */
  succeeded(h: WebappAttributes): void {
    const extra = h.response_headers;
    if (extra !== null) for (const [name, value] of extra) this.#queue.push([name, value]);
  }

  /** Adds the CORS fields and the queue to the head being built, once per final response. */
  addTo(h: WebappHandler): void {
    if (this.#interim || this.#added || (!h.cors && this.#queue.length === 0)) return;
    this.#added = true;
    if (h.cors) {
      h.send_header("Access-Control-Allow-Origin", "*");
      h.send_header("Access-Control-Expose-Headers", CORS_EXPOSE);
    }
    const queue = this.#queue;
    this.#queue = [];
    for (const [name, value] of queue) h.send_header(name, value);
  }
}

// ---- OPTIONS ---------------------------------------------------------------------

/**
 * Answers `OPTIONS`: with `cors`, 204 and the preflight fields (cors.ts);
 * without it, CPython's 501 for a method the handler lacks.
 */
export function answerOptions(h: WebappHandler, fields: ResponseFields): void {
  if (!h.cors) {
    h.send_error(501, pyFormat("Unsupported method (%r)", [h.command]));
    return;
  }
  const methods = CORS_METHODS.filter((m) => typeof (h as unknown as Record<string, unknown>)["do_" + m] === "function");
  fields.reset();
  h.send_response(204);
  for (const [name, value] of optionsResponse(h.headers, methods)) h.send_header(name, value);
  h.end_headers();
}

// ---- missing paths -----------------------------------------------------------------

/** A GET/HEAD of a missing path: the SPA entry page, the custom 404 page, or CPython's 404. */
export async function missingPath(h: WebappHandler, files: FileServing, urlPath: string): Promise<BodySource | null> {
  if (h.spa_fallback !== null) {
    const d = spaDecision(h.command ?? "", urlPath, h.headers);
    if (d.vary) files.fields.push("Vary", SPA_VARY);
    if (d.fallback) {
      const page = await servePage(h, files, h.spa_fallback, 200);
      if (page !== undefined) return page;
    }
  }
  if (h.not_found_page !== null) {
    const page = await servePage(h, files, h.not_found_page, 404);
    if (page !== undefined) return page;
  }
  h.send_error(404, "File not found");
  return null;
}

/**
 * Serves `name` (relative to `directory`, confined to it) with `status`:
 * 200 as any file (conditional, ranges, codings), or 404 as a plain page.
 * `undefined` when it is not a regular file inside the directory.
 */
async function servePage(h: WebappHandler, files: FileServing, name: string, status: 200 | 404): Promise<BodySource | null | undefined> {
  const root = resolve(h.directory);
  const path = resolve(root, name);
  if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  const opened = await files.open(path);
  // Out of descriptors: 503 as for any file; any other failure: not servable, so the plain 404.
  if ("error" in opened) return outOfDescriptors(opened.error) ? files.fail(opened.error) : undefined;
  if (!opened.stats.isFile()) {
    files.closeFile(opened.fd);
    return undefined;
  }
  if (status === 200) return files.sendFileHead(opened.fd, opened.stats, h.guess_type(path), null, path);
  const size = opened.stats.size;
  h.log_error("code %d, message %s", 404, "File not found");
  h.send_response(404, "File not found");
  h.send_header("Content-type", withCharset(h.guess_type(path)));
  h.send_header("Content-Length", String(size));
  h.end_headers();
  if (h.command === "HEAD") {
    files.closeFile(opened.fd);
    return null;
  }
  return files.fileSource(opened.fd, size);
}

// ---- content codings -------------------------------------------------------------

/**
 * Chooses a content-coded representation of a file (`precompressed`,
 * `compress`): the response sent, or `undefined` to go on with identity.
 * Queues `Vary: Accept-Encoding` wherever the choice was possible.
 */
export function codedResponse(
  h: WebappHandler,
  files: FileServing,
  fd: number,
  fs: Stats,
  ctype: string,
  content: Buffer | null,
  path: string,
): Promise<BodySource | null> | undefined {
  const onTheFly = h.compress && compressionApplies(ctype, fs.size);
  if (h.precompressed || onTheFly) files.fields.push("Vary", "Accept-Encoding");
  if (h.precompressed && !isVariantName(path)) {
    const tries = precompressedCandidates(h.headers.get("Accept-Encoding"));
    if (tries.length > 0) return precompressedOr(h, files, tries, fd, fs, ctype, content, path, onTheFly);
  }
  return onTheFly ? compressed(h, files, fd, fs, ctype, content) : undefined;
}

/** Serves the first variant file of `tries` that exists, else on-the-fly coding or identity. */
async function precompressedOr(
  h: WebappHandler,
  files: FileServing,
  tries: [string, string][],
  fd: number,
  fs: Stats,
  ctype: string,
  content: Buffer | null,
  path: string,
  onTheFly: boolean,
): Promise<BodySource | null> {
  for (const [coding, suffix] of tries) {
    const v = await files.open(path + suffix);
    if ("error" in v) {
      if (!outOfDescriptors(v.error)) continue;
      files.closeFile(fd);
      return files.fail(v.error);
    }
    if (!v.stats.isFile()) {
      files.closeFile(v.fd);
      continue;
    }
    files.closeFile(fd);
    const variant = { coding, etag: encodedEtag(etagFor({ size: v.stats.size, mtimeMs: v.stats.mtimeMs }), coding) };
    return files.sendFileHead(v.fd, v.stats, ctype, null, path, variant);
  }
  return (onTheFly ? compressed(h, files, fd, fs, ctype, content) : undefined) ?? files.sendFileHead(fd, fs, ctype, content, path, null);
}

/** On-the-fly coding of a whole file (no Range): `undefined` when the client accepts none. */
function compressed(h: WebappHandler, files: FileServing, fd: number, fs: Stats, ctype: string, content: Buffer | null): Promise<BodySource | null> | undefined {
  if (h.headers.has("Range")) return undefined;
  const coding = negotiateEncoding(h.headers.get("Accept-Encoding"), COMPRESS_CODINGS);
  if (coding === null || coding === "identity") return undefined;
  return sendCompressed(h, files, fd, fs, ctype, content, coding);
}

/** Sends a file coded with `coding`: whole and cached up to `WHOLE_LIMIT`, else streamed. */
async function sendCompressed(
  h: WebappHandler,
  files: FileServing,
  fd: number,
  fs: Stats,
  ctype: string,
  content: Buffer | null,
  coding: string,
): Promise<BodySource | null> {
  const validators = { size: fs.size, mtimeMs: fs.mtimeMs };
  const etag = encodedEtag(etagFor(validators), coding);
  if (decide(h.command ?? "", h.headers, validators, undefined, etag).kind === "not-modified") {
    files.closeFile(fd);
    files.fields.succeeded(h);
    h.send_response(304);
    h.send_header("ETag", etag);
    h.end_headers();
    return null;
  }
  let body: Buffer | undefined;
  if (fs.size <= WHOLE_LIMIT) {
    body = cachedEncoding(fs, coding);
    if (body === undefined) {
      let data: Buffer;
      try {
        data = content ?? (await readAt(fd, fs.size));
      } finally {
        files.closeFile(fd);
      }
      body = await encodeWhole(coding, data);
      if (data.length === fs.size) rememberEncoding(fs, coding, body);
    } else {
      files.closeFile(fd);
    }
  }
  const chunked = body === undefined && h.request_version >= "HTTP/1.1" && h.protocol_version >= "HTTP/1.1";
  h.send_response(200);
  h.send_header("Content-type", withCharset(ctype));
  h.send_header("Content-Encoding", coding);
  if (body !== undefined) h.send_header("Content-Length", String(body.length));
  else if (chunked) h.send_header("Transfer-Encoding", "chunked");
  h.send_header("Last-Modified", h.date_time_string(fs.mtimeMs / 1000));
  h.send_header("ETag", etag);
  h.send_header("Accept-Ranges", "bytes");
  files.fields.succeeded(h);
  h.end_headers();
  if (body !== undefined) return files.bytesSource(body);
  if (h.command === "HEAD") {
    files.closeFile(fd);
    return null;
  }
  // Without chunked framing the body ends when the connection does (the base class closes it).
  return new EncodingSource(files.fileSource(fd, fs.size), coding, chunked, fs.size);
}

/** Reads the first `length` bytes of `fd` (fewer if it shrank). */
function readAt(fd: number, length: number): Promise<Buffer> {
  return new Promise((done, fail) => {
    const buf = Buffer.allocUnsafe(length);
    read(fd, buf, 0, length, 0, (e, n) => (e ? fail(e) : done(n === length ? buf : buf.subarray(0, n))));
  });
}

// ---- logs --------------------------------------------------------------------------

/**
 * `log_request()` for `quiet` and colour: `true` when handled here (nothing
 * logged, or a coloured line written), `false` for the plain line.
 * @param plain whether `log_message()` is the base class's (a subclass's own is never bypassed).
 */
export function logRequest(h: WebappHandler, plain: boolean, code: StatusCode | string, size: number | string): boolean {
  if (h.quiet) return true;
  if (!plain || !(h.log_colour ?? stderrColour())) return false;
  const c = typeof code === "object" ? code.value : code;
  const line = colourRequest(escapeControl(h.requestline), String(c), String(size));
  writeLog(`${h.address_string()} - - ${colourTimestamp(h.log_date_time_string())} ${line}\n`);
  return true;
}

/** `log_error()` in colour on a terminal (gh-146292): `true` when written here. */
export function logError(h: WebappHandler, plain: boolean, format: string, args: unknown[]): boolean {
  if (!plain || !(h.log_colour ?? stderrColour())) return false;
  const message = escapeControl(pyFormat(format, args));
  writeLog(`${h.address_string()} - - ${colourTimestamp(h.log_date_time_string())} ${colourError(message)}\n`);
  return true;
}

// ---- types -------------------------------------------------------------------------

/**
 * `default_content_type` (gh-113471) in place of a type that could not be
 * guessed — not in place of a guessed `application/octet-stream` (`.bin`).
 */
export function guessDefault(type: string, path: string, extensionsMap: Record<string, string>, defaultType: string): string {
  if (type !== "application/octet-stream" || defaultType === type) return type;
  const ext = splitext(path)[1];
  const known = Object.hasOwn(extensionsMap, ext) || Object.hasOwn(extensionsMap, ext.toLowerCase()) || guessFileType(path)[0] !== null;
  return known ? type : defaultType;
}
