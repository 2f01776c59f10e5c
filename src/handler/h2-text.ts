/**
 * The text path of HTTP/2: one stream as the HTTP/1.1 connection a handler
 * that parses its own request head expects (it overrides `parse_request()`
 * or `handle_one_request()`), and the parser of a response head a handler
 * wrote as HTTP/1.x text. Every other handler takes the direct path
 * (h2-stream.ts), which uses only {@link parseResponseHead} from here.
 *
 * Strategy: a translation at the edge of the handler, so that base-handler,
 * the request loop, SimpleHTTPRequestHandler and CGI run unchanged per stream:
 *   - in: the stream's pseudo-headers and fields become an HTTP/1.1 request
 *     head (`:authority` → `Host`), its DATA the body (a body without
 *     `content-length` is framed chunked); the handler's `request_version`
 *     and `requestline` read `HTTP/2.0` (server/http2.ts);
 *   - out: the handler's status line and fields become one HEADERS frame
 *     (lower-cased; connection-specific fields dropped, each logged once per
 *     process), its body DATA frames (a chunked body is decoded; a
 *     `Content-Length` body ends the stream at its last byte).
 * Backpressure: a body write completes when node:http2 has taken the bytes
 * (flow control included), so at most one write is outstanding per stream
 * and a 10 GB file to a slow client never sits in memory. A reset stream
 * destroys the StreamSocket: the handler's next write fails and the file or
 * CGI script it serves is closed.
 */

