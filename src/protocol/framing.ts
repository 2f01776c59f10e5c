/**
 * How long is this request's body? One decision, made once per request from
 * its header fields, before the handler runs (RFC 9112 §6.3, request side).
 *
 * CPython never decides this: its handler reads whatever it likes from the
 * socket, so a body it does not read becomes the next "request". We decide,
 * strictly, and refuse anything ambiguous with the connection closed after:
 *   1. Transfer-Encoding in an HTTP/1.0 request                → 400
 *   2. Transfer-Encoding and Content-Length together            → 400 (§6.1: MAY reject; must close)
 *   3. a transfer coding other than chunked                     → 501 (§6.1)
 *   4. chunked not the last coding, or more than once           → 400 (§6.3 rule 4)
 *   5. Transfer-Encoding: chunked                               → chunked body
 *   6. Content-Length repeated (even equal) or a list           → 400 (§6.3 rule 5; llhttp does the same)
 *   7. Content-Length not 1*DIGIT, or beyond 2^53 − 1           → 400
 *   8. Content-Length: N                                        → N bytes
 *   9. neither                                                  → no body (§6.3 rule 7)
 */

import { ProtocolError } from "./errors.js";
import type { HTTPMessage } from "./headers.js";

/** The request body's framing. */
export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" };

export const NO_BODY: Framing = Object.freeze({ kind: "none" });

const DIGITS = /^[0-9]+$/;

function conflicting(reason: string): ProtocolError {
  return new ProtocolError(400, "ERR_CONFLICTING_FRAMING", reason);
}

/**
 * Decides the body framing of a request.
 * @param requestVersion the request's version (`HTTP/1.0`, `HTTP/1.1` …).
 */
export function requestFraming(headers: HTTPMessage, requestVersion: string): Framing {
  const te = headers.get_all("transfer-encoding");
  const cl = headers.get_all("content-length");
  if (te !== undefined) {
    if (requestVersion < "HTTP/1.1") throw conflicting("Transfer-Encoding in an HTTP/1.0 request");
    if (cl !== undefined) throw conflicting("Both Transfer-Encoding and Content-Length");
    const codings: string[] = [];
    for (const value of te) {
      for (const part of value.split(",")) {
        const coding = part.trim().toLowerCase();
        if (coding !== "") codings.push(coding);
      }
    }
    for (const coding of codings) {
      if (coding !== "chunked") {
        throw new ProtocolError(501, "ERR_UNSUPPORTED_TRANSFER_CODING", "Unsupported transfer coding");
      }
    }
    if (codings.length !== 1) {
      throw new ProtocolError(400, "ERR_INVALID_TRANSFER_ENCODING", "Bad Transfer-Encoding");
    }
    return { kind: "chunked" };
  }
  if (cl !== undefined) {
    if (cl.length !== 1) throw conflicting("Repeated Content-Length");
    const value = cl[0]!;
    const length = Number(value);
    if (!DIGITS.test(value) || length > Number.MAX_SAFE_INTEGER) {
      throw new ProtocolError(400, "ERR_INVALID_CONTENT_LENGTH", "Bad Content-Length");
    }
    return length === 0 ? NO_BODY : { kind: "length", length };
  }
  return NO_BODY;
}
