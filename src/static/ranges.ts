/**
 * Byte ranges (RFC 9110 §14): the Range header parsed and resolved against a
 * file's size, and the multipart/byteranges body that carries several ranges.
 * Pure functions: no fs, no sockets; `newBoundary()` draws random bytes.
 * `conditional.ts` decides whether the Range field applies at all (method,
 * If-None-Match, If-Modified-Since, If-Range); this file decides what it asks for.
 *
 * Strategy: step 4 of `decide()`'s evaluation order (`conditional.ts`).
 * 4. Range (§14.1.1, §14.2), for GET and for HEAD. RFC 9110 §14.2 defines
 *    range handling for GET only, but §9.3.2 asks HEAD to send GET's
 *    header fields; like Go's `ServeContent`, nginx and Apache, HEAD gets
 *    the 206/416 status and headers a GET would get.
 *      Range          = ranges-specifier
 *      ranges-specifier = range-unit "=" range-set
 *      range-set      = 1#range-spec
 *      range-spec     = int-range / suffix-range / other-range
 *      int-range      = first-pos "-" [ last-pos ]
 *      suffix-range   = "-" suffix-length
 *    a. The unit must be `bytes`, case-insensitively (§14.1), directly
 *       followed by `=`; OWS is allowed around list members and empty
 *       members are skipped (§5.6.1). An unknown unit, an empty set,
 *       any member that is not an int-range or suffix-range (other-range,
 *       signs, inner spaces), or an int-range whose last-pos < first-pos
 *       makes the whole header invalid → full (§14.2: a server MAY
 *       ignore it).
 *    b. Satisfiable members (§14.1.1): an int-range whose first-pos < size
 *       (last-pos clipped to size − 1, absent means size − 1); a suffix-range
 *       with suffix-length > 0 (a suffix longer than the file is the whole
 *       file, still 206). Unsatisfiable members are dropped; none left →
 *       416 with `Content-Range: bytes *\/size`.
 *    c. Zero-length file: only a non-zero suffix-range is satisfiable, and
 *       it selects an empty body that 206 cannot express (`bytes 0--1/0`),
 *       so then → full (the empty 200); otherwise → 416 `bytes *\/0`.
 *    d. Defences (§14.2 lets a server ignore or coalesce overlapping,
 *       unsorted or many small ranges; the Apache "Range: bytes=0-,5-0,…"
 *       attack, CVE-2011-3192): the satisfiable ranges are ALWAYS sorted
 *       and overlapping or adjacent ones coalesced (§14.6 allows reordering:
 *       each part carries its Content-Range). Hence the parts never overlap
 *       and their total length is ≤ size (no separate 2 × size check is
 *       needed), and a list that coalesces to one range is a single 206.
 *       More than MAX_RANGE_PARTS disjoint ranges left after coalescing →
 *       full (Apache's `MaxRanges` ignores the header the same way).
 *
 * Multipart framing (§14.6, RFC 2046 §5.1.1): every part, the first included,
 * starts with CRLF "--" boundary CRLF, so the body begins with an empty
 * preamble, as Apache and nginx send it; the body ends with CRLF "--"
 * boundary "--" CRLF. RFC 9110's example omits the first CRLF; multipart
 * parsers accept both.
 */

import { randomBytes } from "node:crypto";

// ---- limits ---------------------------------------------------------------------

/**
 * Most disjoint byte ranges answered as one multipart/byteranges response,
 * counted after sorting and coalescing; more → the Range header is ignored
 * (full 200). Apache's `MaxRanges` defaults to 200; 100 is ours, enough for
 * any PDF or media reader, and bounds the part overhead at about 100 × 120 bytes.
 */
export const MAX_RANGE_PARTS = 100;

// ---- ranges (RFC 9110 §14.1) ------------------------------------------------------

/** An inclusive byte range: `start` ≤ `end`, both within the file. */
export type Range = { start: number; end: number };

/** A syntactically valid range-spec; positions are digit strings, possibly beyond 2^53. */
export type RangeSpec = { first: string; last: string | null } | { suffix: string };

