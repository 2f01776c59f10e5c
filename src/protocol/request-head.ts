/**
 * The request-head reader: bytes of a receive buffer in, one request head
 * out — request line, header fields, body framing and what the request says
 * about keep-alive — or "need more bytes" (`null`), or a {@link ProtocolError}
 * carrying the status to answer. Sans-IO: the caller owns the socket, the
 * waits and the timeouts, and calls `read()` again when more bytes arrive.
 *
 * Strategy (h11's `_readers.py`, Go's `readRequest`): one resumable reader
 * per request, in numbered steps; each step consumes whole lines from the
 * buffer, so a slow drip costs linear time and a refused head leaves the rest
 * unread.
 *   1. The request line: empty lines before it are skipped (RFC 9112 §2.2;
 *      at most MAX_REQUEST_LINE bytes of them, then 400), then one line of
 *      at most MAX_REQUEST_LINE bytes, LF included (CPython's
 *      `readline(65537)`); a longer one → 414. Bytes that cannot start a
 *      request line (a TLS ClientHello, binary garbage: `request-target.ts`)
 *      → 400 as soon as they arrive, not at a line end that may never come.
 *      At end of stream the bytes so far are the line (empty: nothing to answer).
 *   2. The line decided as CPython 3.14's `parse_request` does
 *      (`request-line.ts`): no words → nothing to answer, close; a bad
 *      version → 400; 2.0 or later → 505; a word count or control byte we
 *      refuse → 400; a two-word line is HTTP/0.9 and only knows GET (→ 400).
 *      HTTP/0.9 ends here: no header section is read, the reply is the bare
 *      body (answered without waiting for more bytes).
 *      The request target must have one of RFC 9112 §3.2's forms for its
 *      method (`request-target.ts`): origin-form, absolute-form, authority-form
 *      for CONNECT only, `*` for OPTIONS only; a two-word (HTTP/0.9) line's
 *      target must be a path. Anything else → 400.
 *   3. The header section (`headers.ts`): CPython's line and count limits
 *      and our total (431), our strictness (400). EOF ends the section.
 *      More than one `Host` field, or a value that is not `uri-host
 *      [":" port]` → 400; a missing one is served (as CPython does).
 *   4. The body framing (`framing.ts`): 400 / 501 for what is ambiguous or
 *      unsupported.
 *   5. Keep-alive as the request asks it (`requestKeepAlive`).
 *      A `close` option in any `Connection` field line closes.
 * Every status a malformed head gets is in {@link HEAD_ERRORS} (steps 1–2,
 * and the 501 for a method the handler lacks) or thrown by the module of
 * step 3 (431, 400) or 4 (400, 501); the messages are CPython's.
 */

import { ProtocolError, type ProtocolErrorCode } from "./errors.js";
import { NO_BODY, requestFraming, type Framing } from "./framing.js";
import { HeaderReader, HTTPMessage, type MessageClassType } from "./headers.js";
import { MAX_HEADER_BYTES, MAX_REQUEST_LINE } from "./limits.js";
import type { ReceiveBuffer } from "./receive-buffer.js";
import { parseRequestLine, reduceLeadingSlashes, stripLineEnd } from "./request-line.js";
import { classifyTarget, connectionHas, isValidHost, RequestLineScanner } from "./request-target.js";
import { RESPONSES } from "./status.js";
import { pyRepr } from "../python/repr.js";

/**
 * What the request line decided: the values `parse_request` sets on the
 * handler (`raw_requestline`, `requestline`, `command`, `path`,
 * `request_version`, `close_connection`), also when the line is refused.
 */
export interface RequestLineResult {
  /** The line as received, line ending included. */
  readonly raw: Buffer;
  /** The line without its line ending; `""` for a line past the limit. */
  readonly requestline: string;
  /** The method; `null` when the line was refused (or had no words), `""` past the limit. */
  readonly command: string | null;
  /** The target as received (`""` unless accepted). */
  readonly target: string;
  /** The target with leading `//` reduced to `/` (gh-87389): the handler's `path`. */
  readonly path: string;
  /**
   * The path (and query) to serve: `path` for an origin-form target, the
   * path of an absolute-form one (`/` when it has none), `""` for `*` and
   * authority-form. Set when the line was accepted.
   */
  readonly originPath?: string;
  /** The authority (`host[:port]`) of an absolute- or authority-form target, else `null`. Set when the line was accepted. */
  readonly authority?: string | null;
  /**
   * `request_version`: the line's version; `null` when the line gave none
   * (HTTP/0.9, or refused before its version was read): the handler's
   * `default_request_version` then. `""` past the limit.
   */
  readonly version: string | null;
  /** `close_connection` as the version alone decides it. */
  readonly closeConnection: boolean;
  /** `true` when the line was accepted. */
  readonly accepted: boolean;
  /** A two-word line: HTTP/0.9, no header section, a bare reply. */
  readonly http09: boolean;
  /** No words, or end of stream before any byte: nothing to answer; close. */
  readonly empty: boolean;
  /** Set when the line is refused. */
  readonly error?: ProtocolError;
}

