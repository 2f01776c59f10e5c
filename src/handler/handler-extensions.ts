/**
 * BaseHTTPRequestHandler's extensions (not in CPython): its timeouts and
 * size limits, the load-balancer attributes (used by lb-hooks.ts), the
 * request-body methods (`read_body()`, `iter_body()`, `discard_body()`) and
 * the `_before_dispatch()` hook, with their documentation and defaults.
 *
 * Strategy: as static/sharing-attributes.ts does for SimpleHTTPRequestHandler,
 * an interface of the same name in base-handler.ts merges these members into
 * the class, and `installExtensions()` puts the defaults and the methods on
 * its prototype (methods non-enumerable, as a class's are), so a subclass
 * field or method overrides them like a Python class attribute, and
 * base-handler.ts keeps Python's surface only. The methods reach the request
 * in progress (the handler's private `Exchange`) through the accessor the
 * class hands over when it installs them.
 */

import { ProtocolError } from "../protocol/errors.js";
import {
  BODY_TIMEOUT,
  DEFAULT_MAX_BODY_SIZE,
  HEADER_TIMEOUT,
  KEEP_ALIVE_TIMEOUT,
  MAX_DRAIN_BYTES,
  MAX_HEADER_BYTES,
  SEND_TIMEOUT,
} from "../protocol/limits.js";
import type { LogFormat } from "./access-log.js";
import type { BaseHTTPRequestHandler } from "./base-handler.js";
import type { Exchange } from "./exchange.js";
import { SocketReader } from "./rfile.js";

/** The extension members of BaseHTTPRequestHandler. */
export interface HandlerExtensions {
  /** Extension (not in CPython): seconds to receive a whole request head. */
  header_timeout: number;
  /** Extension (not in CPython): idle seconds allowed between requests on a persistent connection. */
  keep_alive_timeout: number;
  /** Extension (not in CPython): longest wait in seconds for the next bytes of a request body. */
  body_timeout: number;
  /** Extension (not in CPython): longest wait in seconds for the client to take more response bytes. */
  send_timeout: number;
  /** Extension (not in CPython): largest request head in bytes (431 past it). */
  max_header_bytes: number;
  /** Extension (not in CPython): default limit of `read_body()` / `iter_body()` (413 past it). */
  max_body_size: number;
  /** Extension (not in CPython): unread body bytes drained to keep a connection alive. */
  max_drain_bytes: number;

  // ---- for running behind a load balancer (lb-hooks.ts) ---------------------
  /**
   * Extension (not in CPython): answer `GET`/`HEAD` at this path (query
   * ignored) with 200 `{"status":"ok"}` (503 `{"status":"draining"}` once
   * the server is `draining`), before any other handling and without a log
   * line. A file at that path is never served. Default `null` (off).
   */
  health_path: string | null;
  /** Extension (not in CPython): access line format, `"python"` (default), `"combined"` or `"json"`. */
  log_format: LogFormat;
  /** Extension (not in CPython): append access lines to this file (reopened by `reopenAccessLogs()`); `null` (default) is stderr. */
  access_log: string | null;

  // ---- methods ---------------------------------------------------------------
  /**
   * Internal extension point (not in CPython): called before `do_<COMMAND>()`;
   * returning `false` (or a Promise of it) means the request has been answered.
   */
  _before_dispatch(): boolean | Promise<boolean>;
  /**
   * Extension (not in CPython): reads and discards the request body, at most
   * `max_drain_bytes` of it, before a response that does not use it (the
   * file server's GET and HEAD call it first). Resolves `true` to go on
   * answering: the body is gone and the connection stays usable, or the body
   * is larger than the limit and the response will say `Connection: close`.
   * Resolves `false` once an error has been sent: malformed chunking (400),
   * or the client stopped sending. Synchronous `true` when there is no body.
   */
  discard_body(): true | Promise<boolean>;
  /**
   * Extension (not in CPython): reads the whole request body, whether framed
   * by `Content-Length` or `Transfer-Encoding: chunked` (trailers discarded).
   * Past `limit` bytes it throws a 413 `ProtocolError`, which the server
   * answers; malformed chunking answers 400. Read the body one way only:
   * with this, with `iter_body()`, or through `rfile`.
   */
  read_body(options?: { limit?: number }): Promise<Buffer>;
  /**
   * Extension (not in CPython): the request body as it arrives, decoded, for
   * streaming uploads. Same limits and errors as `read_body()`.
   */
  iter_body(options?: { limit?: number }): AsyncGenerator<Buffer, void, undefined>;
}

/** The attributes' defaults (limits.ts has where each number comes from). */
const DEFAULTS = {
  header_timeout: HEADER_TIMEOUT,
  keep_alive_timeout: KEEP_ALIVE_TIMEOUT,
  body_timeout: BODY_TIMEOUT,
  send_timeout: SEND_TIMEOUT,
  max_header_bytes: MAX_HEADER_BYTES,
  max_body_size: DEFAULT_MAX_BODY_SIZE,
  max_drain_bytes: MAX_DRAIN_BYTES,
  health_path: null,
  log_format: "python",
  access_log: null,
} satisfies Omit<HandlerExtensions, keyof Methods>;

type Handler = BaseHTTPRequestHandler;

/** The handler's request in progress; set by `installExtensions()`. */
let exchangeOf: (h: Handler) => Exchange = () => {
  throw new Error("handler extensions not installed");
};

/** The methods, written as a class so that they are copied as a class's methods are. */
class Methods {
  _before_dispatch(this: Handler): boolean | Promise<boolean> {
    return true;
  }

  discard_body(this: Handler): true | Promise<boolean> {
    const reader = this.rfile instanceof SocketReader ? this.rfile : null;
    if (reader === null || reader._bodyDone) return true;
    return reader._discardBody(this.max_drain_bytes).then((outcome) => {
      if (outcome === "done") return true;
      if (outcome === "too-large") {
        exchangeOf(this).mustClose = true;
        return true;
      }
      this.close_connection = true;
      if (outcome === "eof") return false;
      this.send_error(outcome.status, outcome.reason, outcome.explain);
      return false;
    });
  }

  async read_body(this: Handler, options: { limit?: number } = {}): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const part of this.iter_body(options)) {
      parts.push(part);
      total += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  async *iter_body(this: Handler, options: { limit?: number } = {}): AsyncGenerator<Buffer, void, undefined> {
    const limit = options.limit ?? this.max_body_size;
    const framing = exchangeOf(this).framing;
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

/**
 * Puts the defaults and methods on BaseHTTPRequestHandler's prototype;
 * `exchange` gives a handler's request in progress.
 */
export function installExtensions(proto: object, exchange: (h: Handler) => Exchange): void {
  exchangeOf = exchange;
  Object.assign(proto, DEFAULTS);
  for (const name of Object.getOwnPropertyNames(Methods.prototype)) {
    if (name !== "constructor") Object.defineProperty(proto, name, Object.getOwnPropertyDescriptor(Methods.prototype, name)!);
  }
}
