/**
 * `BaseHTTPRequestHandler`: CPython 3.14's request handler, method for method,
 * on a Node socket.
 *
 * Strategy: the control flow is CPython's — `handle()` loops over
 * `handle_one_request()`, which reads the request line, calls
 * `parse_request()`, dispatches to `do_<COMMAND>()` and flushes — and every
 * step goes through `this`, so each documented method can be overridden.
 * What CPython leaves to chance, we decide in marked places:
 *   - request framing is decided once the head is parsed (`framing.ts`) and
 *     `rfile` is bounded to the body; an unread body is drained or the
 *     connection closed (`#endRequest`);
 *   - a handler that throws gets a 500 when no byte of its response has left;
 *   - `send_header` refuses CR/LF;
 *   - timeouts exist by default (`limits.ts`).
 * Class attributes live on the prototype (assigned after the class), so a
 * subclass field declaration overrides them as a Python class attribute would.
 */

import type { LogFormat } from "./access-log.js";
import { beforeDispatch, drainingHead, headFlushed, lbConfigured, logRequest, requestEnded, requestStarted } from "./lb-hooks.js";
import type { Socket } from "node:net";
import { ProtocolError } from "../protocol/errors.js";
import { NO_BODY, requestFraming, type Framing } from "../protocol/framing.js";
import { HTTPMessage, HeaderReader, type MessageClassType } from "../protocol/headers.js";
import {
  BODY_TIMEOUT,
  DEFAULT_MAX_BODY_SIZE,
  HEADER_TIMEOUT,
  KEEP_ALIVE_TIMEOUT,
  MAX_DRAIN_BYTES,
  MAX_HEADER_BYTES,
  MAX_REQUEST_LINE,
  SEND_TIMEOUT,
} from "../protocol/limits.js";
import { ReceiveBuffer } from "../protocol/receive-buffer.js";
import { parseRequestLine, reduceLeadingSlashes, stripLineEnd } from "../protocol/request-line.js";
import { RESPONSES } from "../protocol/status.js";
import { DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE, htmlEscape } from "./error-page.js";
import { dateTimeString, escapeControl, logDateTimeString, MONTHNAME, WEEKDAYNAME, writeLog } from "./log-format.js";
import { pyFormat, pyRepr } from "./py-format.js";
import { SocketReader, TimeoutError, type RFile } from "./rfile.js";
import { BrokenPipeError, RESOLVED, SocketWriter, type WFile } from "./wfile.js";

/** `(host, port)` of a peer. */
export type ClientAddress = [host: string, port: number];

/** A status given as a number or as an `HTTPStatus` member. */
export type StatusCode = number | { readonly value: number };

/** What a handler needs of its server; every server class of this package fits. */
export interface HandlerServer {
  /** `true` once `server_close()` has begun: finish the current request, then close. */
  readonly _closing?: boolean;
}

/** Python's `responses` mapping: code → `[shortmessage, longmessage]`. */
export type Responses = Record<number, readonly [string, string]>;

const EMPTY = Buffer.alloc(0);
/** `#handleOne`: the request line is awaited by callback (`#onLine`). */
const WAITING = Symbol("waiting");
const REQUEST_LOG_FORMAT = '"%s" %s %s';
// Header text must be ISO-8859-1 and must not carry CR or LF (docs/api-contract.md §4).
const UNSAFE_HEADER_TEXT = /[\r\n]|[^\x00-\xff]/;

/** The last head flushed, as text and as bytes (see `flush_headers()`). */
let lastHeadText = "";
let lastHead: Buffer = EMPTY;
/** send_response()'s `Server` and `Date` lines, for the second and versions they were built for. */
let block = "";
let blockServer = "";
let blockSys = "";
let blockDate = "";

const codeOf = (code: StatusCode): number => (typeof code === "number" ? code : code.value);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function checkHeaderText(what: string, text: string): void {
  // A byte loop: several calls per response, on short strings, where a
  // RegExp call costs more than the scan.
  let safe = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c > 0xff) {
      safe = false;
      break;
    }
  }
  if (safe || !UNSAFE_HEADER_TEXT.test(text)) return;
  if (/[\r\n]/.test(text)) throw new TypeError(`${what} must not contain CR or LF: ${pyRepr(text)}`);
  throw new RangeError(`${what} is not ISO-8859-1 (latin-1): ${pyRepr(text)}`);
}