/** A complete request head. */
export interface RequestHead {
  readonly line: RequestLineResult;
  /** The header fields (empty for HTTP/0.9), in the handler's `MessageClass`. */
  readonly headers: HTTPMessage;
  /** The body framing (none for HTTP/0.9). */
  readonly framing: Framing;
  /** `close_connection` as the request decides it: version, then `Connection`. */
  readonly closeConnection: boolean;
}

/**
 * Every status a malformed request line gets (steps 1–2), with CPython's
 * message; `detail` is the offending text. Header-section statuses (431,
 * 400) are thrown by `headers.ts`, framing statuses (400, 501) by `framing.ts`.
 */
export const HEAD_ERRORS = {
  /** Step 1: no LF within MAX_REQUEST_LINE bytes (CPython: `send_error(414)`). */
  lineTooLong: (): ProtocolError => error(414, "ERR_REQUEST_LINE_TOO_LONG", RESPONSES.get(414)![0]),
  /** Step 2: a last word that is not `HTTP/<digits>.<digits>`. */
  badVersion: (detail: string): ProtocolError => error(400, "ERR_BAD_REQUEST_VERSION", `Bad request version (${pyRepr(detail)})`),
  /** Step 2: HTTP/2.0 or later on an HTTP/1 connection. */
  unsupportedVersion: (detail: string): ProtocolError => error(505, "ERR_UNSUPPORTED_VERSION", `Invalid HTTP version (${detail})`),
  /** Step 2: not two or three words, or a control byte inside one. */
  badSyntax: (detail: string): ProtocolError => error(400, "ERR_BAD_REQUEST_SYNTAX", `Bad request syntax (${pyRepr(detail)})`),
  /**
   * Step 1: a line whose first byte that is not whitespace is a control byte
   * or not ASCII (a TLS ClientHello, binary garbage). Fixed text: it is sent
   * as soon as that byte arrives, whatever follows.
   */
  notHttp: (): ProtocolError => error(400, "ERR_BAD_REQUEST_SYNTAX", "Bad request syntax (not an HTTP request line)"),
  /** Step 1: more than MAX_REQUEST_LINE bytes of empty lines before the request line. */
  tooManyEmptyLines: (): ProtocolError => error(400, "ERR_BAD_REQUEST_SYNTAX", "Bad request syntax (too many empty lines)"),
  /** Step 2: a target of no form allowed for the method (RFC 9112 §3.2). */
  badTarget: (detail: string): ProtocolError => error(400, "ERR_BAD_REQUEST_TARGET", `Bad request target (${pyRepr(detail)})`),
  /** Step 3: more than one Host field line. */
  repeatedHost: (): ProtocolError => error(400, "ERR_BAD_HOST", "Bad request: more than one Host field"),
  /** Step 3: a Host value that is not uri-host [":" port]. */
  badHost: (detail: string): ProtocolError => error(400, "ERR_BAD_HOST", `Bad Host field (${pyRepr(detail)})`),
  /** Step 2: HTTP/0.9 with a method other than GET. */
  badHttp09Method: (detail: string): ProtocolError => error(400, "ERR_BAD_HTTP09_METHOD", `Bad HTTP/0.9 request type (${pyRepr(detail)})`),
  /** After the head: the handler has no `do_<method>()` (decided by the request loop). */
  unsupportedMethod: (method: string): ProtocolError => error(501, "ERR_UNSUPPORTED_METHOD", `Unsupported method (${pyRepr(method)})`),
} as const;

function error(status: number, code: ProtocolErrorCode, reason: string): ProtocolError {
  return new ProtocolError(status, code, reason);
}

