/**
 * `BaseHTTPRequestHandler`: CPython 3.14's request handler, method for method,
 * on a Node socket: Python's public methods and attributes.
 *
 * Strategy: the control flow is CPython's — `handle()` loops over
 * `handle_one_request()`, which reads the request, dispatches to
 * `do_<COMMAND>()` and flushes — and every step goes through `this`, so each
 * documented method can be overridden. The loop itself is in
 * `request-loop.ts` (reading the head, dispatch, keep-alive; the one error
 * path in `request-failed.ts`); the response head's caches in
 * `response-head.ts`; the extensions' attributes and methods (timeouts,
 * limits, request bodies, load-balancer options) in `handler-extensions.ts`,
 * merged into this class. What CPython
 * leaves to chance, we decide in marked places:
 *   - request framing is decided once the head is parsed (`framing.ts`) and
 *     `rfile` is bounded to the body; an unread body is drained or the
 *     connection closed (`keepAlive()`);
 *   - a handler that throws gets a 500 when no byte of its response has left;
 *   - `send_header` refuses CR/LF;
 *   - timeouts exist by default (`limits.ts`).
 * Class attributes live on the prototype (assigned after the class), so a
 * subclass field declaration overrides them as a Python class attribute would.
 */

import type { Socket } from "node:net";
import { ProtocolError } from "../protocol/errors.js";
import { NO_BODY, requestFraming } from "../protocol/framing.js";
import { HTTPMessage, type MessageClassType } from "../protocol/headers.js";
import { formatHttpDate, MONTHNAME, WEEKDAYNAME } from "../protocol/http-date.js";
import { decideRequestLine, requestKeepAlive } from "../protocol/request-head.js";
import { RESPONSES } from "../protocol/status.js";
import { pyFormat } from "../python/format.js";
import { escapeControl, logDateTimeString, logMessageText, REQUEST_LOG_FORMAT, writeLog } from "../python/log-line.js";
import { DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE, htmlEscape } from "./error-page.js";
import { bytesWritten, Exchange } from "./exchange.js";
import { answer } from "./request-failed.js";
import { acceptHead, applyLine, BASE, serveRequests } from "./request-loop.js";
import { installExtensions, type HandlerExtensions } from "./handler-extensions.js";
import { drainingHead, headFlushed, logRequest, requestEnded } from "./lb-hooks.js";
import { checkHeaderText, headBytes, serverDateBlock } from "./response-head.js";
import { parse_headers } from "./parse-headers.js";
import { readTimeouts, SocketReader, type RFile } from "./rfile.js";
import { RESOLVED, SocketWriter, writeTimeouts, type WFile } from "./wfile.js";
import { setupStream, StreamRequest } from "./h2-stream.js";

export { parse_headers };
import { runtimeToken } from "../runtime.js";

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

const codeOf = (code: StatusCode): number => (typeof code === "number" ? code : code.value);

