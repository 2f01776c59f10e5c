/**
 * Resumable uploads: draft-ietf-httpbis-resumable-upload-12 (interop
 * version 8), server side, for `PUT` uploads of SimpleHTTPRequestHandler.
 *
 * Strategy:
 * - A `PUT` with `Upload-Complete` and `Upload-Draft-Interop-Version: 8`
 *   creates an upload resource, `/.well-known/resumable-upload/<128 random
 *   bits, base64url>`, announced at once in a `104 (Upload Resumption
 *   Supported)` interim response with `Location` and `Upload-Limit` (HTTP/1.1
 *   only: HTTP/1.0 has no interim responses). The file's checks and
 *   preconditions are those of a plain PUT (`upload.ts`), made before the
 *   104; its bytes go to the same kind of temporary file (`AtomicFile`).
 * - `HEAD` (or `GET`) of the resource: 204 with `Upload-Offset`,
 *   `Upload-Complete: ?0`, `Upload-Length` when known, `Upload-Limit`,
 *   `Cache-Control: no-store`.
 * - `PATCH` with `Content-Type: application/partial-upload`, the matching
 *   `Upload-Offset` (409 otherwise, with the right one) and `Upload-Complete`
 *   appends; `?1` finishes: fsync, then the atomic link/rename of a PUT, and
 *   the PUT's own answer (201/204/412) with `Upload-Complete: ?1`.
 * - `DELETE` cancels: the temporary file is removed (204).
 * - An interrupted request keeps what was written: the offset is what is in
 *   the file. A new request to the same resource while one is still running
 *   ends the old one's connection first (the draft's recommended handling of
 *   concurrency), then waits for its last write.
 * - Limits: `max-size` is `max_upload`; at most `maxActive` incomplete
 *   uploads per process (beyond it a PUT is served as a plain one, without
 *   resumption); each expires `maxAgeMs` after its last activity (its file
 *   is removed). State lives in this process's memory: with `--workers`,
 *   or after a restart, an upload cannot be resumed (the PUT is repeated).
 */

import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { AtomicFile, isNoSpace } from "./atomic-file.js";
import { answerFailure, commitPut, preparePut, UploadRefused, type PutTarget, type UploadHandler } from "./upload.js";

/** The draft's interop version this implements (its appendix "Draft Interop Version"). */
export const INTEROP_VERSION = "8";

import { isUploadResource, UPLOAD_RESOURCE_PREFIX } from "./upload-rules.js";
export { isUploadResource, UPLOAD_RESOURCE_PREFIX };

/** Limits of incomplete uploads; tests shorten them. */
export const _resumableConfig = { maxActive: 64, maxAgeMs: 60 * 60 * 1000 };

/** What the resumable code needs beyond the upload handler. */
export interface ResumableHandler extends UploadHandler {
  request: Socket;
  close_connection: boolean;
  request_version: string;
  protocol_version: string;
  send_response_only(code: number, message?: string | null): void;
  wfile: { write(data: Buffer): Promise<void>; flush(): Promise<void> };
}

interface Upload {
  id: string;
  target: PutTarget;
  file: AtomicFile;
  length: number | null;
  expires: number;
  timer: NodeJS.Timeout;
  /** The connection of the request writing now, and when it is done. */
  busy: { socket: Socket; done: Promise<void> } | null;
}

const uploads = new Map<string, Upload>();

/** Incomplete uploads held (tests). */
export function _activeUploads(): number {
  return uploads.size;
}


/** A Structured Field Boolean (`?0`/`?1`), or `null` (to be ignored). */
export function parseSfBoolean(value: string | undefined): boolean | null {
  const v = value?.trim();
  return v === "?1" ? true : v === "?0" ? false : null;
}