/** Step 1: takes the request line from `rb`; `null` while it is incomplete. */
export function takeRequestLine(rb: ReceiveBuffer, eof: boolean): Buffer | null {
  const line = rb.takeLine(MAX_REQUEST_LINE + 1);
  if (line !== null) return line;
  return eof ? rb.take(rb.length) : null;
}

/**
 * Step 2: decides a request line as received (line ending included).
 * Never throws for bad input: a refused line carries its `error`.
 * @param protocolVersion the handler's `protocol_version`, which decides persistence.
 */
export function decideRequestLine(raw: Buffer, protocolVersion: string): RequestLineResult {
  if (raw.length > MAX_REQUEST_LINE) {
    return refused(raw, "", "", "", true, HEAD_ERRORS.lineTooLong());
  }
  if (raw.length === 0) {
    return { raw, requestline: "", command: null, target: "", path: "", version: null, closeConnection: true, accepted: false, http09: false, empty: true };
  }
  const requestline = stripLineEnd(raw.toString("latin1"));
  const line = parseRequestLine(requestline, protocolVersion);
  const version = line.version ?? null;
  const close = line.closeConnection;
  const e = line.error;
  if (e !== undefined) {
    switch (e.kind) {
      case "empty":
        return { raw, requestline, command: null, target: "", path: "", version, closeConnection: close, accepted: false, http09: false, empty: true };
      case "version":
        return refused(raw, requestline, null, version, close, HEAD_ERRORS.badVersion(e.detail));
      case "unsupported-version":
        return refused(raw, requestline, null, version, close, HEAD_ERRORS.unsupportedVersion(e.detail));
      case "syntax":
        return refused(raw, requestline, null, version, close, HEAD_ERRORS.badSyntax(e.detail));
      case "http09-method":
        return refused(raw, requestline, null, version, close, HEAD_ERRORS.badHttp09Method(e.detail));
    }
  }
  const target = line.words[1]!;
  const command = line.words[0]!;
  const http09 = line.words.length === 2;
  // RFC 9112 §3.2: a form allowed for the method; HTTP/0.9 knows only paths.
  const form = http09 && target.charCodeAt(0) !== 0x2f ? null : classifyTarget(command, target);
  if (form === null) return refused(raw, requestline, null, version, close, HEAD_ERRORS.badTarget(target));
  const path = reduceLeadingSlashes(target);
  return {
    raw,
    requestline,
    command,
    target,
    path,
    originPath: form.form === "origin" ? path : form.originPath,
    authority: form.authority,
    version,
    closeConnection: close,
    accepted: true,
    http09,
    empty: false,
  };
}

function refused(
  raw: Buffer,
  requestline: string,
  command: string | null,
  version: string | null,
  closeConnection: boolean,
  err: ProtocolError,
): RequestLineResult {
  return { raw, requestline, command, target: "", path: "", version, closeConnection, accepted: false, http09: false, empty: false, error: err };
}

/**
 * Step 5: whether the request lets the connection live on, before the
 * handler has a say (CPython's `parse_request`): HTTP/1.1 or later on a
 * server speaking HTTP/1.1 keeps it; a `close` option in any `Connection`
 * field line closes it (RFC 9110 §7.6.1: a list, in as many lines as the
 * client likes, case-insensitive; CPython compares the first field's whole
 * value); a `keep-alive` option keeps it on a server speaking HTTP/1.1.
 * @param versionClose `closeConnection` of the request line.
 * @param connection every `Connection` field value (CPython passed the first only).
 * @returns `close_connection`.
 */
export function requestKeepAlive(versionClose: boolean, connection: string | readonly string[] | undefined, protocolVersion: string): boolean {
  if (connection === undefined) return versionClose;
  const values = typeof connection === "string" ? [connection] : connection;
  if (values.length === 0) return versionClose;
  if (connectionHas(values, "close")) return true;
  if (protocolVersion >= "HTTP/1.1" && connectionHas(values, "keep-alive")) return false;
  return versionClose;
}

/** Options of a {@link RequestHeadReader}: the handler's attributes that shape a head. */
export interface RequestHeadOptions {
  /** The handler's `protocol_version`. */
  readonly protocolVersion: string;
  /** The handler's `default_request_version` (HTTP/0.9 requests keep it). */
  readonly defaultVersion: string;
  /** The handler's `MessageClass`. */
  readonly MessageClass?: MessageClassType;
  /** The handler's `max_header_bytes`. */
  readonly maxHeaderBytes?: number;
  /**
   * Stop after step 1 and return `{ line }`, never throwing: for a handler
   * whose overridden `parse_request()` decides the rest from `raw_requestline`.
   */
  readonly lineOnly?: boolean;
}