import { Duplex } from "node:stream";
import type { ServerHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { constants } from "node:http2";
import { ChunkedDecoder } from "../protocol/chunked.js";
import { writeLog } from "../python/log-line.js";

/** The end of a response head: an empty line, CRLF or bare LF. */
const BLANK_LINE = /\r?\n\r?\n/;
/** A handler's response head larger than this is an error (the stream is reset). */
const MAX_RESPONSE_HEAD = 1024 * 1024;

/** The HTTP/1.1 request head for a stream's headers. */
export function requestHead(headers: IncomingHttpHeaders, hasBody: boolean): string {
  const method = String(headers[":method"] ?? "GET");
  const authority = headers[":authority"];
  const target = method === "CONNECT" ? String(authority ?? "") : String(headers[":path"] ?? "");
  let head = `${method} ${target} HTTP/1.1\r\n`;
  if (authority !== undefined) head += `Host: ${authority}\r\n`;
  let length = false;
  for (const name of Object.keys(headers)) {
    if (name.startsWith(":")) continue;
    if (name === "host" && authority !== undefined) continue;
    if (name === "content-length") length = true;
    const value = headers[name];
    if (value === undefined) continue;
    // Cookie crumbs are joined as RFC 9113 §8.2.3 says; others one line each.
    if (Array.isArray(value)) {
      if (name === "cookie") head += `cookie: ${value.join("; ")}\r\n`;
      else for (const v of value) head += `${name}: ${v}\r\n`;
    } else {
      head += `${name}: ${value}\r\n`;
    }
  }
  if (hasBody && !length) head += "Transfer-Encoding: chunked\r\n";
  return head + "\r\n";
}

const enum Out {
  Head,
  Length,
  Chunked,
  UntilClose,
  Done,
}

/** The transport of one stream, seen by the handler as its socket. */
export class StreamSocket extends Duplex {
  readonly #stream: ServerHttp2Stream;
  readonly #head: boolean;
  #chunkedIn: boolean;
  #out = Out.Head;
  #headBuf: Buffer = Buffer.alloc(0);
  #remaining = 0;
  #decoder: ChunkedDecoder | null = null;
  /** Set once the stream's response has ended or the stream was reset. */
  finished = false;
  /** `true` over TLS, as a `TLSSocket`'s. */
  encrypted: boolean;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  timeout: number | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, encrypted: boolean) {
    super({ allowHalfOpen: true });
    this.#stream = stream;
    this.encrypted = encrypted;
    const s = stream.session?.socket;
    this.remoteAddress = s?.remoteAddress;
    this.remotePort = s?.remotePort;
    this.#head = headers[":method"] === "HEAD";
    const hasBody = !stream.readableEnded && !(stream as unknown as { endAfterHeaders?: boolean }).endAfterHeaders;
    this.#chunkedIn = hasBody && headers["content-length"] === undefined;
    this.push(Buffer.from(requestHead(headers, hasBody), "latin1"));
    if (!hasBody) {
      this.push(null);
    } else {
      stream.on("data", (chunk: Buffer) => {
        const ok = this.#chunkedIn ? this.push(Buffer.from(`${chunk.length.toString(16)}\r\n`, "latin1")) && this.push(chunk) && this.push("\r\n") : this.push(chunk);
        if (!ok) stream.pause();
      });
      stream.on("end", () => {
        if (this.#chunkedIn) this.push("0\r\n\r\n");
        this.push(null);
      });
    }
    stream.on("close", () => {
      if (!this.finished) {
        this.finished = true;
        this.destroy();
      }
    });
    stream.on("error", () => {});
  }

  // ---- socket surface used by handlers --------------------------------------

  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }

  override _read(): void {
    this.#stream.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    try {
      this.#take(chunk, cb);
    } catch (e) {
      cb(e as Error);
    }
  }

  override _final(cb: (error?: Error | null) => void): void {
    this.end_response();
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.finished) {
      this.finished = true;
      if (!this.#stream.destroyed) this.#stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
    cb(err);
  }

  /** The handler is done: ends a response delimited by the end of the connection, resets an unfinished one. */
  end_response(): void {
    if (this.finished) return;
    if (this.#out === Out.UntilClose || this.#out === Out.Done) {
      this.finished = true;
      if (!this.#stream.destroyed) this.#stream.end();
      return;
    }
    // No complete response: the stream is reset (RST_STREAM INTERNAL_ERROR).
    this.finished = true;
    if (!this.#stream.destroyed) this.#stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }

  /** Consumes bytes of the handler's HTTP/1.1 response. */
  #take(chunk: Buffer, cb: (error?: Error | null) => void): void {
    let data = chunk;
    while (this.#out === Out.Head) {
      const buf = this.#headBuf.length === 0 ? data : Buffer.concat([this.#headBuf, data]);
      const split = splitResponseHead(buf);
      if (split === null) {
        this.#headBuf = buf;
        cb();
        return;
      }
      this.#headBuf = Buffer.alloc(0);
      this.#respond(split.text);
      data = split.rest;
      if (data.length === 0) {
        cb();
        return;
      }
    }
    const parts: Buffer[] = [];
    if (this.#out === Out.Length) {
      const take = Math.min(this.#remaining, data.length);
      parts.push(data.subarray(0, take));
      this.#remaining -= take;
      if (this.#remaining === 0) this.#out = Out.Done;
    } else if (this.#out === Out.Chunked) {
      const r = this.#decoder!.decode(data);
      parts.push(...r.data);
      if (this.#decoder!.done) this.#out = Out.Done;
    } else if (this.#out === Out.UntilClose) {
      parts.push(data);
    }
    // Out.Done: bytes past the response's end (a HEAD body) are discarded.
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const stream = this.#stream;
    const last = this.#out === Out.Done && !this.finished;
    if (last) this.finished = true;
    if (stream.destroyed || stream.closed) {
      cb();
      return;
    }
    if (body.length === 0) {
      if (last) stream.end();
      cb();
      return;
    }
    if (last) stream.end(body, () => cb());
    else stream.write(body, () => cb());
  }

  /** Sends the HEADERS frame for one parsed response head. */
  #respond(text: string): void {
    const head = parseResponseHead(text);
    const status = head.status;
    const stream = this.#stream;
    if (status < 200) {
      // 100 Continue and other interim responses; 101 has no meaning in HTTP/2.
      if (status !== 101 && !stream.destroyed && !stream.headersSent) stream.additionalHeaders({ ":status": status });
      return;
    }
    const noBody = this.#head || status === 204 || status === 304 || head.length === 0;
    if (noBody) this.#out = Out.Done;
    else if (head.chunked) {
      this.#out = Out.Chunked;
      this.#decoder = new ChunkedDecoder();
    } else if (head.length !== null) {
      this.#out = Out.Length;
      this.#remaining = head.length;
    } else this.#out = Out.UntilClose;
    if (stream.destroyed || stream.closed) return;
    stream.respond(head.fields, { endStream: noBody });
    if (noBody) this.finished = true;
  }
}

/** A response head written as HTTP/1.x text, as HTTP/2 sends it. */
export interface ParsedHead {
  status: number;
  /** `:status` and the fields, names lower-cased, connection-specific ones dropped. */
  fields: OutgoingHttpHeaders;
  /** `Content-Length`, or `null`. */
  length: number | null;
  /** `Transfer-Encoding: chunked` was given: the body that follows is chunked. */
  chunked: boolean;
}

/**
 * Parses a status line and header lines (without the blank line; CRLF or
 * bare LF line ends, as a CGI script may write them).
 */
export function parseResponseHead(text: string): ParsedHead {
  const lines = text.split(/\r?\n/);
  const status = Number(lines[0]!.split(" ")[1]);
  const fields: OutgoingHttpHeaders = { ":status": status };
  let length: number | null = null;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (CONNECTION_SPECIFIC.has(name)) {
      if (name === "transfer-encoding" && value.toLowerCase().includes("chunked")) chunked = true;
      droppedField(name);
      continue;
    }
    if (name === "content-length") length = Number(value);
    const prev = fields[name];
    if (prev === undefined) fields[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else fields[name] = [String(prev), value];
  }
  return { status, fields, length, chunked };
}

/**
 * Splits a response head written as text from the bytes after it; `null`
 * while its blank line has not arrived. A CGI script's own header lines may
 * end in a bare LF, as CPython passes them on.
 * @throws Error past MAX_RESPONSE_HEAD bytes without a blank line.
 */
export function splitResponseHead(buf: Buffer): { text: string; rest: Buffer } | null {
  const m = BLANK_LINE.exec(buf.toString("latin1"));
  if (m === null) {
    if (buf.length > MAX_RESPONSE_HEAD) throw new Error("the handler's response head is too large");
    return null;
  }
  return { text: buf.subarray(0, m.index).toString("latin1"), rest: buf.subarray(m.index + m[0].length) };
}

/** Response fields HTTP/2 forbids (RFC 9113 §8.2.2): never sent, logged once. */
export const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const loggedDrops = new Set<string>();

/** Logs, once per process and field name, that a connection-specific field was not sent. */
export function droppedField(name: string): void {
  if (loggedDrops.has(name)) return;
  loggedDrops.add(name);
  writeLog(`HTTP/2: response field ${name} is connection-specific and not sent (logged once)\n`);
}