/** A Structured Field non-negative Integer (at most 15 digits), or `null`. */
export function parseSfInteger(value: string | undefined): number | null {
  const v = value?.trim();
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

function limitsOf(h: UploadHandler, u: Upload | null): string {
  const age = Math.max(0, Math.ceil(((u?.expires ?? Date.now() + _resumableConfig.maxAgeMs) - Date.now()) / 1000));
  return `max-size=${h.max_upload}, max-age=${age}`;
}

function touch(u: Upload): void {
  clearTimeout(u.timer);
  u.expires = Date.now() + _resumableConfig.maxAgeMs;
  u.timer = setTimeout(() => void drop(u), _resumableConfig.maxAgeMs);
  u.timer.unref();
}

/** Forgets an upload and removes its temporary file. */
async function drop(u: Upload): Promise<void> {
  clearTimeout(u.timer);
  if (uploads.get(u.id) === u) uploads.delete(u.id);
  await u.file.abort();
}

/** Sends a bodiless response with `headers`. */
function answer(h: ResumableHandler, status: number, headers: [string, string][]): void {
  h.send_response(status);
  for (const [k, v] of headers) h.send_header(k, v);
  if (status !== 204) h.send_header("Content-Length", "0");
  h.end_headers();
}

function state(h: ResumableHandler, u: Upload): [string, string][] {
  const out: [string, string][] = [
    ["Upload-Complete", "?0"],
    ["Upload-Offset", String(u.file.size)],
  ];
  if (u.length !== null) out.push(["Upload-Length", String(u.length)]);
  out.push(["Upload-Limit", limitsOf(h, u)], ["Cache-Control", "no-store"]);
  return out;
}

/**
 * Serves a resumable-upload request: PUT (creation; `plain` serves a PUT
 * that does not ask for resumption), HEAD/GET, PATCH, DELETE on an upload
 * resource, and OPTIONS.
 */
export async function handleResumable(h: ResumableHandler, plain?: () => Promise<void>): Promise<void> {
  const command = h.command ?? "";
  if (command === "OPTIONS") {
    return answer(h, 204, [
      ["Allow", isUploadResource(h.path) ? "HEAD, GET, PATCH, DELETE, OPTIONS" : "GET, HEAD, PUT, POST, OPTIONS"],
      ["Upload-Limit", limitsOf(h, null)],
    ]);
  }
  if (command === "PUT") {
    const complete = parseSfBoolean(h.headers.get("Upload-Complete"));
    const wanted = complete !== null && h.headers.get("Upload-Draft-Interop-Version")?.trim() === INTEROP_VERSION;
    if (!wanted || uploads.size >= _resumableConfig.maxActive || plain === undefined) return plain?.();
    return create(h, complete);
  }
  const id = h.path.slice(UPLOAD_RESOURCE_PREFIX.length).split(/[?#]/, 1)[0]!;
  const u = uploads.get(id);
  if (!isUploadResource(h.path) || u === undefined) {
    if (command === "PATCH" || command === "DELETE") {
      h.send_error(isUploadResource(h.path) ? 404 : 405, null, "Only an upload resource can be patched or deleted.");
      return;
    }
    h.send_error(404, "No such upload");
    return;
  }
  // Concurrency: a request still writing to this upload is ended first.
  if (u.busy !== null) {
    u.busy.socket.destroy();
    await u.busy.done;
  }
  if (uploads.get(id) !== u) {
    h.send_error(404, "No such upload");
    return;
  }
  touch(u);
  switch (command) {
    case "HEAD":
    case "GET":
      return answer(h, 204, state(h, u));
    case "DELETE":
      await drop(u);
      return answer(h, 204, []);
    case "PATCH":
      return append(h, u);
    default:
      h.send_error(405, null, "An upload resource answers HEAD, GET, PATCH, DELETE and OPTIONS.");
  }
}

/** The upload-creation PUT. */
async function create(h: ResumableHandler, complete: boolean): Promise<void> {
  let target: PutTarget;
  let file: AtomicFile;
  let length = parseSfInteger(h.headers.get("Upload-Length"));
  const declared = parseSfInteger(h.headers.get("Content-Length"));
  if (complete && declared !== null) length ??= declared;
  try {
    if (length !== null && length > h.max_upload) throw new UploadRefused(413, `the upload is larger than ${h.max_upload} bytes`);
    target = await preparePut(h);
    file = await AtomicFile.create(target.wd.dir, target.wd.realDir);
  } catch (e) {
    return answerFailure(h, e);
  }
  const id = randomBytes(16).toString("base64url");
  const u: Upload = { id, target, file, length, expires: 0, timer: setTimeout(() => {}, 0), busy: null };
  touch(u);
  uploads.set(id, u);
  const location = UPLOAD_RESOURCE_PREFIX + id;
  if (h.protocol_version >= "HTTP/1.1" && h.request_version >= "HTTP/1.1") {
    h.send_response_only(104, "Upload Resumption Supported");
    h.send_header("Location", location);
    h.send_header("Upload-Draft-Interop-Version", INTEROP_VERSION);
    h.send_header("Upload-Limit", limitsOf(h, u));
    h.end_headers();
    await h.wfile.flush();
  }
  const wrote = await receive(h, u);
  if (!wrote) return;
  if (complete) return finish(h, u);
  answer(h, 201, [["Location", location], ...state(h, u).filter(([k]) => k !== "Cache-Control")]);
}

/** `PATCH` of an upload resource. */
async function append(h: ResumableHandler, u: Upload): Promise<void> {
  const ctype = h.headers.get("Content-Type", "").split(";", 1)[0]!.trim().toLowerCase();
  if (ctype !== "application/partial-upload") {
    h.send_error(415, null, "Append with Content-Type: application/partial-upload.");
    return;
  }
  const offset = parseSfInteger(h.headers.get("Upload-Offset"));
  const complete = parseSfBoolean(h.headers.get("Upload-Complete"));
  if (offset === null || complete === null) {
    h.send_error(400, null, "PATCH needs Upload-Offset and Upload-Complete.");
    return;
  }
  if (offset !== u.file.size) {
    h.close_connection = true;
    return answer(h, 409, [
      ["Upload-Complete", "?0"],
      ["Upload-Offset", String(u.file.size)],
      ["Connection", "close"],
    ]);
  }
  const declared = parseSfInteger(h.headers.get("Content-Length"));
  const length = parseSfInteger(h.headers.get("Upload-Length"));
  if (length !== null && u.length !== null && length !== u.length) {
    await drop(u);
    h.send_error(400, null, "Upload-Length changed; the upload is cancelled.");
    return;
  }
  if (length !== null) u.length = length;
  if (complete && declared !== null) u.length ??= offset + declared;
  const wrote = await receive(h, u);
  if (!wrote) return;
  if (complete) return finish(h, u);
  answer(h, 204, [
    ["Upload-Complete", "?0"],
    ["Upload-Offset", String(u.file.size)],
  ]);
}

/**
 * Appends the request body to the upload. `false` when the request has been
 * answered or its connection is gone (what arrived is kept).
 */
async function receive(h: ResumableHandler, u: Upload): Promise<boolean> {
  let release: () => void = () => {};
  u.busy = { socket: h.request, done: new Promise<void>((resolve) => (release = resolve)) };
  try {
    const room = Math.min(h.max_upload, u.length ?? Infinity) - u.file.size;
    for await (const chunk of h.iter_body({ limit: Math.max(0, room) })) await u.file.write(chunk);
    touch(u);
    return true;
  } catch (e) {
    const code = (e as { status?: unknown; code?: unknown } | null)?.code;
    if (e instanceof Error && (isNoSpace(e) || code === "ERR_BODY_TOO_LARGE")) {
      // Past the length or the limit, or out of space: the upload cannot succeed.
      await drop(u);
      if (isNoSpace(e)) return (answerFailure(h, e), false);
      throw e;
    }
    // The connection went away or timed out: keep what was written.
    touch(u);
    if (h.request.destroyed || (e as { name?: string }).name === "TimeoutError") return false;
    throw e;
  } finally {
    u.busy = null;
    release();
  }
}

/** The upload is complete: commit it as its PUT would have been. */
async function finish(h: ResumableHandler, u: Upload): Promise<void> {
  uploads.delete(u.id);
  clearTimeout(u.timer);
  if (u.length !== null && u.file.size !== u.length) {
    await u.file.abort();
    h.send_error(400, null, "The upload ended before its announced length.");
    return;
  }
  try {
    await commitPut(h, u.target, u.file, [["Upload-Complete", "?1"]]);
  } catch (e) {
    await u.file.abort();
    answerFailure(h, e);
  }
}
