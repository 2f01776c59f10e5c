/**
 * One HTTP/2 stream served by an unmodified handler, directly: the request's
 * fields are set from the stream's headers and the response's fields go to
 * `stream.respond()`, with no HTTP/1.1 text in between.
 *
 * Strategy: per stream, three small objects beside the handler —
 *   - {@link StreamRequest}: the handler's `request`/`connection` (the
 *     socket surface handlers use: `close` events, `destroyed`, `encrypted`);
 *   - {@link StreamWriter} (h2-writer.ts): the handler's `wfile` (a `SocketWriter` over the
 *     stream, so writes coalesce and wait for drain as on a socket, and flow
 *     control gives backpressure), which is also the request loop's sink for
 *     the response head: `send_response_only()` / `send_header()` /
 *     `end_headers()` record the status and fields there (base-handler.ts
 *     hooks), and `flush_headers()` sends them as one HEADERS frame;
 *   - `rfile`: a shared empty reader for a stream without a body, else a
 *     `SocketReader` over the stream itself (the same timeouts, `read_body()`,
 *     `iter_body()` and `max_body_size` as over HTTP/1.1).
 * The head ({@link StreamHead}) is built with the request-line and Host
 * checks of the HTTP/1.1 path (`request-target.ts`) and goes through the
 * request loop's steps 2–5 (request-loop.ts `serveStream`).
 *
 * Response fields: names lower-cased; connection-specific ones (RFC 9113
 * §8.2.2) dropped and logged once per process. A head flushed without
 * `end_headers()` (CGI's "Script output follows", whose script writes the
 * rest of the head), or bytes written to `wfile` before any head, switch the
 * stream to text: the HTTP/1.x head that arrives is parsed
 * (`parseResponseHead`, h2-text.ts) and sent as the HEADERS frame. After the
 * head, a `Content-Length` body ends the stream at its last byte (bytes past
 * it are dropped), a chunked body (`Transfer-Encoding: chunked` sent, the
 * handler writing chunks) is decoded, and a body without either ends when
 * the handler is done. A response that is cut short (fewer bytes than its
 * length, an unfinished chunked body, no head at all) resets the stream.
 */

import type { ServerHttp2Stream, IncomingHttpHeaders } from "node:http2";
import { constants } from "node:http2";
import type { ProtocolError } from "../protocol/errors.js";
import { NO_BODY, type Framing } from "../protocol/framing.js";
import type { HTTPMessage, MessageClassType } from "../protocol/headers.js";
import { HEAD_ERRORS, type RequestLineResult } from "../protocol/request-head.js";
import { reduceLeadingSlashes } from "../protocol/request-line.js";
import { classifyTarget, isValidHost } from "../protocol/request-target.js";
import { StreamWriter } from "./h2-writer.js";
import { readTimeouts, SocketReader, type RFile } from "./rfile.js";
import { writeTimeouts } from "./wfile.js";

const EMPTY = Buffer.alloc(0);
// Listener signatures are those of EventEmitter.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** What the request loop and base-handler need of an HTTP/2 stream (`Exchange.h2`). */
export interface StreamExchange {
  /** The request head, once: `null` after the first call. */
  _takeHead(MessageClass: MessageClassType): StreamHead | null;
  /** `send_response_only()`: a new head with this status. */
  _status(code: number, message: string): void;
  /** `send_header()`. */
  _field(name: string, value: string): void;
  /** `send_response()`'s `Server` and `Date` fields, when neither they nor `send_header()` are overridden. */
  _serverDate(server: string, sys: string): void;
  /** `end_headers()`: the head is complete. */
  _endHead(): void;
  /** `flush_headers()`: sends the head recorded so far; returns the bytes counted for it (its size as HTTP/1.1 text), 0 if none was sent. */
  _flushHead(): number;
  /** A head recorded and not flushed is dropped (an error page replaces it). */
  _discardHead(): void;
}

