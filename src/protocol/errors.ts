/**
 * The one error type the protocol core throws for bad input.
 *
 * A `ProtocolError` carries the status to answer with, a stable `code` that
 * callers and tests match on, and a plain-text `reason` that is safe to send
 * (fixed text, never attacker bytes). The request loop answers it with
 * `send_error(status, reason, explain)` and closes the connection, in one
 * place: `requestFailed` in src/handler/request-loop.ts, for a request head
 * refused before any `do_*` runs and for a body that turns out bad while
 * `do_*` reads it (answered if nothing was sent yet, else only logged).
 * Anything else escaping `src/protocol/` is a bug.
 */

/** Stable codes of {@link ProtocolError}. */
export type ProtocolErrorCode =
  | "ERR_REQUEST_LINE_TOO_LONG"
  | "ERR_BAD_REQUEST_VERSION"
  | "ERR_UNSUPPORTED_VERSION"
  | "ERR_BAD_REQUEST_SYNTAX"
  | "ERR_BAD_HTTP09_METHOD"
  | "ERR_UNSUPPORTED_METHOD"
  | "ERR_BAD_REQUEST_TARGET"
  | "ERR_BAD_HOST"
  | "ERR_HEADER_LINE_TOO_LONG"
  | "ERR_TOO_MANY_HEADERS"
  | "ERR_HEADER_BLOCK_TOO_LARGE"
  | "ERR_INVALID_HEADER"
  | "ERR_OBSOLETE_LINE_FOLDING"
  | "ERR_CONFLICTING_FRAMING"
  | "ERR_INVALID_CONTENT_LENGTH"
  | "ERR_UNSUPPORTED_TRANSFER_CODING"
  | "ERR_INVALID_TRANSFER_ENCODING"
  | "ERR_INVALID_CHUNK"
  | "ERR_BODY_TOO_LARGE"
  | "ERR_INCOMPLETE_BODY";

/** Bad input: answer with `status` and `reason`, then close the connection. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  /**
   * @param status HTTP status code to answer with.
   * @param code stable machine-readable code.
   * @param reason short phrase for the status line and log (fixed text).
   * @param explain longer text for the error page; defaults to the status's description.
   */
  constructor(
    readonly status: number,
    readonly code: ProtocolErrorCode,
    readonly reason: string,
    readonly explain?: string,
  ) {
    super(`${status} ${reason}`);
  }
}
