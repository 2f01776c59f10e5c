/**
 * How long is this request's body? One decision, made once per request from
 * its header fields, before the handler runs (RFC 9112 §6.3, request side).
 *
 * CPython never decides this: its handler reads whatever it likes from the
 * socket, so a body it does not read becomes the next "request". We decide,
 * strictly, and refuse anything ambiguous with the connection closed after:
 *   0. Content-Length or Transfer-Encoding on CONNECT           → 400 (RFC 9110 §9.3.6: no content;
 *      llhttp reads what follows as tunnel bytes, so a length would split the two readings)
 *   1. Transfer-Encoding in an HTTP/1.0 request                → 400
 *   2. Transfer-Encoding and Content-Length together            → 400 (§6.1: MAY reject; must close)
 *   3. an empty element in Transfer-Encoding (`chunked, `)      → 400 (llhttp does the same)
 *   4. chunked not the last coding (`identity`, `chunked, gzip`) → 400 (§6.3 rule 4: MUST 400)
 *   5. chunked more than once (in one field or repeated fields) → 400 (§7.1: applied at most once)
 *   6. another coding before chunked (`gzip, chunked`)          → 501 (§6.1: coding not understood)
 *   7. Transfer-Encoding: chunked (any case, OWS around)        → chunked body
 *   8. Content-Length repeated (even equal) or a list (`5, 5`)  → 400 (§6.3 rule 5; llhttp does the same)
 *   9. Content-Length not 1*DIGIT (sign, space, hex, empty), or beyond 2^53 − 1 → 400
 *  10. Content-Length: N                                        → N bytes (leading zeros allowed)
 *  11. neither                                                  → no body (§6.3 rule 7)
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
const OWS_ENDS = /^[ \t]+|[ \t]+$/g;

function conflicting(reason: string): ProtocolError {
  return new ProtocolError(400, "ERR_CONFLICTING_FRAMING", reason);
}

function badTransferEncoding(): ProtocolError {
  return new ProtocolError(400, "ERR_INVALID_TRANSFER_ENCODING", "Bad Transfer-Encoding");
}

/**
 * Decides the body framing of a request.
 * @param requestVersion the request's version (`HTTP/1.0`, `HTTP/1.1` …).
 * @param method the request's method; only CONNECT changes the decision.
 */
export function requestFraming(headers: HTTPMessage, requestVersion: string, method = ""): Framing {
  const te = headers.get_all("transfer-encoding");
  const cl = headers.get_all("content-length");
  if (method === "CONNECT" && (te !== undefined || cl !== undefined)) {
    throw conflicting("Content in a CONNECT request");
  }
  if (te !== undefined) {
    if (requestVersion < "HTTP/1.1") throw conflicting("Transfer-Encoding in an HTTP/1.0 request");
    if (cl !== undefined) throw conflicting("Both Transfer-Encoding and Content-Length");
    const codings: string[] = [];
    for (const value of te) {
      for (const part of value.split(",")) {
        // OWS only (SP, HTAB): String#trim() would also strip \xa0 and accept "\xa0chunked".
        const coding = part.replace(OWS_ENDS, "").toLowerCase();
        if (coding === "") throw badTransferEncoding();
        codings.push(coding);
      }
    }
    if (codings[codings.length - 1] !== "chunked") throw badTransferEncoding();
    if (codings.indexOf("chunked") !== codings.length - 1) throw badTransferEncoding();
    if (codings.length !== 1) {
      throw new ProtocolError(501, "ERR_UNSUPPORTED_TRANSFER_CODING", "Unsupported transfer coding");
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
