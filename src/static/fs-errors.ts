/**
 * One map from a failed file-system call to the response a client gets, as
 * Go's `net/http` `toHTTPError` does: the status and a fixed message, never
 * the error's own text (which names paths and system calls).
 *
 * Strategy: the caller that tried to open or list something hands the error
 * to `toHttpError()` together with the message CPython sends for that case
 * ("File not found" for a file, "No permission to list directory" for a
 * listing), and sends what comes back.
 *
 *   ENOENT, ENOTDIR            the name does not exist          → 404
 *   ELOOP, ENAMETOOLONG,       the name cannot name a file      → 404
 *   EINVAL, EISDIR, ENXIO
 *   EACCES, EPERM              permission denied                → 404, as CPython
 *                              (whose server answers every `OSError` of an
 *                              open or `listdir` with 404)
 *   NotServable                refused by `confine.ts` (outside → 404
 *                              the directory, a NUL, …)
 *   EMFILE, ENFILE             out of file descriptors          → 503 "Too many open files"
 *                              (differs from CPython's 404: a 404 would be
 *                              cached as the truth; the client may retry)
 *   anything else (EIO, …)     a server fault                   → 500
 */

import { HTTPStatus } from "../protocol/status.js";

/** A path that `confine.ts` refuses to serve: answered exactly as a missing file. */
export class NotServable extends Error {
  override name = "NotServable";
}

/** The status and message `send_error()` is called with. */
export interface HttpError {
  status: number;
  message: string;
}

/** Errors that mean "there is no such file to serve", in CPython's sense. */
const NOT_FOUND = new Set(["ENOENT", "ENOTDIR", "ELOOP", "ENAMETOOLONG", "EINVAL", "EISDIR", "ENXIO", "EACCES", "EPERM"]);

/** The process (or the system) is out of file descriptors: a server condition, not a missing file. */
export function outOfDescriptors(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/**
 * The response for a failed open, stat or directory read (see the table in
 * this file's header).
 *
 * @param error what the `fs` call threw, or a `NotServable`.
 * @param notFound the message of the 404, CPython's for this case.
 */
export function toHttpError(error: unknown, notFound: string): HttpError {
  if (error instanceof NotServable) return { status: HTTPStatus.NOT_FOUND.value, message: notFound };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NOT_FOUND.has(code)) return { status: HTTPStatus.NOT_FOUND.value, message: notFound };
  if (outOfDescriptors(error)) return { status: HTTPStatus.SERVICE_UNAVAILABLE.value, message: "Too many open files" };
  return { status: HTTPStatus.INTERNAL_SERVER_ERROR.value, message: "Internal Server Error" };
}