/** The extensions' attributes and methods (handler-extensions.ts), declared there with their documentation. */
export interface BaseHTTPRequestHandler extends HandlerExtensions {}

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

  // ---- per request ----------------------------------------------------------

  /** Set before `handle_one_request()` returns: `true` when no further request may follow. */
  close_connection = true;
  /**
   * The request line as received, line ending included. (An accessor: over
   * HTTP/2 the line's bytes are made only if read.)
   */
  get raw_requestline(): Buffer {
    const x = this.#x;
    if (x.rawLine !== null) {
      this.#raw = x.rawLine.raw;
      x.rawLine = null;
    }
    return this.#raw;
  }
  set raw_requestline(value: Buffer) {
    this.#x.rawLine = null;
    this.#raw = value;
  }
  #raw: Buffer = EMPTY;
  /** The request line without its line ending; empty when none was parsed. */
  requestline = "";
  /** The method (`"GET"`), or `null` before the request line is parsed. */
  command: string | null = null;
  /** The request target, query included. */
  path = "";
  /** The request's version (`"HTTP/1.1"`). */
  request_version = "";
  /**
   * The request's header fields. Empty for HTTP/0.9. (An accessor: the empty
   * message a handler starts with is made only if read before a request
   * sets its own.)
   */
  get headers(): HTTPMessage {
    return (this.#headers ??= new HTTPMessage());
  }
  set headers(value: HTTPMessage) {
    this.#headers = value;
  }
  #headers: HTTPMessage | null = null;
  /**
   * Extension (not in CPython): the request target in origin form, what a
   * server serves: `path` itself for a `/…` target; the path and query of an
   * absolute-form target (`GET http://host/a?b` → `/a?b`, `/` when it has no
   * path), where `path` stays the whole target as in CPython; `""` for `*`
   * and CONNECT's `host:port`.
   */
  origin_path = "";
  /**
   * Extension (not in CPython): the host the request is for (RFC 9112
   * §3.2.2): the authority of an absolute-form or CONNECT target, else the
   * `Host` field's value, else `null`.
   */
  request_host: string | null = null;

  /** The request in progress: what CPython keeps in private attributes. */
  readonly #x = new Exchange();

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
    // HTTP/2: a stream of a connection (h2-stream.ts), not a socket.
    if ((socket as unknown) instanceof StreamRequest) {
      this.#x.h2 = setupStream(this, socket as unknown as StreamRequest);
      return;
    }
    if (this.disable_nagle_algorithm) socket.setNoDelay(true);
    const reader = new SocketReader(socket);
    reader._timeouts = readTimeouts(this.timeout, this.keep_alive_timeout, this.header_timeout, this.body_timeout);
    const writer = new SocketWriter(socket);
    writer._timeouts = writeTimeouts(this.timeout, this.send_timeout);
    this.rfile = reader;
    this.wfile = writer;
  }

  /**
   * Handles requests until `close_connection` is set.
   *
   * Same behaviour, faster: while `handle_one_request()` is not overridden,
   * the request loop (`request-loop.ts`) runs each request synchronously as
   * far as its parts allow and awaits only what is really pending, so
   * pipelined requests already received are answered in one write.
   */
  handle(): Promise<void> {
    this.close_connection = true;
    if (this.handle_one_request !== BASE_HANDLE_ONE_REQUEST) return handleEach(this);
    try {
      return serveRequests(this, this.#x, false);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Flushes what is left of the response. */
  finish(): Promise<void> {
    if (this.#x.lb) requestEnded(this, bytesWritten(this));
    let flushed: Promise<void>;
    try {
      flushed = this.wfile.flush();
    } catch {
      return RESOLVED;
    }
    // The client may be gone: there is nobody to flush to, and no error to report.
    return flushed === RESOLVED ? RESOLVED : Promise.resolve(flushed).then(undefined, ignore);
  }

  // ---- one request ----------------------------------------------------------

  /** Parses one request and dispatches it to `do_<COMMAND>()`. */
  handle_one_request(): Promise<void> {
    return serveRequests(this, this.#x, true);
  }

  /**
   * Parses `raw_requestline` and the header section into `command`, `path`,
   * `request_version` and `headers`. Resolves `false` after an error response
   * has been sent (or when there is nothing to answer).
   */
  async parse_request(): Promise<boolean> {
    const line = decideRequestLine(this.raw_requestline, this.protocol_version);
    applyLine(this, this.#x, line);
    if (line.error !== undefined) {
      answer(this, line.error);
      return false;
    }
    if (line.empty) return false;
    const reader = this.rfile instanceof SocketReader ? this.rfile : null;
    let headers: HTTPMessage;
    try {
      headers = line.http09 ? new this.MessageClass() : await parse_headers(this.rfile, this.MessageClass, this.max_header_bytes);
      if (line.http09) return acceptHead(this, this.#x, reader, headers, NO_BODY, line.closeConnection);
      this.headers = headers;
      const framing = requestFraming(headers, this.request_version, this.command ?? "");
      const close = requestKeepAlive(line.closeConnection, headers.get("Connection"), this.protocol_version);
      return await acceptHead(this, this.#x, reader, headers, framing, close);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      answer(this, e);
      return false;
    }
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
   * The reply is a bare HTTP/0.9 body, no status line or headers: the request
   * line was parsed and its version is HTTP/0.9 (`GET /path`, or an explicit
   * `HTTP/0.9`), as in CPython. Differs from CPython: a line that could not be
   * parsed gets a status line even though `request_version` is still the
   * default `HTTP/0.9`.
   */
  get #bare(): boolean {
    return this.#x.lineParsed && this.request_version === "HTTP/0.9";
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
      // None is overridden: the same two lines as send_header() would
      // buffer, built once per second (and per server/sys version).
      if (this.#x.h2 !== null) this.#x.h2._serverDate(this.server_version, this.sys_version);
      else this.#x.head += serverDateBlock(this.server_version, this.sys_version);
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
    if (this.#x.h2 !== null) this.#x.h2._status(value, msg);
    else this.#x.head += `${this.protocol_version} ${value} ${msg}\r\n`;
    if (value >= 200) this.#x.status = value;
    if (value === 101 || (this.command === "CONNECT" && value >= 200 && value < 300)) {
      this.#x.switched = true;
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
    if (this.#x.h2 !== null) this.#x.h2._field(keyword, text);
    else this.#x.head += `${keyword}: ${text}\r\n`;
    const n = keyword.length;
    if (n === 10 || n === 14 || n === 17) {
      const lower = keyword.toLowerCase();
      if (lower === "connection") {
        const v = text.toLowerCase();
        if (v === "close") this.close_connection = true;
        else if (v === "keep-alive") this.close_connection = false;
      } else if (lower === "content-length" || lower === "transfer-encoding") {
        this.#x.delimited = true;
      }
    }
  }

  /**
   * Ends the header section and flushes it. Differs from CPython: a final
   * response on a connection that was to stay open, after which the server
   * will close it anyway (no length and a body, a request body left past
   * `max_drain_bytes`, the server closing), gets `Connection: close`
   * (RFC 9112 §9.6), so the client does not pipeline into a closed connection.
   */
  end_headers(): void {
    if (this.#x.h2 !== null) this.#x.h2._endHead();
    else if (!this.#bare) {
      if (!this.close_connection && this.#x.status >= 200 && this.#willClose()) this.#x.head += "Connection: close\r\n";
      this.#x.head += "\r\n";
    }
    this.flush_headers();
  }

  /** The connection cannot be reused after the response being sent (sets `close_connection`). */
  #willClose(): boolean {
    const x = this.#x;
    const status = x.status;
    const unframed = status !== 204 && status !== 304 && this.command !== "HEAD" && !x.delimited;
    if (!x.mustClose && !unframed && this.server._closing !== true) return false;
    // Sent only once: a second header block (after 1xx) finds close_connection set.
    this.close_connection = true;
    return !x.switched;
  }

  /** Writes the buffered status line and headers with one `wfile.write()`. */
  flush_headers(): void {
    if (this.#x.h2 !== null) {
      const sent = this.#x.h2._flushHead(); // HTTP/2: one HEADERS frame (h2-stream.ts)
      if (this.#x.lb) headFlushed(this, sent);
      return;
    }
    const text = this.#x.lb ? drainingHead(this, this.#x.head) : this.#x.head;
    if (text === "") return;
    this.#x.head = "";
    // Most responses repeat the previous head (same status, headers and Date
    // second): reuse its bytes, with our own writer only (see response-head.ts).
    const w = this.wfile;
    const head = w instanceof SocketWriter ? headBytes(text) : Buffer.from(text, "latin1");
    if (this.#x.lb) headFlushed(this, head.length);
    void w.write(head);
  }

  // ---- logging --------------------------------------------------------------

  /** Logs an accepted request: `"GET / HTTP/1.1" 200 -`. */
  log_request(code: StatusCode | string = "-", size: number | string = "-"): void {
    const c = typeof code === "object" ? code.value : code;
    if (this.#x.lb && logRequest(this, String(c), String(size))) return;
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
    writeLog(`${this.address_string()} - - [${this.log_date_time_string()}] ${logMessageText(format, args)}\n`);
  }

  /** `server_version` and `sys_version`, as sent in `Server`. */
  version_string(): string {
    return this.server_version + " " + this.sys_version;
  }

  /** An HTTP date for `timestamp` (seconds since the epoch), now by default. */
  date_time_string(timestamp?: number | null): string {
    return formatHttpDate(timestamp);
  }

  /** The current local time for log lines: `23/Nov/2026 10:00:00`. */
  log_date_time_string(): string {
    return logDateTimeString();
  }

  /** The client's address for log lines. */
  address_string(): string {
    return this.client_address[0];
  }

  static {
    installExtensions(this.prototype, (h) => h.#x);
  }
}

/** `handle()` for a handler that overrides `handle_one_request()`: CPython's loop. */
async function handleEach(h: BaseHTTPRequestHandler): Promise<void> {
  await h.handle_one_request();
  while (!h.close_connection) await h.handle_one_request();
}

const ignore = (): void => {};

const proto = BaseHTTPRequestHandler.prototype;
// Shortcuts (the request loop's, send_response()'s block) are taken while these are not overridden.
const BASE_HANDLE_ONE_REQUEST = proto.handle_one_request;
BASE.handle_one_request = BASE_HANDLE_ONE_REQUEST;
BASE.parse_request = proto.parse_request;
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
proto.sys_version = runtimeToken(); // Node.js/20.19.0, Bun/1.2.0, Deno/2.1.0
proto.server_version = "BaseHTTP/0.6";
proto.error_message_format = DEFAULT_ERROR_MESSAGE;
proto.error_content_type = DEFAULT_ERROR_CONTENT_TYPE;
proto.protocol_version = "HTTP/1.0";
proto.default_request_version = "HTTP/0.9";
proto.MessageClass = HTTPMessage;
proto.responses = Object.fromEntries(RESPONSES) as Responses;
proto.monthname = MONTHNAME;
proto.weekdayname = WEEKDAYNAME;
