/**
 * One HTTP/2 stream served by an unmodified handler, directly: the request's
 * fields are set from the stream's headers and the response's fields go to
 * `stream.respond()`, with no HTTP/1.1 text in between.
 *
 * Strategy: per stream, three small objects beside the handler —
 *   - {@link StreamRequest}: the handler's `request`/`connection` (the
 *     socket surface handlers use: `close` events, `destroyed`, `encrypted`);
 *   - {@link StreamWriter}: the handler's `wfile` (a `SocketWriter` over the
 *     stream, so writes coalesce and wait for drain as on a socket, and flow
 *     control gives backpressure), which is also the request loop's sink for
 *     the response head: `send_response_only()` / `send_header()` /
 *     `end_headers()` record the status and fields there (base-handler.ts
 *     hooks), and `flush_headers()` sends them as one HEADERS frame;
 *   - `rfile`: a shared empty reader for a stream without a body, else a
 *     `SocketReader` over the stream itself (the same timeouts, `read_body()`,
 *     `iter_body()` and `max_body_size` as over HTTP/1.1).
 * The head is built by {@link streamHead} with the request-line and Host
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

import type { ServerHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { constants } from "node:http2";
import { ChunkedDecoder } from "../protocol/chunked.js";
import { ProtocolError } from "../protocol/errors.js";
import { NO_BODY, type Framing } from "../protocol/framing.js";
import type { HTTPMessage, MessageClassType } from "../protocol/headers.js";
import { HEAD_ERRORS, type RequestHead, type RequestLineResult } from "../protocol/request-head.js";
import { reduceLeadingSlashes } from "../protocol/request-line.js";
import { classifyTarget, isValidHost } from "../protocol/request-target.js";
import { CONNECTION_SPECIFIC, droppedField, parseResponseHead, splitResponseHead } from "./h2-text.js";
import { SocketReader, type ReadTimeouts, type RFile } from "./rfile.js";
import { RESOLVED, SocketWriter, type WriteTimeouts } from "./wfile.js";
import { serverDateBlock } from "./response-head.js";

const EMPTY = Buffer.alloc(0);
// Listener signatures are those of EventEmitter.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** A stream's request head, or why it is refused (answered with `send_error`). */
export interface StreamHead {
  head: RequestHead;
  refusal: ProtocolError | null;
}

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
  writer._timeouts = { timeout: h.timeout, send: h.send_timeout } satisfies WriteTimeouts;
  request._writer = writer;
  h.wfile = writer;
  const framing = bodyFraming(request);
  if (framing.kind === "none") {
    h.rfile = EMPTY_READER;
  } else {
    const reader = new SocketReader((framing.kind === "chunked" ? new ChunkedView(stream) : stream) as never);
    reader._timeouts = { timeout: h.timeout, keepAlive: h.keep_alive_timeout, header: h.header_timeout, body: h.body_timeout } satisfies ReadTimeouts;
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
 * The request head of a stream: the request line as HTTP/1.1 would decide it
 * (`HTTP/2.0`; the target's form checked for the method; `//` reduced), and
 * the fields in arrival order with `:authority` first as `Host` (a `host`
 * field then dropped) and cookie crumbs joined with `; ` (RFC 9113 §8.2.3).
 */
export function streamHead(request: StreamRequest, MessageClass: MessageClassType): StreamHead {
  const h = request._headers;
  const method = h[":method"] ?? "GET";
  const authority = h[":authority"];
  const target = method === "CONNECT" ? (authority ?? "") : (h[":path"] ?? "");
  const requestline = `${method} ${target} HTTP/2.0`;
  const raw = Buffer.from(requestline + "\r\n", "latin1");
  const headers = new MessageClass();
  const form = classifyTarget(method, target);
  if (form === null) {
    const line: RequestLineResult = { raw, requestline, command: null, target: "", path: "", version: "HTTP/2.0", closeConnection: true, accepted: false, http09: false, empty: false };
    return { head: { line, headers, framing: NO_BODY, closeConnection: true }, refusal: HEAD_ERRORS.badTarget(target) };
  }
  const path = reduceLeadingSlashes(target);
  const line: RequestLineResult = {
    raw,
    requestline,
    command: method,
    target,
    path,
    originPath: form.form === "origin" ? path : form.originPath,
    authority: form.authority,
    version: "HTTP/2.0",
    closeConnection: false,
    accepted: true,
    http09: false,
    empty: false,
  };
  addFields(headers, request._raw, authority);
  // The stream ends after this request, the connection does not: the
  // handler sees a persistent connection, as for an HTTP/1.1 request.
  const head: RequestHead = { line, headers, framing: bodyFraming(request), closeConnection: false };
  const refusal = authority !== undefined && !validHost(authority) ? HEAD_ERRORS.badHost(authority) : null;
  return { head, refusal };
}

/** The last `:authority` found valid: a connection's streams repeat it. */
let lastValidHost = "";
function validHost(authority: string): boolean {
  if (authority === lastValidHost) return true;
  if (!isValidHost(authority)) return false;
  lastValidHost = authority;
  return true;
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

/** `serverDateBlock()`'s last text, and its two values. */
let lastBlock = "";
let lastServer = "";
let lastDate = "";

const enum Out {
  /** No head sent: fields may be recorded; a write is HTTP/1.x text. */
  Head,
  /** A head flushed before its end: more of it arrives as text. */
  Text,
  Length,
  Chunked,
  UntilEnd,
  /** The response is complete: bytes written now are dropped. */
  Done,
}

/** `wfile` of a stream, and the sink of its response head. Internal members start with `_`. */
export class StreamWriter extends SocketWriter implements StreamExchange {
  readonly #stream: ServerHttp2Stream;
  readonly #request: StreamRequest;
  readonly #headRequest: boolean;
  #out = Out.Head;
  /** The head being recorded: `:status` and fields; `null` when none is. */
  #fields: OutgoingHttpHeaders | null = null;
  #message = "";
  #complete = false;
  /** Bytes the head would take as HTTP/1.1 text (counted as written when it is sent). */
  #headSize = 0;
  #length: number | null = null;
  #chunked = false;
  #remaining = 0;
  #decoder: ChunkedDecoder | null = null;
  #text: Buffer = EMPTY;
  #took = false;
  #ended = false;

  constructor(stream: ServerHttp2Stream, request: StreamRequest, headRequest: boolean) {
    super(stream as never);
    this.#stream = stream;
    this.#request = request;
    this.#headRequest = headRequest;
  }

  _takeHead(MessageClass: MessageClassType): StreamHead | null {
    if (this.#took) return null;
    this.#took = true;
    return streamHead(this.#request, MessageClass);
  }

  // ---- the response head (base-handler hooks) ------------------------------

  _status(code: number, message: string): void {
    this.#fields = { ":status": code };
    this.#message = message;
    this.#complete = false;
    this.#headSize = 15 + message.length;
    this.#length = null;
    this.#chunked = false;
  }

  _field(name: string, value: string): void {
    let fields = this.#fields;
    if (fields === null) {
      // A field before any status: kept for a head flushed as text.
      fields = this.#fields = {};
      this.#message = "";
    }
    this.#headSize += name.length + value.length + 4;
    const key = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(key)) {
      if (key === "transfer-encoding" && value.toLowerCase().includes("chunked")) this.#chunked = true;
      droppedField(key);
      return;
    }
    if (key === "content-length") this.#length = Number(value);
    const prev = fields[key];
    if (prev === undefined) fields[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else fields[key] = [String(prev), value];
  }

  _serverDate(server: string, sys: string): void {
    const block = serverDateBlock(server, sys); // checked, and cached per second
    if (block !== lastBlock) {
      lastBlock = block;
      const lines = block.split("\r\n");
      lastServer = lines[0]!.slice(8);
      lastDate = lines[1]!.slice(6);
    }
    const fields = (this.#fields ??= {});
    fields["server"] = lastServer;
    fields["date"] = lastDate;
    this.#headSize += block.length;
  }

  _endHead(): void {
    this.#complete = true;
  }

  _discardHead(): void {
    this.#fields = null;
  }

  _flushHead(): number {
    const fields = this.#fields;
    if (fields === null) return 0;
    this.#fields = null;
    if (this.#out !== Out.Head) return 0; // a second final head: dropped, as the text path drops bytes past a response
    const status = fields[":status"];
    if (this.#complete && typeof status === "number") {
      this.#respond(status, fields, this.#length, this.#chunked);
      return this.#headSize;
    }
    // Flushed before its end (or without a status): the rest of the head comes as text.
    let text = typeof status === "number" ? `HTTP/1.1 ${status} ${this.#message}\r\n` : "";
    for (const name of Object.keys(fields)) {
      if (name === ":status") continue;
      const v = fields[name]!;
      if (Array.isArray(v)) for (const one of v) text += `${name}: ${one}\r\n`;
      else text += `${name}: ${String(v)}\r\n`;
    }
    if (this.#chunked) text += "transfer-encoding: chunked\r\n";
    this.#text = Buffer.from(text, "latin1");
    this.#out = Out.Text;
    return 0;
  }

  /** Sends the HEADERS frame (or an interim response) and sets how the body ends. */
  #respond(status: number, fields: OutgoingHttpHeaders, length: number | null, chunked: boolean): void {
    const stream = this.#stream;
    this._bytesWritten += this.#headSize;
    if (status < 200) {
      // 100 Continue and other interim responses; 101 has no meaning in HTTP/2.
      if (status !== 101 && !stream.destroyed && !stream.headersSent) stream.additionalHeaders({ ":status": status });
      this.#out = Out.Head;
      return;
    }
    const noBody = this.#headRequest || status === 204 || status === 304 || length === 0;
    if (noBody) this.#out = Out.Done;
    else if (chunked) {
      this.#out = Out.Chunked;
      this.#decoder = new ChunkedDecoder();
    } else if (length !== null) {
      this.#out = Out.Length;
      this.#remaining = length;
    } else this.#out = Out.UntilEnd;
    if (stream.destroyed || stream.closed) return;
    stream.respond(fields, { endStream: noBody });
    if (noBody) this.#ended = true;
  }

  // ---- the body -------------------------------------------------------------

  override write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    switch (this.#out) {
      case Out.Length: {
        const n = bytes.byteLength;
        if (n < this.#remaining) {
          this.#remaining -= n;
          return super.write(bytes);
        }
        const last = n === this.#remaining ? bytes : bytes.subarray(0, this.#remaining);
        this.#remaining = 0;
        this.#out = Out.Done;
        this._bytesWritten += n - last.byteLength;
        const p = last.byteLength > 0 ? super.write(last) : RESOLVED;
        this.#finishStream();
        return p;
      }
      case Out.UntilEnd:
        return super.write(bytes);
      case Out.Chunked:
        return this.#writeChunked(bytes);
      case Out.Done:
        this._bytesWritten += bytes.byteLength;
        return RESOLVED;
      default:
        return this.#writeText(bytes);
    }
  }

  #writeChunked(bytes: Uint8Array): Promise<void> {
    const decoder = this.#decoder!;
    const r = decoder.decode(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    let p = RESOLVED;
    let decoded = 0;
    for (const part of r.data) {
      decoded += part.length;
      p = super.write(part);
    }
    this._bytesWritten += bytes.byteLength - decoded;
    if (decoder.done) {
      this.#out = Out.Done;
      this.#finishStream();
    }
    return p;
  }

  /** Bytes of an HTTP/1.x head the handler writes itself, then what follows it. */
  #writeText(bytes: Uint8Array): Promise<void> {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const buf = this.#text.length === 0 ? chunk : Buffer.concat([this.#text, chunk]);
    let split;
    try {
      split = splitResponseHead(buf);
    } catch (e) {
      return Promise.reject(e);
    }
    if (split === null) {
      this.#text = buf;
      this._bytesWritten += bytes.byteLength;
      return RESOLVED;
    }
    this.#text = EMPTY;
    this._bytesWritten += bytes.byteLength - split.rest.length;
    const parsed = parseResponseHead(split.text);
    this.#headSize = 0;
    this.#respond(parsed.status, parsed.fields, parsed.length, parsed.chunked);
    return split.rest.length > 0 ? this.write(split.rest) : RESOLVED;
  }

  /** The body is complete: what is queued leaves with END_STREAM. */
  #finishStream(): void {
    if (this.#ended) return;
    this.#ended = true;
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return;
    void this.flush();
    stream.end();
  }

  /** The handler is done: ends a body delimited by its end; resets a response cut short. */
  _end(): void {
    if (this.#ended) return;
    const stream = this.#stream;
    if (this.#out === Out.UntilEnd) {
      this.#finishStream();
      return;
    }
    this.#ended = true;
    if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}