/** A client that went away: nothing to answer, nothing to report. */
function isDisconnect(e: unknown): boolean {
  if (e instanceof BrokenPipeError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/**
 * Reads `headers` from `rfile` into a new `MessageClass` (CPython's
 * `http.client.parse_headers`), with CPython's limits and our strictness.
 * @throws ProtocolError for a head to refuse (431, 400).
 */
export async function parse_headers(
  rfile: RFile,
  MessageClass: MessageClassType = HTTPMessage,
  maxBytes = MAX_HEADER_BYTES,
): Promise<HTTPMessage> {
  const message = new MessageClass();
  if (rfile instanceof SocketReader) return rfile._readHeaders(message, maxBytes);
  // A replacement rfile: feed its lines to the same reader.
  const reader = new HeaderReader(message, maxBytes);
  const rb = new ReceiveBuffer();
  for (;;) {
    const line = await rfile.readline(MAX_REQUEST_LINE + 1);
    rb.push(Buffer.from(line));
    const done = reader.read(rb, line.length === 0);
    if (done !== null) return done;
  }
}

/**
 * Handles HTTP requests that arrive at the server: parses each request and
 * calls `do_<COMMAND>()`. Subclass it and define `do_GET()`, `do_POST()` …
 *
 * The server constructs it as `new Handler(request, client_address, server)`
 * and then awaits `setup()`, `handle()` and `finish()`.
 */
export class BaseHTTPRequestHandler {
  // ---- socketserver.BaseRequestHandler / StreamRequestHandler --------------

  /** The connection's socket. */
  request: Socket;
  /** `[host, port]` of the client. */
  client_address: ClientAddress;
  /** The server instance. */
  server: HandlerServer;
  /** The connection's socket (set by `setup()`). */
  connection!: Socket;
  /** The request's input stream, positioned at the start of the body. */
  rfile!: RFile;
  /** The response's output stream. */
  wfile!: WFile;

  /** Python's socket timeout in seconds, for every read and write; `null` for the server defaults. */
  declare timeout: number | null;
  /**
   * When `true`, `setup()` disables Nagle's algorithm (TCP_NODELAY).
   * Differs from CPython: `true` by default (CPython: `false`).
   */
  declare disable_nagle_algorithm: boolean;
  /** Kept for compatibility; buffering is the server's own. */
  declare rbufsize: number;
  /** Kept for compatibility; buffering is the server's own. */
  declare wbufsize: number;

  // ---- class attributes of BaseHTTPRequestHandler ---------------------------

  /** The runtime's version, used by `version_string()`: `Node.js/20.20.2`. */
  declare sys_version: string;
  /** The server software version: `BaseHTTP/0.6`. */
  declare server_version: string;
  /** The `%`-format of `send_error()`'s HTML body. */
  declare error_message_format: string;
  /** `Content-Type` of `send_error()`'s body. */
  declare error_content_type: string;
  /** The HTTP version the server speaks; `"HTTP/1.1"` enables persistent connections. */
  declare protocol_version: string;
  /** The version assumed until the request line is parsed. */
  declare default_request_version: string;
  /** The class that holds the request's headers. */
  declare MessageClass: MessageClassType;
  /** code → `[shortmessage, longmessage]`, used by `send_response_only()` and `send_error()`. */
  declare responses: Responses;
  declare monthname: readonly (string | null)[];
  declare weekdayname: readonly string[];

  // ---- extensions (not in CPython) ------------------------------------------

  /** Extension (not in CPython): seconds to receive a whole request head. */
  declare header_timeout: number;
  /** Extension (not in CPython): idle seconds allowed between requests on a persistent connection. */
  declare keep_alive_timeout: number;
  /** Extension (not in CPython): longest wait in seconds for the next bytes of a request body. */
  declare body_timeout: number;
  /** Extension (not in CPython): longest wait in seconds for the client to take more response bytes. */
  declare send_timeout: number;
  /** Extension (not in CPython): largest request head in bytes (431 past it). */
  declare max_header_bytes: number;
  /** Extension (not in CPython): default limit of `read_body()` / `iter_body()` (413 past it). */
  declare max_body_size: number;
  /** Extension (not in CPython): unread body bytes drained to keep a connection alive. */
  declare max_drain_bytes: number;

  // ---- per request ----------------------------------------------------------

  /** Set before `handle_one_request()` returns: `true` when no further request may follow. */
  close_connection = true;
  /** The request line as received, line ending included. */
  raw_requestline: Buffer = EMPTY;
  /** The request line without its line ending; empty when none was parsed. */
  requestline = "";
  /** The method (`"GET"`), or `null` before the request line is parsed. */
  command: string | null = null;
  /** The request target, query included. */
  path = "";
  /** The request's version (`"HTTP/1.1"`). */
  request_version = "";
  /** The request's header fields. Empty for HTTP/0.9. */
  headers: HTTPMessage = new HTTPMessage();

  /** Status line and headers not yet flushed (CPython's `_headers_buffer`). */
  #head = "";
  /** The request line was parsed without error (an unparseable one always gets a status line). */
  #lineParsed = false;
  #framing: Framing = NO_BODY;
  /** Status sent by `send_response_only()` for this request; 0 if none. */
  #status = 0;
  /** The response carries Content-Length or Transfer-Encoding. */
  #delimited = false;
  /** The connection now carries another protocol (101, or 2xx to CONNECT). */
  #switched = false;
  #firstRequest = true;
  /** `wfile` byte count when this request started (to know whether its response began). */
  #writtenAtStart = 0;
  /** Extension: one of the load-balancer features (lb-hooks.ts) is on for the current request. */
  #lb = false;

  // ---- extensions for running behind a load balancer (lb-hooks.ts) ----------
  /**
   * Extension (not in CPython): answer `GET`/`HEAD` at this path (query
   * ignored) with 200 `{"status":"ok"}` (503 `{"status":"draining"}` once
   * the server is `draining`), before any other handling and without a log
   * line. A file at that path is never served. Default `null` (off).
   */
  declare health_path: string | null;
  /** Extension (not in CPython): access line format, `"python"` (default), `"combined"` or `"json"`. */
  declare log_format: LogFormat;
  /** Extension (not in CPython): append access lines to this file (reopened by `reopenAccessLogs()`); `null` (default) is stderr. */
  declare access_log: string | null;
  /** Extension (not in CPython): the scheme a trusted proxy says the client used (`Forwarded: proto=`, `X-Forwarded-Proto`), or `null`. */
  forwarded_proto: string | null = null;
  /** Extension (not in CPython): the `Host` a trusted proxy says the client sent (`Forwarded: host=`, `X-Forwarded-Host`), or `null`. */
  forwarded_host: string | null = null;

  constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
    this.request = request;
    this.client_address = client_address;
    this.server = server;
  }

  // ---- socketserver lifecycle ----------------------------------------------

  /** Prepares the connection: `rfile`, `wfile`, timeouts and TCP_NODELAY. */
  setup(): void | Promise<void> {
    const socket = this.request;
    this.connection = socket;
    if (this.disable_nagle_algorithm) socket.setNoDelay(true);
    const reader = new SocketReader(socket);
    reader._timeouts = {
      timeout: this.timeout,
      keepAlive: this.keep_alive_timeout,
      header: this.header_timeout,
      body: this.body_timeout,
    };
    const writer = new SocketWriter(socket);
    writer._timeouts = { timeout: this.timeout, send: this.send_timeout };
    this.rfile = reader;
    this.wfile = writer;
  }

  /**
   * Handles requests until `close_connection` is set.
   *
   * Fast path (same behaviour): while `handle_one_request()` is not
   * overridden, each request runs synchronously as far as its parts allow —
   * request line and head parsed straight from the receive buffer, a
   * synchronous `do_GET()` called and answered — and this loop awaits only
   * what is really pending (the next request's bytes, an async `do_*`, a
   * full socket). Pipelined requests already received are all answered in the
   * same turn, so their responses leave in one write.
   */
  async handle(): Promise<void> {
    this.close_connection = true;
    if (this.handle_one_request !== BASE_HANDLE_ONE_REQUEST) {
      await this.handle_one_request();
      while (!this.close_connection) await this.handle_one_request();
      return;
    }
    // Callback-driven: the wait for the next request line arms a callback on
    // the reader (no async frame or Promise per idle wait); one Promise per
    // connection.
    return new Promise<void>((resolve, reject) => {
      this.#loopDone = resolve;
      this.#loopFail = reject;
      this.#step();
    });
  }

  #loopDone: (() => void) | null = null;
  #loopFail: ((e: unknown) => void) | null = null;
  /** The reader whose `_awaitLine` callback is armed. */
  #waitReader: SocketReader | null = null;

  /** Runs requests until one must wait; the wait calls `#continue` (or `#onLine`) when it ends. */
  #step(): void {
    for (;;) {
      const pending = this.#handleOne(true);
      if (pending === WAITING) return;
      if (pending !== undefined) {
        pending.then(this.#continue, this.#loopFail!);
        return;
      }
      if (this.close_connection) {
        this.#loopDone!();
        return;
      }
    }
  }

  /** A request finished asynchronously (or after a wait): next one, or done. */
  readonly #continue = (): void => {
    try {
      if (this.close_connection) this.#loopDone!();
      else this.#step();
    } catch (e) {
      // Runs inside socket events: never let an error escape into them.
      this.#loopFail!(e);
    }
  };

  /** The request line that ended a wait, for `#serveWaited`. */
  #waitedLine: Buffer = EMPTY;

  /**
   * The request line arrived after a wait (inside the socket's event): the
   * request is served in a microtask, as after `await readline()`, so that a
   * send scheduled by an async `do_*` still waits for the rest of a pipelined
   * batch received in the same event.
   */
  readonly #onLine = (line: Buffer): void => {
    this.#waitedLine = line;
    queueMicrotask(this.#serveWaited);
  };

  /** As `#handleOneSlowly` after its wait. */
  readonly #serveWaited = (): void => {
    const line = this.#waitedLine;
    this.#waitedLine = EMPTY;
    const reader = this.#waitReader;
    let pending: Promise<void> | undefined;
    try {
      pending = this.#serve(line, reader);
      if (pending !== undefined) pending = pending.catch((e: unknown) => this.#requestFailed(e, reader));
    } catch (e) {
      pending = this.#requestFailed(e, reader);
    }
    if (pending !== undefined) pending.then(this.#continue, this.#loopFail!);
    else this.#continue();
  };

  readonly #onLineError = (e: Error): void => {
    this.#requestFailed(e, this.#waitReader).then(this.#continue, this.#loopFail!);
  };

  /** Flushes what is left of the response. */
  async finish(): Promise<void> {
    if (this.#lb) requestEnded(this, this.#bytesWritten());
    try {
      await this.wfile.flush();
    } catch {
      // The client is gone; there is nobody to flush to.
    }
  }

  // ---- one request ----------------------------------------------------------

  /** Parses one request and dispatches it to `do_<COMMAND>()`. */
  async handle_one_request(): Promise<void> {
    const pending = this.#handleOne(false);
    if (pending !== undefined) await pending;
  }

  /**
   * `handle_one_request()`'s work: `undefined` when the request was answered
   * synchronously, else a Promise of the rest. Never throws synchronously
   * for what `#requestFailed` handles.
   */
  #handleOne(callback: false): Promise<void> | undefined;
  #handleOne(callback: boolean): Promise<void> | typeof WAITING | undefined;
  #handleOne(callback: boolean): Promise<void> | typeof WAITING | undefined {
    const reader = this.rfile instanceof SocketReader ? this.rfile : null;
    this.#lb = lbConfigured(this);
    if (this.#lb) requestEnded(this, this.#bytesWritten());
    this.#head = "";
    this.#lineParsed = false;
    this.#framing = NO_BODY;
    this.#status = 0;
    this.#delimited = false;
    this.#switched = false;
    this.#writtenAtStart = this.#bytesWritten();
    reader?._beginRequest(this.#firstRequest);
    this.#firstRequest = false;
    let pending: Promise<void> | undefined;
    try {
      const line = reader !== null ? reader._readlineNow(MAX_REQUEST_LINE + 1) : null;
      if (line === null) {
        if (!callback || reader === null) return this.#handleOneSlowly(reader);
        this.#waitReader = reader;
        reader._awaitLine(MAX_REQUEST_LINE + 1, this.#onLine, this.#onLineError);
        return WAITING;
      }
      pending = this.#serve(line, reader);
    } catch (e) {
      return this.#requestFailed(e, reader);
    }
    return pending === undefined ? undefined : pending.catch((e: unknown) => this.#requestFailed(e, reader));
  }

  /** The request line is not here yet: wait for it, then as `#handleOne`. */
  async #handleOneSlowly(reader: SocketReader | null): Promise<void> {
    try {
      const line = await this.rfile.readline(MAX_REQUEST_LINE + 1);
      const pending = this.#serve(line, reader);
      if (pending !== undefined) await pending;
    } catch (e) {
      await this.#requestFailed(e, reader);
    }
  }

  /** Steps after the request line; each continues synchronously when it can. */
  #serve(raw: Buffer, reader: SocketReader | null): Promise<void> | undefined {
    this.raw_requestline = raw;
    if (reader !== null) reader._awaitingRequest = false;
    if (this.#lb) requestStarted(this, this.#bytesWritten());
    if (raw.length > MAX_REQUEST_LINE) {
      this.requestline = "";
      this.request_version = "";
      this.command = "";
      this.send_error(414);
      return undefined;
    }
    if (raw.length === 0) {
      this.close_connection = true;
      return undefined;
    }
    const parsed = this.parse_request === BASE_PARSE_REQUEST ? this.#parseRequest() : this.parse_request();
    if (parsed instanceof Promise) return parsed.then((ok) => (ok ? this.#dispatch(reader) : undefined));
    return parsed ? this.#dispatch(reader) : undefined;
  }

  #dispatch(reader: SocketReader | null): Promise<void> | undefined {
    if (this.#lb && beforeDispatch(this)) return this.#answered(reader);
    const method = (this as unknown as Record<string, unknown>)["do_" + this.command];
    if (typeof method !== "function") {
      this.send_error(501, pyFormat("Unsupported method (%r)", [this.command]));
      return undefined;
    }
    // A synchronous do_* is flushed by #answered: its writes need no tick of their own.
    const w = this.wfile instanceof SocketWriter ? this.wfile : null;
    let done: unknown;
    if (w === null) done = method.call(this);
    else {
      w._held = true;
      try {
        done = method.call(this);
      } catch (e) {
        w._schedule();
        throw e;
      }
      // Returned synchronously: #answered flushes now, or schedules the send.
      if (done instanceof Promise || this.wfile !== w) w._schedule();
      else w._held = false;
    }
    if (done instanceof Promise) return done.then(() => this.#answered(reader));
    return this.#answered(reader);
  }

  /** `do_*` returned: flush, then decide about the connection. */
  #answered(reader: SocketReader | null): Promise<void> | undefined {
    // The next pipelined request is already here: its response joins this
    // one's in the writer's queue (sent at the end of this turn, or at 64 KiB)
    // unless the socket is full, when flushing gives backpressure.
    const w = this.wfile;
    if (reader === null || reader._buffered === 0 || !(w instanceof SocketWriter) || w._congested) {
      const flushed = w.flush();
      if (flushed !== RESOLVED) return flushed.then(() => this.#endRequest(reader));
    } else {
      w._schedule();
    }
    return this.#endRequest(reader);
  }

  /**
   * Parses `raw_requestline` and the header section into `command`, `path`,
   * `request_version` and `headers`. Resolves `false` after an error response
   * has been sent (or when there is nothing to answer).
   */
  async parse_request(): Promise<boolean> {
    return this.#parseRequest();
  }

  /** `parse_request()`'s work, synchronous unless the head is incomplete or `handle_expect_100()` is async. */
  #parseRequest(): boolean | Promise<boolean> {
    this.command = null;
    this.request_version = this.default_request_version;
    this.close_connection = true;
    const requestline = stripLineEnd(this.raw_requestline.toString("latin1"));
    this.requestline = requestline;
    const line = parseRequestLine(requestline, this.protocol_version);
    if (line.version !== undefined) this.request_version = line.version;
    this.close_connection = line.closeConnection;
    const error = line.error;
    if (error !== undefined) {
      switch (error.kind) {
        case "empty":
          return false;
        case "version":
          this.send_error(400, pyFormat("Bad request version (%r)", [error.detail]));
          return false;
        case "unsupported-version":
          this.send_error(505, pyFormat("Invalid HTTP version (%s)", [error.detail]));
          return false;
        case "syntax":
          this.send_error(400, pyFormat("Bad request syntax (%r)", [error.detail]));
          return false;
        case "http09-method":
          this.send_error(400, pyFormat("Bad HTTP/0.9 request type (%r)", [error.detail]));
          return false;
      }
    }
    this.#lineParsed = true;
    const command = line.words[0]!;
    this.command = command;
    this.path = reduceLeadingSlashes(line.words[1]!);
    const reader = this.rfile instanceof SocketReader ? this.rfile : null;
    if (line.words.length === 2) {
      // HTTP/0.9 (CPython 3.14): no header section follows; the reply is the bare body.
      this.headers = new this.MessageClass();
      reader?._beginBody(NO_BODY);
      return true;
    }
    let headers: HTTPMessage | Promise<HTTPMessage>;
    try {
      const message = new this.MessageClass();
      headers = reader !== null ? reader._readHeaders(message, this.max_header_bytes) : parse_headers(this.rfile, this.MessageClass, this.max_header_bytes);
    } catch (e) {
      return this.#headFailed(e);
    }
    if (headers instanceof Promise) {
      return headers.then(
        (h) => this.#afterHeaders(h, reader),
        (e: unknown) => this.#headFailed(e),
      );
    }
    return this.#afterHeaders(headers, reader);
  }

  /** A head that cannot be parsed gets its status; anything else is a bug to report. */
  #headFailed(e: unknown): false {
    if (!(e instanceof ProtocolError)) throw e;
    this.send_error(e.status, e.reason, e.explain);
    return false;
  }

  #afterHeaders(headers: HTTPMessage, reader: SocketReader | null): boolean | Promise<boolean> {
    this.headers = headers;
    try {
      this.#framing = requestFraming(headers, this.request_version, this.command ?? "");
    } catch (e) {
      return this.#headFailed(e);
    }
    reader?._beginBody(this.#framing);

    const conntype = headers.get("Connection", "").toLowerCase();
    if (conntype === "close") this.close_connection = true;
    else if (conntype === "keep-alive" && this.protocol_version >= "HTTP/1.1") this.close_connection = false;

    const expect = headers.get("Expect", "").toLowerCase();
    if (expect === "100-continue" && this.protocol_version >= "HTTP/1.1" && this.request_version >= "HTTP/1.1") {
      return this.handle_expect_100();
    }
    return true;
  }

  /**
   * Answers `Expect: 100-continue`: sends `100 Continue` and returns `true`.
   * Override to refuse (send an error, return `false`).
   */
  handle_expect_100(): boolean | Promise<boolean> {
    this.send_response_only(100);
    this.end_headers();
    return true;
  }

  /**
   * The request is answered: decides whether the connection can carry another.
   * Each reason to close, in order (Go's `shouldReuseConnection`):
   */
  #endRequest(reader: SocketReader | null): Promise<void> | undefined {
    if (this.#lb) requestEnded(this, this.#bytesWritten());
    // 1. The handler or the request asked for it.
    if (this.close_connection) return;
    // 2. The connection was handed to another protocol (101, CONNECT).
    // 3. The server is closing.
    // 4. Nothing was answered: the client would wait forever.
    if (this.#switched || this.server._closing === true || this.#bytesWritten() === this.#writtenAtStart) {
      this.close_connection = true;
      return;
    }
    // 5. The response has a body but no length: only closing ends it.
    const status = this.#status;
    if (
      status >= 200 &&
      status !== 204 &&
      status !== 304 &&
      this.command !== "HEAD" &&
      !this.#delimited
    ) {
      this.close_connection = true;
      return;
    }
    // 6. Request body left unread: drain a bounded amount, else close.
    if (reader === null || reader._bodyDone) return undefined;
    return reader._drainBody(this.max_drain_bytes).then((reusable) => {
      if (!reusable) this.close_connection = true;
    });
  }

  /** The one place where a failed request becomes a status, a log line, or a report. */
  async #requestFailed(e: unknown, reader: SocketReader | null): Promise<void> {
    this.close_connection = true;
    const untouched = this.#bytesWritten() === this.#writtenAtStart;
    if (e instanceof TimeoutError) {
      const idle = reader !== null && reader._phase === "idle";
      if (idle && this.timeout === null) return; // keep-alive expiry: routine, not worth a line
      if (reader !== null && reader._phase === "head" && untouched && (reader._buffered > 0 || !reader._awaitingRequest)) {
        // A request had begun: say why it ends (CPython has no such timeout).
        this.#head = "";
        this.requestline = "";
        this.command = "";
        this.send_error(408);
      } else {
        this.log_error("Request timed out: %r", e);
      }
      return;
    }
    if (e instanceof ProtocolError) {
      if (untouched) {
        this.#head = "";
        this.send_error(e.status, e.reason, e.explain);
      } else {
        this.log_error("code %d, message %s", e.status, e.reason);
      }
      return;
    }
    if (isDisconnect(e)) return;
    if (untouched) {
      this.#head = "";
      try {
        this.send_error(500);
        await this.wfile.flush();
      } catch {
        // Nothing more can be said to this client.
      }
    }
    throw e;
  }

  #bytesWritten(): number {
    const w = this.wfile;
    return w instanceof SocketWriter ? w._bytesWritten : 0;
  }

  /**
   * The reply is a bare HTTP/0.9 body, no status line or headers: the request
   * line was parsed and its version is HTTP/0.9 (`GET /path`, or an explicit
   * `HTTP/0.9`), as in CPython. Differs from CPython: a line that could not be
   * parsed gets a status line even though `request_version` is still the
   * default `HTTP/0.9`.
   */
  get #bare(): boolean {
    return this.#lineParsed && this.request_version === "HTTP/0.9";
  }

  // ---- responses ------------------------------------------------------------

  /**
   * Sends and logs a complete error reply: status line, `Server`, `Date`,
   * `Connection: close`, and unless the method is HEAD or the code is 1xx,
   * 204, 205 or 304, an HTML body from `error_message_format`.
   * @param message short reason phrase; defaults to `responses[code][0]`.
   * @param explain longer text for the body; defaults to `responses[code][1]`.
   */
  send_error(code: StatusCode, message?: string | null, explain?: string | null): void {
    const value = codeOf(code);
    const [shortmsg, longmsg] = this.responses[value] ?? ["???", "???"];
    const msg = message ?? shortmsg;
    const exp = explain ?? longmsg;
    this.log_error("code %d, message %s", value, msg);
    this.send_response(value, msg);
    this.send_header("Connection", "close");
    let body: Buffer | null = null;
    if (value >= 200 && value !== 204 && value !== 205 && value !== 304) {
      const content = pyFormat(this.error_message_format, {
        code: value,
        message: htmlEscape(msg),
        explain: htmlEscape(exp),
      });
      body = Buffer.from(content, "utf8");
      this.send_header("Content-Type", this.error_content_type);
      this.send_header("Content-Length", String(body.length));
    }
    this.end_headers();
    if (this.command !== "HEAD" && body !== null) void this.wfile.write(body);
  }

  /** Logs the request, then buffers the status line and the `Server` and `Date` headers. */
  send_response(code: StatusCode, message?: string | null): void {
    this.log_request(code);
    this.send_response_only(code, message);
    if (
      this.send_header === BASE_SEND_HEADER &&
      this.version_string === BASE_VERSION_STRING &&
      this.date_time_string === BASE_DATE_TIME_STRING &&
      !this.#bare
    ) {
      // Neither is overridden: the same two lines as send_header() would
      // buffer, built once per second (and per server/sys version).
      const server = this.server_version;
      const sys = this.sys_version;
      const date = dateTimeString();
      if (date !== blockDate || server !== blockServer || sys !== blockSys) {
        const version = server + " " + sys;
        checkHeaderText("a header value", version);
        blockServer = server;
        blockSys = sys;
        blockDate = date;
        block = `Server: ${version}\r\nDate: ${date}\r\n`;
      }
      this.#head += block;
      return;
    }
    this.send_header("Server", this.version_string());
    this.send_header("Date", this.date_time_string());
  }

  /** Buffers the status line only (used for `100 Continue`). */
  send_response_only(code: StatusCode, message?: string | null): void {
    if (this.#bare) return;
    const value = codeOf(code);
    const msg = message ?? this.responses[value]?.[0] ?? "";
    checkHeaderText("the status message", msg);
    this.#head += `${this.protocol_version} ${value} ${msg}\r\n`;
    if (value >= 200) this.#status = value;
    if (value === 101 || (this.command === "CONNECT" && value >= 200 && value < 300)) {
      this.#switched = true;
      if (this.rfile instanceof SocketReader) this.rfile._unframe();
    }
  }

  /**
   * Buffers one header line. A `Connection` header updates `close_connection`.
   * Differs from CPython: throws on CR or LF in `keyword` or `value` (header
   * injection) and on characters outside ISO-8859-1.
   */
  send_header(keyword: string, value: string | number): void {
    if (this.#bare) return;
    const text = typeof value === "string" ? value : String(value);
    checkHeaderText("a header name", keyword);
    checkHeaderText("a header value", text);
    this.#head += `${keyword}: ${text}\r\n`;
    const n = keyword.length;
    if (n === 10 || n === 14 || n === 17) {
      const lower = keyword.toLowerCase();
      if (lower === "connection") {
        const v = text.toLowerCase();
        if (v === "close") this.close_connection = true;
        else if (v === "keep-alive") this.close_connection = false;
      } else if (lower === "content-length" || lower === "transfer-encoding") {
        this.#delimited = true;
      }
    }
  }

  /** Ends the header section and flushes it. */
  end_headers(): void {
    if (!this.#bare) this.#head += "\r\n";
    this.flush_headers();
  }

  /** Writes the buffered status line and headers with one `wfile.write()`. */
  flush_headers(): void {
    const text = this.#lb ? drainingHead(this, this.#head) : this.#head;
    if (text === "") return;
    this.#head = "";
    // Most responses repeat the previous head (same status, headers and Date
    // second): reuse its bytes. Only with our own writer, which never writes
    // into a buffer it is given; a replacement wfile gets a fresh one.
    const w = this.wfile;
    let head: Buffer;
    if (!(w instanceof SocketWriter)) head = Buffer.from(text, "latin1");
    else if (text === lastHeadText) head = lastHead;
    else {
      head = Buffer.from(text, "latin1");
      lastHeadText = text;
      lastHead = head;
    }
    if (this.#lb) headFlushed(this, head.length);
    void w.write(head);
  }

  // ---- logging --------------------------------------------------------------

  /** Logs an accepted request: `"GET / HTTP/1.1" 200 -`. */
  log_request(code: StatusCode | string = "-", size: number | string = "-"): void {
    const c = typeof code === "object" ? code.value : code;
    if (this.#lb && logRequest(this, String(c), String(size))) return;
    this.log_message(REQUEST_LOG_FORMAT, this.requestline, String(c), String(size));
  }

  /** Logs an error; by default the same as `log_message()`. */
  log_error(format: string, ...args: unknown[]): void {
    this.log_message(format, ...args);
  }

  /**
   * Logs a line to stderr: `host - - [date] message`, the message `%`-formatted
   * with `args` and its control characters escaped.
   */
  log_message(format: string, ...args: unknown[]): void {
    let message: string;
    if (format === REQUEST_LOG_FORMAT && args.length === 3 && args.every((a) => typeof a === "string")) {
      // log_request()'s line, once per request: the same text pyFormat gives, without it.
      message = `"${args[0] as string}" ${args[1] as string} ${args[2] as string}`;
    } else {
      const values = args.length === 1 && isPlainObject(args[0]) && format.includes("%(") ? args[0] : args;
      message = pyFormat(format, values);
    }
    writeLog(`${this.address_string()} - - [${this.log_date_time_string()}] ${escapeControl(message)}\n`);
  }

  /** `server_version` and `sys_version`, as sent in `Server`. */
  version_string(): string {
    return this.server_version + " " + this.sys_version;
  }

  /** An HTTP date for `timestamp` (seconds since the epoch), now by default. */
  date_time_string(timestamp?: number | null): string {
    return dateTimeString(timestamp);
  }

  /** The current local time for log lines: `23/Nov/2026 10:00:00`. */
  log_date_time_string(): string {
    return logDateTimeString();
  }

  /** The client's address for log lines. */
  address_string(): string {
    return this.client_address[0];
  }

  // ---- request bodies (extension) ------------------------------------------

  /**
   * Extension (not in CPython): reads the whole request body, whether framed
   * by `Content-Length` or `Transfer-Encoding: chunked` (trailers discarded).
   * Past `limit` bytes it throws a 413 `ProtocolError`, which the server
   * answers; malformed chunking answers 400. Read the body one way only:
   * with this, with `iter_body()`, or through `rfile`.
   */
  async read_body(options: { limit?: number } = {}): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const part of this.iter_body(options)) {
      parts.push(part);
      total += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  /**
   * Extension (not in CPython): the request body as it arrives, decoded, for
   * streaming uploads. Same limits and errors as `read_body()`.
   */
  async *iter_body(options: { limit?: number } = {}): AsyncGenerator<Buffer, void, undefined> {
    const limit = options.limit ?? this.max_body_size;
    const framing = this.#framing;
    if (framing.kind === "none") return;
    const tooLarge = (): ProtocolError =>
      new ProtocolError(413, "ERR_BODY_TOO_LARGE", "Content Too Large", `the request body is larger than ${limit} bytes`);
    if (framing.kind === "length" && framing.length > limit) throw tooLarge();
    const reader = this.rfile;
    if (!(reader instanceof SocketReader)) throw new TypeError("iter_body() needs the server's own rfile");
    let total = 0;
    for (;;) {
      const part = await reader._readDecoded(64 * 1024);
      if (part.length === 0) return;
      total += part.length;
      if (total > limit) throw tooLarge();
      yield part;
    }
  }
}

const proto = BaseHTTPRequestHandler.prototype;
// The fast path of handle() runs while these are not overridden.
const BASE_HANDLE_ONE_REQUEST = proto.handle_one_request;
const BASE_PARSE_REQUEST = proto.parse_request;
const BASE_SEND_HEADER = proto.send_header;
const BASE_VERSION_STRING = proto.version_string;
const BASE_DATE_TIME_STRING = proto.date_time_string;
proto.timeout = null;
// Differs from CPython (False): responses leave in as few writes as possible,
// so Nagle's algorithm has nothing to merge and only adds delayed-ACK stalls
// (40 ms) when a handler writes its head and body at different times.
proto.disable_nagle_algorithm = true;
proto.rbufsize = -1;
proto.wbufsize = 0;
proto.sys_version = "Node.js/" + process.versions.node;
proto.server_version = "BaseHTTP/0.6";
proto.error_message_format = DEFAULT_ERROR_MESSAGE;
proto.error_content_type = DEFAULT_ERROR_CONTENT_TYPE;
proto.protocol_version = "HTTP/1.0";
proto.default_request_version = "HTTP/0.9";
proto.MessageClass = HTTPMessage;
proto.responses = Object.fromEntries(RESPONSES) as Responses;
proto.monthname = MONTHNAME;
proto.weekdayname = WEEKDAYNAME;
proto.header_timeout = HEADER_TIMEOUT;
proto.keep_alive_timeout = KEEP_ALIVE_TIMEOUT;
proto.body_timeout = BODY_TIMEOUT;
proto.send_timeout = SEND_TIMEOUT;
proto.max_header_bytes = MAX_HEADER_BYTES;
proto.max_body_size = DEFAULT_MAX_BODY_SIZE;
proto.max_drain_bytes = MAX_DRAIN_BYTES;
proto.health_path = null;
proto.log_format = "python";
proto.access_log = null;
