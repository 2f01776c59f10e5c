/**
 * The request in progress: the state CPython keeps in a handler's private
 * attributes (the unflushed head, the status sent, how the body is framed),
 * shared by base-handler.ts (Python's methods), handler-extensions.ts and the
 * request loop.
 *
 * Strategy: one `Exchange` per handler (connection), reset by the loop at
 * each request instead of allocated anew, so a keep-alive request costs no
 * object of its own.
 */

import { NO_BODY, type Framing } from "../protocol/framing.js";
import type { BaseHTTPRequestHandler } from "./base-handler.js";
import type { StreamExchange } from "./h2-stream.js";
import { SocketWriter } from "./wfile.js";

/**
 * The state of the request in progress that Python keeps in private
 * attributes; owned by one handler, reset by the loop at each request.
 */
export class Exchange {
  /** Status line and headers not yet flushed (CPython's `_headers_buffer`). */
  head = "";
  /** The request line was accepted (an unparseable one always gets a status line). */
  lineParsed = false;
  framing: Framing = NO_BODY;
  /** Status sent by `send_response_only()` for this request; 0 if none. */
  status = 0;
  /** The response carries Content-Length or Transfer-Encoding. */
  delimited = false;
  /** The connection now carries another protocol (101, or 2xx to CONNECT). */
  switched = false;
  /** No request has begun on this connection yet. */
  first = true;
  /** `wfile` byte count when this request started (to know whether its response began). */
  writtenAtStart = 0;
  /** The connection will close after this response whatever the handler does (`discard_body()` found too much). */
  mustClose = false;
  /** Extension: a load-balancer feature is on for this request (lb-hooks.ts). */
  lb = false;
  /** HTTP/2: the stream this handler serves, which takes the response head (h2-stream.ts); `null` on HTTP/1.x. */
  h2: StreamExchange | null = null;
  /** HTTP/2: the stream's head, whose `raw` becomes `raw_requestline` when that is first read; `null` once it has, and on HTTP/1.x. */
  rawLine: { readonly raw: Buffer } | null = null;

  /** Starts a request. */
  reset(written: number): void {
    this.head = "";
    this.lineParsed = false;
    this.framing = NO_BODY;
    this.status = 0;
    this.delimited = false;
    this.switched = false;
    this.mustClose = false;
    this.writtenAtStart = written;
  }
}

/** Bytes the handler's writer has accepted; 0 for a replacement `wfile`. */
export function bytesWritten(h: BaseHTTPRequestHandler): number {
  const w = h.wfile;
  return w instanceof SocketWriter ? w._bytesWritten : 0;
}
