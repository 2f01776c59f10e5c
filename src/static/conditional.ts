/**
 * Conditional requests for a static file (RFC 9110 §13): what a GET or HEAD
 * of a regular file answers, given the request headers and the file's size
 * and modification time — 200, 304, or, through `ranges.ts` (RFC 9110 §14),
 * 206 and 416. Also the file's validators (ETag, Last-Modified second) and
 * the date parser the If-* fields need. Pure functions: no fs, no sockets;
 * the clock is read only when `decide()`'s `nowMs` is left to default.
 *
 * Strategy: `decide()` runs RFC 9110 §13.2.2's evaluation order, restricted to
 * what CPython's file server answers (200, 304) plus the range extension (206,
 * 416). It is called only when the answer would otherwise be 200 with the
 * whole file (a regular file exists and is readable), as §13.2.1 requires.
 * If-Match and If-Unmodified-Since are not evaluated (CPython ignores them and
 * there is no 412 Decision), so steps 1–2 of §13.2.2 are skipped.
 *
 *   0. Only GET and HEAD are decided; any other method → full.
 *   1. If-None-Match present (§13.1.2, §13.2.2 step 3):
 *        If-None-Match = "*" / #entity-tag
 *      `*` (the whole value) matches any existing file, so → 304. Otherwise
 *      the list is scanned left to right and each entity-tag compared WEAKLY
 *      with ours (§8.8.3.2: `W/` ignored on both sides); a match → 304. A
 *      malformed member ends the scan (tags before it still count), so garbage
 *      never produces a 304. Whether or not it matched, step 2 is skipped.
 *      Differs from CPython: CPython never evaluates If-None-Match (it only
 *      uses its presence to skip If-Modified-Since), so `If-None-Match: *`
 *      gets 200 there and 304 here; the RFC wins (docs/api-contract.md).
 *   2. If-Modified-Since, only when If-None-Match is ABSENT (`has()`, even an
 *      empty value counts as present, as CPython 3.14's `in` test does):
 *      exactly CPython 3.14's rule. The value is parsed as
 *      `email.utils.parsedate_to_datetime` does (see `parseHttpDateTz` in protocol/http-date.ts); an
 *      ill-formed value is ignored; a date without a zone, with `-0000` or
 *      with an unknown zone name is naive and taken as UTC; a date whose zone
 *      is UTC (`GMT`, `UT`, `UTC`, `Z`, `+0000`) is compared; any other zone
 *      (`+0100`, `EST` …) is IGNORED, because CPython compares only when
 *      `ims.tzinfo is datetime.timezone.utc`. → 304 when the file's mtime
 *      floored to whole seconds is ≤ the date.
 *   3. Range absent → full. If-Range present (§13.1.5, §13.2.2 step 5) and
 *      false → full (the Range field is ignored, so never 416). If-Range is
 *      ignored without Range. Its value is
 *        If-Range = entity-tag / HTTP-date
 *      - an entity-tag (starts with `"` or `W/`) needs a STRONG comparison
 *        (§8.8.3.2); our ETag is weak, so it never matches → full;
 *      - otherwise a date, parsed as in step 2: true only when its zone is
 *        UTC or absent (an HTTP-date is always GMT), it equals the file's
 *        Last-Modified second exactly, and Last-Modified is a strong
 *        validator. Simplification of §8.8.2.2: Last-Modified counts as
 *        strong when the mtime is at least one second before `nowMs` (a file
 *        modified in the current second may change again within it). We
 *        cannot detect two changes within one past second; §8.8.2.2 asks for
 *        knowledge we do not have, and a full 200 would be the only
 *        fully safe answer. Anything else → false → full.
 *   4. Range (§14.1.1, §14.2), for GET and for HEAD: parsed and resolved
 *      against the file's size by `ranges.ts` (satisfiable ranges sorted and
 *      coalesced → 206; none → 416; invalid, or too many parts → full).
 *
 * Only the first field line of each header is read (`headers.get()`, as
 * CPython's `self.headers[name]`); a second If-None-Match line can only cost a
 * 304, and a second Range line is ignored.
 */

import { parseHttpDateTz } from "../protocol/http-date.js";
import { isOws, parseRange, resolveRanges, trimOws, type Range } from "./ranges.js";

// ---- limits ---------------------------------------------------------------------

/**
 * How long before `nowMs` a file must have been modified for its
 * Last-Modified to count as a strong validator in If-Range (RFC 9110 §8.8.2.2).
 */
const STRONG_DATE_AGE_MS = 1000;

// ---- validators -----------------------------------------------------------------

/** What `decide()` needs to know about a file; `fs.Stats` has both fields. */
export interface FileValidators {
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch, fractional allowed. */
  mtimeMs: number;
}

/**
 * The file's entity-tag: weak, `W/"<size hex>-<mtime ms hex>"` with the mtime
 * floored to whole milliseconds (e.g. `W/"3e8-b6906ba1b3"`). Weak because a
 * file can change without its size and millisecond mtime changing.
 */
export function etagFor(v: FileValidators): string {
  return `W/"${hex(v.size)}-${hex(Math.floor(v.mtimeMs))}"`;
}

/**
 * `n.toString(16)` for an integer. A millisecond mtime is past the small
 * integers V8 converts fast (31 bits), and a double's radix conversion costs
 * three times as much, so it is done as two small halves.
 */
function hex(n: number): string {
  if (n >= 0 && n <= 0x3fffffff) return n.toString(16);
  if (n > 0 && n <= Number.MAX_SAFE_INTEGER) {
    const high = Math.floor(n / 0x10000000);
    return high.toString(16) + (n - high * 0x10000000).toString(16).padStart(7, "0");
  }
  return n.toString(16);
}