/** Compares two digit strings as numbers, exactly. */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, "");
  const y = b.replace(/^0+(?=.)/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** OWS (RFC 9110 §5.6.3): spaces and horizontal tabs. */
export const isOws = (c: string | undefined): boolean => c === " " || c === "\t";

/** `s` without leading and trailing OWS. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s[a])) a++;
  while (b > a && isOws(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Parses a Range value (step 4a); `null` when invalid or not in bytes. */
export function parseRange(value: string): RangeSpec[] | null {
  const v = trimOws(value);
  const eq = v.indexOf("=");
  if (eq === -1 || v.slice(0, eq).toLowerCase() !== "bytes") return null;
  const specs: RangeSpec[] = [];
  for (const raw of v.slice(eq + 1).split(",")) {
    const member = trimOws(raw);
    if (member === "") continue; // §5.6.1: empty list elements are ignored
    let m = /^([0-9]+)-([0-9]*)$/.exec(member);
    if (m !== null) {
      const first = m[1]!;
      const last = m[2] === "" ? null : m[2]!;
      if (last !== null && compareDigits(last, first) < 0) return null;
      specs.push({ first, last });
      continue;
    }
    m = /^-([0-9]+)$/.exec(member);
    if (m === null) return null;
    specs.push({ suffix: m[1]! });
  }
  return specs.length === 0 ? null : specs;
}

/**
 * Resolves valid specs against the file size (steps 4b–4d): the ranges to
 * send (sorted, disjoint, non-adjacent), `"unsatisfiable"` (416), or
 * `"ignore"` when the whole file should be sent instead. Digit strings
 * become Numbers: rounding is monotonic, and sizes are below 2^53, so every
 * comparison with the size stays exact.
 */
export function resolveRanges(specs: RangeSpec[], size: number): Range[] | "unsatisfiable" | "ignore" {
  const ranges: Range[] = [];
  let emptySuffix = false;
  for (const spec of specs) {
    if ("suffix" in spec) {
      const n = Number(spec.suffix);
      if (n === 0) continue;
      if (size === 0) emptySuffix = true;
      else ranges.push({ start: Math.max(0, size - n), end: size - 1 });
    } else {
      const first = Number(spec.first);
      if (first >= size) continue;
      const end = spec.last === null ? size - 1 : Math.min(Number(spec.last), size - 1);
      ranges.push({ start: first, end });
    }
  }
  if (ranges.length === 0) return emptySuffix ? "ignore" : "unsatisfiable";
  ranges.sort((a, b) => a.start - b.start);
  const merged: Range[] = [{ ...ranges[0]! }];
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i]!;
    const top = merged[merged.length - 1]!;
    if (r.start <= top.end + 1) top.end = Math.max(top.end, r.end);
    else merged.push({ ...r });
  }
  if (merged.length > MAX_RANGE_PARTS) return "ignore";
  return merged;
}

// ---- response framing (RFC 9110 §14.4, §14.6) -------------------------------------

/** The Content-Range of a 206 part: `bytes 0-99/1000`. */
export function contentRange(r: Range, size: number): string {
  return `bytes ${r.start}-${r.end}/${size}`;
}

/** RFC 2046 §5.1.1: 1–70 bchars, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * The multipart/byteranges body for `ranges` of a file of `size` bytes, as
 * the bytes around each part's content: `parts[i].head` precedes the bytes of
 * `parts[i].range`, and `tail` follows the last part. `length` is the total
 * body length, for Content-Length. The response's Content-Type is
 * `multipart/byteranges; boundary=<boundary>`.
 *
 *   part head = CRLF "--" boundary CRLF
 *               "Content-Type: " contentType CRLF
 *               "Content-Range: bytes " start "-" end "/" size CRLF
 *               CRLF
 *   tail      = CRLF "--" boundary "--" CRLF
 *
 * The first head starts with CRLF too (an empty preamble; see the file
 * header). Heads are ISO-8859-1, like every header.
 *
 * @throws TypeError if `contentType` has CR, LF, NUL or a character above U+00FF.
 * @throws RangeError if `boundary` is not an RFC 2046 boundary, `ranges` is
 *   empty, or a range is not a non-empty integer range within the file.
 */
export function multipartByteranges(
  ranges: Range[],
  size: number,
  contentType: string,
  boundary: string,
): { parts: { head: Buffer; range: Range }[]; tail: Buffer; length: number } {
  if (/[\r\n\0]|[^\u0000-\u00ff]/.test(contentType)) throw new TypeError("invalid Content-Type for a multipart part");
  if (!BOUNDARY.test(boundary)) throw new RangeError("invalid multipart boundary");
  if (ranges.length === 0) throw new RangeError("multipart/byteranges needs at least one range");
  let length = 0;
  const parts = ranges.map((range) => {
    const { start, end } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
      throw new RangeError(`range ${start}-${end} is not within a file of ${size} bytes`);
    }
    const head = Buffer.from(
      `\r\n--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`,
      "latin1",
    );
    length += head.length + (end - start + 1);
    return { head, range };
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, "latin1");
  length += tail.length;
  return { parts, tail, length };
}

/**
 * A fresh multipart boundary: 48 hex digits from 24 random bytes, a token
 * that needs no quoting in `Content-Type`. File content cannot be escaped, so
 * the boundary is unguessable instead (RFC 2046 §5.1.1).
 */
export function newBoundary(): string {
  return randomBytes(24).toString("hex");
}