/** The result of a line with no words: close without answering. */
export type NoRequest = { readonly line: RequestLineResult; readonly headers?: undefined };

/**
 * Reads one request head from a receive buffer, resumably: `read()` returns
 * `null` until the head is complete. Make one per request.
 */
export class RequestHeadReader {
  /** The request line, once taken (set before a refusal is thrown). */
  line: RequestLineResult | null = null;
  /** The header fields, once the section is complete (set before a framing refusal is thrown). */
  headers: HTTPMessage | null = null;
  #headers: HeaderReader | null = null;
  #message: HTTPMessage | null = null;
  readonly #options: RequestHeadOptions;

  /** Checks the request line's bytes as they arrive (step 1). */
  readonly #scanner = new RequestLineScanner();
  /** Bytes of empty lines skipped before the request line. */
  #skipped = 0;

  constructor(options: RequestHeadOptions) {
    this.#options = options;
  }

  /** Makes the reader ready for the next request, with the same options (no allocation per request). */
  reset(): void {
    this.line = null;
    this.headers = null;
    this.#headers = null;
    this.#message = null;
    this.#scanner.reset();
    this.#skipped = 0;
  }

  /**
   * Step 1's empty lines (CRLF or a bare LF) before the request line are
   * consumed; `false` while a lone CR leaves it open whether one more comes.
   */
  #skipEmptyLines(rb: ReceiveBuffer, eof: boolean): boolean {
    while (rb.length > 0) {
      const b = rb.peek();
      let n = 0;
      if (b[0] === 0x0a) n = 1;
      else if (b[0] === 0x0d) {
        if (b.length === 1) return eof;
        if (b[1] === 0x0a) n = 2;
      }
      if (n === 0) return true;
      rb.take(n);
      this.#skipped += n;
      if (this.#skipped > MAX_REQUEST_LINE) throw HEAD_ERRORS.tooManyEmptyLines();
    }
    return true;
  }

  /**
   * Consumes the head's bytes from `rb`.
   * @param eof no more bytes will arrive.
   * @returns the head; a {@link NoRequest} (`headers` undefined) when there
   *   is nothing to answer; `null` for "need more bytes".
   * @throws ProtocolError for a head to refuse; `line` is set when the
   *   request line was taken.
   */
  read(rb: ReceiveBuffer, eof: boolean): RequestHead | NoRequest | null {
    const o = this.#options;
    let line = this.line;
    if (line === null) {
      if (!this.#skipEmptyLines(rb, eof)) return null;
      const raw = takeRequestLine(rb, eof);
      if (raw === null) {
        if (!this.#scanner.check(rb.peek())) throw HEAD_ERRORS.notHttp();
        return null;
      }
      if (raw.length > 0 && raw.length <= MAX_REQUEST_LINE && !this.#scanner.check(raw)) throw HEAD_ERRORS.notHttp();
      line = decideRequestLine(raw, o.protocolVersion);
      this.line = line;
      if (o.lineOnly === true) return { line };
      if (line.error !== undefined) throw line.error;
      if (line.empty) return { line };
      if (line.http09) return { line, headers: new (o.MessageClass ?? HTTPMessage)(), framing: NO_BODY, closeConnection: line.closeConnection };
      this.#message = new (o.MessageClass ?? HTTPMessage)();
      this.#headers = new HeaderReader(this.#message, o.maxHeaderBytes ?? MAX_HEADER_BYTES);
    }
    if (this.#headers!.read(rb, eof) === null) return null;
    const headers = this.#message!;
    this.headers = headers;
    // Step 3: Host (RFC 9112 §3.2: 400 for more than one, or an invalid one).
    const hosts = headers.get_all("host");
    if (hosts !== null && hosts !== undefined && hosts.length > 0) {
      if (hosts.length > 1) throw HEAD_ERRORS.repeatedHost();
      if (!isValidHost(hosts[0]!)) throw HEAD_ERRORS.badHost(hosts[0]!);
    }
    const framing = requestFraming(headers, line.version ?? o.defaultVersion, line.command ?? "");
    return { line, headers, framing, closeConnection: requestKeepAlive(line.closeConnection, headers.get_all("connection") ?? undefined, o.protocolVersion) };
  }
}
