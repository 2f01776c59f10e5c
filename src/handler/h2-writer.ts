/**
 * The response side of an HTTP/2 stream (h2-stream.ts has the request side):
 * `StreamWriter` is the handler's `wfile` and the sink of its response head.
 *
 * Strategy: `send_response_only()` / `send_header()` / `end_headers()` record
 * `:status` and lower-cased fields here (base-handler.ts hooks) and
 * `flush_headers()` sends them as one `stream.respond()`; connection-specific
 * fields are dropped and logged once. Bytes written before a head, or after a
 * head flushed before its end, are HTTP/1.x text, parsed (h2-text.ts) into the
 * HEADERS frame. After the head, the body is DATA: a `Content-Length` body
 * ends the stream at its last byte, a chunked one is decoded, any other ends
 * when the handler is done; a response cut short resets the stream. Being a
 * `SocketWriter` over the stream, writes coalesce and wait for drain as on a
 * socket, so flow control gives backpressure.
 */

import type { ServerHttp2Stream, OutgoingHttpHeaders } from "node:http2";
import { lowerName, type MessageClassType } from "../protocol/headers.js";
import { constants } from "node:http2";
import { ChunkedDecoder } from "../protocol/chunked.js";
import type { StreamExchange, StreamHead, StreamRequest } from "./h2-stream.js";
import { CONNECTION_SPECIFIC, droppedField, parseResponseHead, splitResponseHead } from "./h2-text.js";
import { serverDateBlock } from "./response-head.js";
import { RESOLVED, SocketWriter } from "./wfile.js";

const EMPTY = Buffer.alloc(0);

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
    return this.#request._head(MessageClass);
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
    const key = lowerName(name);
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
        if (this.#fitsAtOnce(last)) return this.#endWith(last, n);
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

  /**
   * Whether `last` can leave at once, as the queue would send it: nothing
   * is queued or waiting for drain, the stream is open, and the write stays
   * below its high-water mark (so the queue's flush would not wait either).
   */
  #fitsAtOnce(last: Uint8Array): boolean {
    const stream = this.#stream;
    return (
      this._pending === 0 &&
      !this._congested &&
      !stream.destroyed &&
      !stream.writableEnded &&
      stream.writableLength + last.byteLength < stream.writableHighWaterMark
    );
  }

  /**
   * The last bytes of a `Content-Length` body that fit at once
   * ({@link #fitsAtOnce}): they leave with END_STREAM (`stream.end(last)`),
   * without the queue. `n`: the bytes written, counted whole as through the
   * queue (those past the length are dropped).
   */
  #endWith(last: Uint8Array, n: number): Promise<void> {
    const stream = this.#stream;
    this.#remaining = 0;
    this.#out = Out.Done;
    this.#ended = true;
    this._bytesWritten += n;
    if (!stream.closed) stream.end(last);
    return RESOLVED;
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
