/**
 * What SimpleHTTPRequestHandler's write methods do (issue 15): `do_PUT`,
 * `do_POST`, `do_PATCH`, `do_DELETE`, the resumable-upload side of `do_GET`,
 * `do_HEAD` and `do_OPTIONS`, the 413 of `handle_expect_100()`, and the
 * `auth` gate before every method. The handler keeps one line per method;
 * the rules are here.
 *
 * Strategy: without `upload` every write method answers CPython's 501, as a
 * handler with no `do_*` for it would. The upload and password code
 * (upload.ts, resumable.ts, auth-gate.ts) is loaded on first use with a
 * dynamic import: a server without those options does not load it (nor
 * busboy), and starts with fewer files open.
 */

import { pyFormat } from "../python/format.js";
import type { SimpleHTTPRequestHandler } from "./simple-handler.js";
import { isUploadResource, isUploadTemp, UPLOAD_TEMP_PREFIX } from "./upload-rules.js";

type Handler = SimpleHTTPRequestHandler;

/** resumable.ts's `handleResumable()`, loaded on first use. */
export const handleResumable = async (...a: Parameters<typeof import("./resumable.js").handleResumable>): Promise<void> =>
  (await import("./resumable.js")).handleResumable(...a);
const handlePut = async (h: Parameters<typeof import("./upload.js").handlePut>[0]): Promise<void> => (await import("./upload.js")).handlePut(h);
const handlePost = async (h: Parameters<typeof import("./upload.js").handlePost>[0]): Promise<void> => (await import("./upload.js")).handlePost(h);
const authGate = async (h: Parameters<typeof import("./auth-gate.js").authGate>[0]): Promise<boolean> => (await import("./auth-gate.js")).authGate(h);

/** Whether a GET or HEAD is about a resumable upload (answered by resumable.ts, not as a file). */
export function isResumableRequest(h: Handler): boolean {
  return h.upload && isUploadResource(h.path);
}

/** `do_PUT`: with `upload`, stores the body under the path; else 501 as CPython. */
export function doPut(h: Handler): Promise<void> {
  if (!h.upload || isUploadResource(h.path)) return unsupported(h);
  return handleResumable(h, () => handlePut(h));
}

/** `do_POST`: with `upload`, stores the files of a multipart form; else 501 as CPython. */
export function doPost(h: Handler): Promise<void> {
  return h.upload ? handlePost(h) : unsupported(h);
}

/** `do_PATCH` and `do_DELETE`: with `upload`, appends to or cancels a resumable upload; else 501 as CPython. */
export function doResumable(h: Handler): Promise<void> {
  return h.upload ? handleResumable(h) : unsupported(h);
}

/** CPython's answer to a method it has no `do_*` for. */
function unsupported(h: Handler): Promise<void> {
  h.send_error(501, pyFormat("Unsupported method (%r)", [h.command]));
  return Promise.resolve();
}

/**
 * With `upload`, an upload announced larger than `max_upload` gets 413
 * instead of `100 Continue`: `true` when that answer was sent.
 */
export function refuseLargeUpload(h: Handler): boolean {
  if (h.upload && (h.command === "PUT" || h.command === "POST") && Number(h.headers.get("Content-Length")) > h.max_upload) {
    h.send_error(413, null, `The upload is larger than ${h.max_upload} bytes.`);
    return true;
  }
  return false;
}

/** The `auth` gate before every method (auth-gate.ts): `true` to go on. */
export function beforeDispatch(h: Handler): boolean | Promise<boolean> {
  return h.auth === null ? true : authGate(h);
}

/** Whether a path names one of the upload code's temporary files, which are never served. */
export function namesUploadTemp(path: string): boolean {
  return path.includes(UPLOAD_TEMP_PREFIX) && path.split("/").some(isUploadTemp);
}