/** The handler's `request` and `connection` for one stream: the socket surface handlers use. */
export class StreamRequest {
  readonly stream: ServerHttp2Stream;
  /** `true` over TLS, as a `TLSSocket`'s. */
  readonly encrypted: boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The headers node:http2 received (raw: names and values alternating, in order). */
  readonly _headers: IncomingHttpHeaders;
  readonly _raw: string[];
  /** Set by the handler's `setup()`. */
  _writer: StreamWriter | null = null;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: string[], encrypted: boolean, client: [string, number]) {
    this.stream = stream;
    this._headers = headers;
    this._raw = raw;
    this.encrypted = encrypted;
    this.remoteAddress = client[0];
    this.remotePort = client[1];
  }

  /** The stream's request head, for the writer that takes it once. */
  _head(MessageClass: MessageClassType): StreamHead {
    return new StreamHead(this, MessageClass);
  }

  get destroyed(): boolean {
    return this.stream.destroyed;
  }
  get writableLength(): number {
    return this.stream.writableLength;
  }
  on(event: string, listener: (...args: any[]) => void): this {
    this.stream.on(event, listener);
    return this;
  }
  once(event: string, listener: (...args: any[]) => void): this {
    this.stream.once(event, listener);
    return this;
  }
  off(event: string, listener: (...args: any[]) => void): this {
    this.stream.off(event, listener);
    return this;
  }
  removeListener(event: string, listener: (...args: any[]) => void): this {
    return this.off(event, listener);
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  /** Resets the stream (RST_STREAM INTERNAL_ERROR); the connection and its other streams live on. */
  destroy(): this {
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return this;
  }

  /** The handler is done: ends its response, or resets a response cut short. */
  _end(): void {
    if (this._writer !== null) this._writer._end();
    else if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}

/** `rfile` of a stream without a body: always at its end. Stateless, shared. */
class EmptyReader implements RFile {
  read(): Promise<Buffer> {
    return Promise.resolve(EMPTY);
  }
  read1(): Promise<Buffer> {
    return Promise.resolve(EMPTY);
  }
  readline(): Promise<Buffer> {
    return Promise.resolve(EMPTY);
  }
  readlines(): Promise<Buffer[]> {
    return Promise.resolve([]);
  }
}
const EMPTY_READER = new EmptyReader();

/**
 * A stream's DATA as a connection carrying a chunked body, for a request
 * body without `content-length`: the reader then applies its chunked
 * framing (end, `max_body_size`, timeouts) to the stream's end.
 */
class ChunkedView {
  readonly #stream: ServerHttp2Stream;
  constructor(stream: ServerHttp2Stream) {
    this.#stream = stream;
  }
  // The reader's listeners are shared functions that find it through `this`
  // (rfile.ts), so each is called with this view as `this`.
  on(event: string, listener: (this: ChunkedView, chunk?: Buffer) => void): this {
    if (event === "data") {
      this.#stream.on("data", (chunk: Buffer) => {
        listener.call(this, Buffer.from(`${chunk.length.toString(16)}\r\n`, "latin1"));
        listener.call(this, chunk);
        listener.call(this, CRLF);
      });
      this.#stream.on("end", () => listener.call(this, LAST_CHUNK));
    } else {
      this.#stream.on(event, (arg?: Buffer) => listener.call(this, arg));
    }
    return this;
  }
  pause(): void {
    this.#stream.pause();
  }
  resume(): void {
    this.#stream.resume();
  }
}
const CRLF = Buffer.from("\r\n", "latin1");
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");

/** What `setupStream()` reads of the handler. */
interface StreamHandler {
  rfile: RFile;
  wfile: unknown;
  timeout: number | null;
  keep_alive_timeout: number;
  header_timeout: number;
  body_timeout: number;
  send_timeout: number;
}

/**
 * The handler's `setup()` for a stream: `rfile`, `wfile`; returns the
 * writer, which the handler's exchange keeps as its `h2`.
 */