/**
 * The mtime in whole seconds since the epoch, floored (also for times before
 * 1970), as CPython's `fromtimestamp(st_mtime).replace(microsecond=0)` and
 * `date_time_string(st_mtime)` give it: the Last-Modified second.
 */
export function lastModifiedSeconds(mtimeMs: number): number {
  return Math.floor(mtimeMs / 1000);
}

// ---- entity-tags (RFC 9110 §8.8.3) --------------------------------------------------

/** The opaque-tag of an entity-tag: the quoted part, without `W/`. */
function opaqueTag(etag: string): string {
  return etag.startsWith("W/") ? etag.slice(2) : etag;
}

/** etagc = %x21 / %x23-7E / obs-text */
function isEtagc(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/**
 * Whether an If-None-Match value matches `etag` (§13.1.2, weak comparison).
 *
 *   If-None-Match = "*" / #entity-tag
 *   entity-tag    = [ weak ] opaque-tag
 *   weak          = %s"W/"
 *   opaque-tag    = DQUOTE *etagc DQUOTE
 *
 * Members are scanned, not split on commas, because etagc includes `,`.
 */
function ifNoneMatchMatches(value: string, etag: string): boolean {
  const v = trimOws(value);
  if (v === "*") return true;
  const ours = opaqueTag(etag);
  let i = 0;
  while (i < v.length) {
    if (isOws(v[i]) || v[i] === ",") {
      i++;
      continue;
    }
    if (v.startsWith("W/", i)) i += 2;
    if (v[i] !== '"') return false;
    const close = v.indexOf('"', i + 1);
    if (close === -1) return false;
    for (let k = i + 1; k < close; k++) if (!isEtagc(v.charCodeAt(k))) return false;
    const tag = v.slice(i, close + 1);
    i = close + 1;
    while (isOws(v[i])) i++;
    if (i < v.length && v[i] !== ",") return false; // `"tag" junk` is one malformed member
    if (tag === ours) return true;
  }
  return false;
}

// ---- the decision ---------------------------------------------------------------------

/** What a GET or HEAD of an existing regular file answers. */
export type Decision =
  /** 200 with the whole file. */
  | { kind: "full" }
  /** 304 Not Modified. */
  | { kind: "not-modified" }
  /** 206: one range → `Content-Range`; several (sorted, disjoint, non-adjacent) → multipart/byteranges. */
  | { kind: "partial"; ranges: Range[] }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { kind: "unsatisfiable" };

const FULL: Decision = Object.freeze({ kind: "full" });
const NOT_MODIFIED: Decision = Object.freeze({ kind: "not-modified" });
const UNSATISFIABLE: Decision = Object.freeze({ kind: "unsatisfiable" });

/** The request headers `decide()` reads; `HTTPMessage` fits. */
export interface ConditionalHeaders {
  /** The first value of a field (case-insensitive), or `undefined`. */
  get(name: string): string | undefined;
  /** Whether the field is present, even with an empty value. */
  has(name: string): boolean;
}

/** Step 3: whether an If-Range value lets the Range field apply. */
function ifRangeHolds(value: string, v: FileValidators, nowMs: number): boolean {
  const ir = trimOws(value);
  // An entity-tag needs a strong match (§13.1.5); ours is weak, so none does.
  if (ir.startsWith('"') || ir.startsWith("W/")) return false;
  const date = parseHttpDateTz(ir);
  return (
    date !== null &&
    date.utc &&
    date.seconds === lastModifiedSeconds(v.mtimeMs) &&
    nowMs - v.mtimeMs >= STRONG_DATE_AGE_MS
  );
}

/**
 * Decides what a GET or HEAD of an existing regular file answers: the whole
 * file, 304, 206 with byte ranges, or 416. The rules, in order, are the
 * numbered steps in this file's header.
 *
 * Call it only when the answer would otherwise be 200 with the whole file.
 * Decisions are shared frozen objects for the bodiless kinds; do not mutate.
 *
 * @param method the request method, case-sensitive; only GET and HEAD are decided.
 * @param headers the request headers (`this.headers`).
 * @param v the file's size and mtime, from `fs.Stats`.
 * @param nowMs the current time in ms, for If-Range's strong-date test; defaults to `Date.now()`.
 * @param etag the representation's entity-tag for If-None-Match; `etagFor(v)`
 *   by default, another for a content-coded representation (issue #14).
 */
export function decide(
  method: string,
  headers: ConditionalHeaders,
  v: FileValidators,
  nowMs?: number,
  etag?: string,
): Decision {
  // 0.
  if (method !== "GET" && method !== "HEAD") return FULL;
  // 1. If-None-Match.
  if (headers.has("If-None-Match")) {
    if (ifNoneMatchMatches(headers.get("If-None-Match") ?? "", etag ?? etagFor(v))) return NOT_MODIFIED;
  } else if (headers.has("If-Modified-Since")) {
    // 2. If-Modified-Since, CPython 3.14's rule.
    const ims = parseHttpDateTz(headers.get("If-Modified-Since") ?? "");
    if (ims !== null && ims.utc && lastModifiedSeconds(v.mtimeMs) <= ims.seconds) return NOT_MODIFIED;
  }
  // 3. Range present, and If-Range (if any) holds.
  const range = headers.get("Range");
  if (range === undefined) return FULL;
  const ifRange = headers.get("If-Range");
  if (ifRange !== undefined && !ifRangeHolds(ifRange, v, nowMs ?? Date.now())) return FULL;
  // 4. Range.
  const specs = parseRange(range);
  if (specs === null) return FULL;
  const ranges = resolveRanges(specs, v.size);
  if (ranges === "ignore") return FULL;
  if (ranges === "unsatisfiable") return UNSATISFIABLE;
  return { kind: "partial", ranges };
}
