/**
 * Upload rules as pure functions: which names may be written, how a size
 * such as `1G` reads, and whether a write may create or replace a file given
 * `If-Match`, `If-None-Match` and the overwrite setting.
 *
 * Strategy: every decision about an upload that needs no file system lives
 * here, so the hostile tables (traversal, NUL, `/` in a multipart filename,
 * dotfiles, our own temporary names) and the precondition table test it
 * without a socket. `upload.ts` does the I/O and calls these.
 */

import { unquote } from "./url.js";

/**
 * Temporary upload files start with this: a dotfile, so tools hide it, and a
 * name no listing or GET ever serves (simple-handler checks `isUploadTemp`).
 */
export const UPLOAD_TEMP_PREFIX = ".http.server-upload-";

/** Default `max_upload`: 1 GiB. */
export const DEFAULT_MAX_UPLOAD = 1024 ** 3;

/** Where resumable upload resources live (resumable.ts). */
export const UPLOAD_RESOURCE_PREFIX = "/.well-known/resumable-upload/";

/** Whether `path` names a resumable upload resource (query ignored). */
export function isUploadResource(path: string): boolean {
  return path.startsWith(UPLOAD_RESOURCE_PREFIX);
}

/** Whether a file name (one component) is one of our temporary upload files. */
export function isUploadTemp(name: string | Uint8Array): boolean {
  if (typeof name === "string") return name.startsWith(UPLOAD_TEMP_PREFIX);
  if (name.length < UPLOAD_TEMP_PREFIX.length) return false;
  for (let i = 0; i < UPLOAD_TEMP_PREFIX.length; i++) if (name[i] !== UPLOAD_TEMP_PREFIX.charCodeAt(i)) return false;
  return true;
}

/** Longest file name most file systems take, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/** Why a name is refused, or `null` when it may be written. */
export type NameProblem = string | null;

/**
 * Checks one file name (a multipart `filename`, or the last component of a
 * PUT path): not empty, not `.` or `..`, no `/`, NUL or other control
 * character, not one of our temporary names, at most 255 bytes, and no
 * leading `.` when `excludeDotfiles`.
 */
export function checkFileName(name: string, excludeDotfiles: boolean): NameProblem {
  if (name === "") return "empty file name";
  if (name === "." || name === "..") return "file name is . or ..";
  if (name.includes("/")) return "file name contains /";
  if (name.includes("\0")) return "file name contains NUL";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return "file name contains a control character";
  if (/[\uD800-\uDFFF]/u.test(name)) return "file name is not valid Unicode";
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) return "file name too long";
  if (isUploadTemp(name)) return "reserved file name";
  if (excludeDotfiles && name.startsWith(".")) return "hidden file name";
  return null;
}

/**
 * The components of a request path for a write (`/a/b%20c` → `["a", "b c"]`),
 * or a problem. Unlike `translate_path()`, which quietly drops `..` and `.`
 * for reads (as CPython does), a write with such a component is refused:
 * the client meant somewhere else than where the file would land.
 * Query and fragment are ignored. Empty components (`//`) are skipped.
 * @returns `{ dirs, name }`: `name` is `""` for a path ending in `/`.
 */
export function splitWritePath(target: string, excludeDotfiles: boolean): { dirs: string[]; name: string } | { problem: string } {
  let p = target;
  const hash = p.indexOf("#");
  if (hash >= 0) p = p.slice(0, hash);
  const q = p.indexOf("?");
  if (q >= 0) p = p.slice(0, q);
  const decoded = unquote(p);
  const parts = decoded.split("/");
  const last = parts.pop() ?? "";
  const dirs: string[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const problem = checkFileName(part, excludeDotfiles);
    if (problem !== null) return { problem: `path component: ${problem}` };
    dirs.push(part);
  }
  if (last !== "") {
    const problem = checkFileName(last, excludeDotfiles);
    if (problem !== null) return { problem };
  }
  return { dirs, name: last };
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * A size as people type it: `1048576`, `512K`, `100M`, `1G`, `1.5GiB`
 * (units are powers of 1024, case-insensitive). `null` for anything else,
 * negative, or beyond 2^53.
 */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (m === null) return null;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : null;
}

/** The entity-tags of an `If-Match` / `If-None-Match` value, or `"*"`. */
export function parseEtagList(value: string): "*" | string[] {
  if (value.trim() === "*") return "*";
  const tags: string[] = [];
  const re = /\s*((?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null && m[0] !== "") tags.push(m[1]!);
  return tags;
}

/** What a write may do, or why it may not. */
export type WriteDecision =
  | { kind: "create" }
  | { kind: "replace"; expect: string | null }
  | { kind: "refuse"; status: 412; reason: string };

/**
 * May a write (PUT) go ahead, given the current file's ETag (`null`: no such
 * file) and the request's preconditions? RFC 9110 §13.2.2 order: If-Match,
 * then If-None-Match; then our rule that an existing file is never replaced
 * silently.
 *
 * - `If-Match` present: the file must exist and, unless `*`, its current
 *   ETag must be one of the listed tags. Our ETags are weak (size and mtime),
 *   and RFC 9110's strong comparison would never match one; we compare the
 *   tags as exact strings instead (see README, Uploads).
 * - `If-None-Match: *`: create only.
 * - `If-None-Match` with tags: the write proceeds only if the current ETag is
 *   not among them (weak comparison).
 * - No `If-Match`, the file exists: replaced only with `overwrite`.
 *
 * `replace.expect` is the ETag the file must still have just before the
 * rename (`null`: any, with `overwrite`).
 */
export function decideWrite(current: string | null, ifMatch: string | undefined, ifNoneMatch: string | undefined, overwrite: boolean): WriteDecision {
  const refuse = (reason: string): WriteDecision => ({ kind: "refuse", status: 412, reason });
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch);
    if (current === null) return refuse("If-Match: no such file");
    if (tags !== "*" && !tags.includes(current)) return refuse("If-Match: the file has changed");
  }
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch);
    if (tags === "*") {
      if (current !== null) return refuse("If-None-Match: *: the file exists");
    } else if (current !== null) {
      const opaque = (t: string): string => (t.startsWith("W/") ? t.slice(2) : t);
      if (tags.some((t) => opaque(t) === opaque(current))) return refuse("If-None-Match: the file matches");
    }
  }
  if (current === null) return { kind: "create" };
  if (ifMatch !== undefined) return { kind: "replace", expect: current };
  if (overwrite) return { kind: "replace", expect: null };
  return refuse("the file exists: send If-Match with its ETag to replace it");
}