export function setupStream(h: StreamHandler, request: StreamRequest): StreamWriter {
  const stream = request.stream;
  const headers = request._headers;
  const writer = new StreamWriter(stream, request, headers[":method"] === "HEAD");
  writer._timeouts = writeTimeouts(h.timeout, h.send_timeout);
  request._writer = writer;
  h.wfile = writer;
  const framing = bodyFraming(request);
  if (framing.kind === "none") {
    h.rfile = EMPTY_READER;
  } else {
    const reader = new SocketReader((framing.kind === "chunked" ? new ChunkedView(stream) : stream) as never);
    reader._timeouts = readTimeouts(h.timeout, h.keep_alive_timeout, h.header_timeout, h.body_timeout);
    reader._beginBody(framing);
    h.rfile = reader;
  }
  return writer;
}

/** The request body's framing: none (END_STREAM on HEADERS), its `content-length`, or chunked (to the stream's end). */
function bodyFraming(request: StreamRequest): Framing {
  if (request.stream.endAfterHeaders) return NO_BODY;
  const length = request._headers["content-length"];
  // nghttp2 has checked the value (digits) and that the DATA add up to it.
  return length === undefined ? CHUNKED : { kind: "length", length: Number(length) };
}
const CHUNKED: Framing = Object.freeze({ kind: "chunked" });

/**
 * The request head of a stream, as the request loop puts it on the handler:
 * the request line as HTTP/1.1 would decide it (`HTTP/2.0`; the target's
 * form checked for the method; `//` reduced), and the fields in arrival
 * order with `:authority` first as `Host` (a `host` field then dropped) and
 * cookie crumbs joined with `; ` (RFC 9113 §8.2.3). One object per stream:
 * it is its own `RequestLineResult`, and `raw` (the line as HTTP/1.1 bytes)
 * is built only when read.
 */
export class StreamHead implements RequestLineResult {
  readonly requestline: string;
  /** `null` when the target is refused. */
  readonly command: string | null;
  readonly target: string;
  readonly path: string;
  readonly originPath: string | undefined;
  readonly authority: string | null | undefined;
  readonly version = "HTTP/2.0";
  /** The stream ends after this request, the connection does not: a persistent connection, as for an HTTP/1.1 request. */
  readonly closeConnection: boolean;
  readonly accepted: boolean;
  readonly http09 = false;
  readonly empty = false;
  readonly headers: HTTPMessage;
  readonly framing: Framing;
  /** Why the request is refused (answered with `send_error`), or `null`. */
  readonly refusal: ProtocolError | null;
  #raw: Buffer | null = null;

  constructor(request: StreamRequest, MessageClass: MessageClassType) {
    const h = request._headers;
    const method = h[":method"] ?? "GET";
    const authority = h[":authority"];
    const target = method === "CONNECT" ? (authority ?? "") : (h[":path"] ?? "");
    this.requestline = `${method} ${target} HTTP/2.0`;
    this.headers = new MessageClass();
    const form = classifyTarget(method, target);
    if (form === null) {
      this.command = null;
      this.target = "";
      this.path = "";
      this.originPath = undefined;
      this.authority = undefined;
      this.closeConnection = true;
      this.accepted = false;
      this.framing = NO_BODY;
      this.refusal = HEAD_ERRORS.badTarget(target);
      return;
    }
    const path = reduceLeadingSlashes(target);
    this.command = method;
    this.target = target;
    this.path = path;
    this.originPath = form.form === "origin" ? path : form.originPath;
    this.authority = form.authority;
    this.closeConnection = false;
    this.accepted = true;
    addFields(this.headers, request._raw, authority);
    this.framing = bodyFraming(request);
    this.refusal = authority !== undefined && !isValidHost(authority) ? HEAD_ERRORS.badHost(authority) : null;
  }

  get raw(): Buffer {
    return (this.#raw ??= Buffer.from(this.requestline + "\r\n", "latin1"));
  }
}

function addFields(message: HTTPMessage, raw: string[], authority: string | undefined): void {
  if (authority !== undefined) message.add_header("Host", authority);
  let cookie: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 0x3a) continue; // a pseudo-header
    if (name === "cookie") cookie = cookie === null ? raw[i + 1]! : `${cookie}; ${raw[i + 1]!}`;
    else if (name !== "host" || authority === undefined) message.add_header(name, raw[i + 1]!);
  }
  if (cookie !== null) message.add_header("cookie", cookie);
}
