/**
 * The request loop's one error path: how a request that failed — a head
 * refused, a timeout, a handler that threw, a client gone — ends. Called by
 * request-loop.ts wherever a step fails.
 *
 * Strategy: the error's class decides, in one function (`requestFailed()`):
 * a `ProtocolError` carries its status, a `TimeoutError` becomes 408 when a
 * request had begun (else a log line, or nothing for a keep-alive expiry), a
 * disconnect is silent, anything else is a 500 and is rethrown for the
 * server's `handle_error()`. Only an untouched response can still get a
 * status; the connection always closes.
 */

import { ProtocolError } from "../protocol/errors.js";
import type { BaseHTTPRequestHandler } from "./base-handler.js";
import { bytesWritten, type Exchange } from "./exchange.js";
import { TimeoutError, type SocketReader } from "./rfile.js";
import { BrokenPipeError } from "./wfile.js";

type Handler = BaseHTTPRequestHandler;

/** Answers a refused request with its error page. */
export function answer(h: Handler, e: ProtocolError): void {
  h.send_error(e.status, e.reason, e.explain);
}

/** A client that went away: nothing to answer, nothing to report. */
function isDisconnect(e: unknown): boolean {
  if (e instanceof BrokenPipeError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/**
 * The one place where a failed request becomes a status, a log line, or a
 * report (rethrown for the server's `handle_error()`). The connection closes.
 */
export async function requestFailed(h: Handler, x: Exchange, e: unknown, reader: SocketReader | null): Promise<void> {
  h.close_connection = true;
  const untouched = bytesWritten(h) === x.writtenAtStart;
  if (e instanceof TimeoutError) {
    const idle = reader !== null && reader._phase === "idle";
    if (idle && h.timeout === null) return; // keep-alive expiry: routine, not worth a line
    if (reader !== null && reader._phase === "head" && untouched && (reader._buffered > 0 || !reader._awaitingRequest)) {
      // A request had begun: say why it ends (CPython has no such timeout).
      discardHead(x);
      h.requestline = "";
      h.command = "";
      h.send_error(408);
    } else {
      h.log_error("Request timed out: %r", e);
    }
    return;
  }
  if (e instanceof ProtocolError) {
    if (untouched) {
      discardHead(x);
      answer(h, e);
    } else {
      h.log_error("code %d, message %s", e.status, e.reason);
    }
    return;
  }
  if (isDisconnect(e)) return;
  if (untouched) {
    discardHead(x);
    try {
      h.send_error(500);
      await h.wfile.flush();
    } catch {
      // Nothing more can be said to this client.
    }
  }
  throw e;
}

/** Drops a response head recorded and not yet flushed (an error page replaces it). */
function discardHead(x: Exchange): void {
  x.head = "";
  x.h2?._discardHead();
}
