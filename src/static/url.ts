/**
 * Python's `urllib.parse.unquote`, `quote` and `urlsplit` as
 * `SimpleHTTPRequestHandler` calls them, and Python's POSIX filesystem
 * encoding (`os.fsencode` / `os.fsdecode`), which decide what a request path
 * means and how a directory listing links to its entries.
 *
 * Strategy:
 * - `unquote()` follows CPython's algorithm, not `decodeURIComponent`: the
 *   string is cut into runs of ASCII and non-ASCII characters; non-ASCII runs
 *   pass through untouched; in each ASCII run every `%XX` (two hex digits,
 *   either case) becomes a byte, any other `%` stays literal, and the run's
 *   bytes are decoded as UTF-8. CPython first decodes with
 *   `errors='surrogatepass'` and, if any run is not UTF-8, starts again with
 *   the default `errors='replace'` (that is `SimpleHTTPRequestHandler`'s
 *   `try: unquote(p, errors='surrogatepass') except UnicodeDecodeError:
 *   unquote(p)`); `unquote()` here is that whole two-step expression.
 *   Replacement follows the Unicode "maximal subpart" rule, as Python's and
 *   Node's UTF-8 decoders both do, so the number of U+FFFD characters matches.
 * - `quote()` percent-encodes the UTF-8 bytes of everything except
 *   `A-Za-z0-9_.-~` and the ASCII characters of `safe`, with uppercase hex.
 *   One cached regular expression per `safe` string finds the characters to
 *   encode, so names that need no quoting cost one regex test.
 *
 * Surrogates. JavaScript strings, like Python's, can hold lone surrogates, so
 * `surrogatepass` is reproduced: `%ED%A0%80` unquotes to the lone U+D800 and
 * `quote("\uD800")` is `%ED%A0%80`. One case cannot be reproduced: the six
 * bytes of an encoded high surrogate followed by an encoded low surrogate
 * (CESU-8, `%ED%A0%BD%ED%B2%80`) give Python two lone surrogates, and in a
 * JavaScript string the same two code units *are* the pair for U+1F480, so
 * we return that character. CPython then fails to encode the path for the
 * filesystem (an unhandled `UnicodeEncodeError`); we would name the file
 * `U+1F480` (inside the served directory, so this is only a difference in
 * which 404 or file a client gets, never an escape).
 *
 * Filesystem names. CPython on POSIX turns names into bytes with UTF-8 and
 * `surrogateescape`: an undecodable byte 0xXY in a file name is the lone
 * surrogate U+DCXY in Python, is linked as `quote()` of it (`%ED%B3%BF`-style)
 * and unquotes back to the same surrogate, so such files can be listed and
 * served. `fsDecode()` / `fsEncode()` are those two conversions, for a caller
 * that reads directories as `Buffer` names and opens files by `Buffer` path.
 * Node's own string paths would instead turn every lone surrogate into U+FFFD.
 */

import { splitTarget as splitTargetWithOrigin } from "./location.js";

// ---- unquote -----------------------------------------------------------------

/** Value of an ASCII hex digit, or -1; indexed by char code (0-127). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}

/** CPython's `_asciire`: the runs that `unquote` percent-decodes. */
const ASCII_RUN = /[\x00-\x7f]+/g;

/**
 * Python's `urllib.parse.unquote(s, errors='surrogatepass')`, falling back to
 * `urllib.parse.unquote(s)` (`errors='replace'`) when a percent-decoded run is
 * not UTF-8, exactly as `SimpleHTTPRequestHandler.translate_path` and
 * `list_directory` call it.
 *
 * `%XX` with two hex digits of either case becomes byte XX; a `%` not followed
 * by two hex digits stays literal; non-ASCII characters are kept as they are.
 * Encoded surrogates (`%ED%A0%80`) decode to lone surrogates, as with
 * `surrogatepass`; any other invalid UTF-8 makes the whole string decode again
 * with U+FFFD replacements (one per maximal invalid subpart, as in Python).
 *
 * Differs from CPython: an encoded surrogate pair (CESU-8) yields the astral
 * character that the two code units form in JavaScript; Python keeps two lone
 * surrogates (see the file comment).
 */
export function unquote(s: string): string {
  if (!s.includes("%")) return s;
  return unquoteWith(s, true) ?? (unquoteWith(s, false) as string);
}

/** One pass of CPython's `unquote`; `null` when `surrogatepass` decoding fails. */
function unquoteWith(s: string, surrogatepass: boolean): string | null {
  let out = "";
  let last = 0;
  ASCII_RUN.lastIndex = 0;
  for (let m = ASCII_RUN.exec(s); m !== null; m = ASCII_RUN.exec(s)) {
    out += s.slice(last, m.index);
    const run = m[0];
    if (run.includes("%")) {
      const bytes = unquoteToBytes(run);
      const text = surrogatepass ? decodeUtf8SurrogatePass(bytes) : bytes.toString("utf8");
      if (text === null) return null;
      out += text;
    } else {
      out += run;
    }
    last = m.index + run.length;
  }
  return out + s.slice(last);
}

/** Python's `unquote_to_bytes` of an ASCII string. */
function unquoteToBytes(run: string): Buffer {
  const bytes = Buffer.allocUnsafe(run.length);
  let n = 0;
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    if (c === 0x25 && i + 2 < run.length) {
      const hi = HEX_VALUE[run.charCodeAt(i + 1)]!;
      const lo = HEX_VALUE[run.charCodeAt(i + 2)]!;
      if (hi >= 0 && lo >= 0) {
        bytes[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    bytes[n++] = c;
  }
  return bytes.subarray(0, n);
}

/**
 * UTF-8 decoding with Python's `surrogatepass` handler: well-formed UTF-8 plus
 * three-byte encodings of U+D800..U+DFFF; `null` for anything else (where
 * Python raises `UnicodeDecodeError`).
 */
function decodeUtf8SurrogatePass(b: Uint8Array): string | null {
  let surrogates = false;
  for (let i = 0; i < b.length; ) {
    const len = utf8SequenceLength(b, i, true);
    if (len === 0) return null;
    if (len === 3 && b[i] === 0xed && b[i + 1]! >= 0xa0) surrogates = true;
    i += len;
  }
  if (!surrogates) return Buffer.from(b.buffer, b.byteOffset, b.length).toString("utf8");
  // Rare: decode by hand so the lone surrogates survive.
  let out = "";
  for (let i = 0; i < b.length; ) {
    const len = utf8SequenceLength(b, i, true);
    let cp: number;
    if (len === 1) cp = b[i]!;
    else if (len === 2) cp = ((b[i]! & 0x1f) << 6) | (b[i + 1]! & 0x3f);
    else if (len === 3) cp = ((b[i]! & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
    else cp = ((b[i]! & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/**
 * Length of the well-formed UTF-8 sequence at `b[i]` (Unicode Table 3-7), or
 * 0 if there is none; `surrogates` also accepts `ED A0..BF 80..BF`.
 */
function utf8SequenceLength(b: Uint8Array, i: number, surrogates: boolean): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, surrogates ? 0xbf : 0x9f) && cont(2) ? 3 : 0;
  if (b0 >= 0xe1 && b0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// ---- quote -------------------------------------------------------------------

/** `%XX` (uppercase) for every byte value. */
const PERCENT = Array.from({ length: 256 }, (_, b) => "%" + b.toString(16).toUpperCase().padStart(2, "0"));

/** CPython's `_ALWAYS_SAFE`, as a character-class body. */
const ALWAYS_SAFE_CLASS = "A-Za-z0-9_.\\-~";

/** Per-`safe` regex matching one code point (or lone surrogate) to encode. */
const QUOTE_RE_CACHE = new Map<string, RegExp>();
const QUOTE_RE_CACHE_MAX = 64;

function quoteRegExp(safe: string): RegExp {
  let re = QUOTE_RE_CACHE.get(safe);
  if (re === undefined) {
    // `safe.encode('ascii', 'ignore')`: only its ASCII characters count.
    let extra = "";
    for (const ch of safe) {
      const c = ch.charCodeAt(0);
      if (ch.length === 1 && c < 0x80) extra += "\\x" + c.toString(16).padStart(2, "0");
    }
    re = new RegExp(`[^${ALWAYS_SAFE_CLASS}${extra}]`, "gu");
    if (QUOTE_RE_CACHE.size >= QUOTE_RE_CACHE_MAX) QUOTE_RE_CACHE.clear();
    QUOTE_RE_CACHE.set(safe, re);
  }
  return re;
}

/** Percent-encoding of one code point (a lone surrogate as `surrogatepass` encodes it). */
function percentEncodeCodePoint(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return PERCENT[cp]!;
  if (cp < 0x800) return PERCENT[0xc0 | (cp >> 6)]! + PERCENT[0x80 | (cp & 0x3f)]!;
  if (cp < 0x10000) {
    return PERCENT[0xe0 | (cp >> 12)]! + PERCENT[0x80 | ((cp >> 6) & 0x3f)]! + PERCENT[0x80 | (cp & 0x3f)]!;
  }
  return (
    PERCENT[0xf0 | (cp >> 18)]! +
    PERCENT[0x80 | ((cp >> 12) & 0x3f)]! +
    PERCENT[0x80 | ((cp >> 6) & 0x3f)]! +
    PERCENT[0x80 | (cp & 0x3f)]!
  );
}

/**
 * Python's `urllib.parse.quote(s, safe, errors='surrogatepass')`: every
 * character except the unreserved `A-Za-z0-9_.-~` and the ASCII characters of
 * `safe` is replaced by the `%XX` escapes (uppercase hex) of its UTF-8 bytes.
 * Non-ASCII characters in `safe` are ignored, as in Python. A lone surrogate
 * is encoded as its three `surrogatepass` bytes (`"\uDC80"` → `%ED%B2%80`).
 *
 * @param safe characters to leave as they are besides the unreserved ones;
 *   Python's default `"/"`.
 */
export function quote(s: string, safe = "/"): string {
  const re = quoteRegExp(safe);
  re.lastIndex = 0;
  if (!re.test(s)) return s;
  return s.replace(re, percentEncodeCodePoint);
}

// ---- filesystem encoding -----------------------------------------------------

/** A lone (unpaired) surrogate: in `u` mode a pair is one code point and does not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True if `s` holds an unpaired UTF-16 surrogate (which UTF-8 cannot encode). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * Python's `os.fsdecode(b)` on POSIX with a UTF-8 filesystem encoding: UTF-8
 * with `surrogateescape`, so each byte that is not part of a well-formed
 * sequence becomes the lone surrogate U+DC80..U+DCFF and the name round-trips
 * through `fsEncode()`.
 */
export function fsDecode(b: Uint8Array): string {
  let clean = true;
  for (let i = 0; i < b.length; ) {
    const len = utf8SequenceLength(b, i, false);
    if (len === 0) {
      clean = false;
      break;
    }
    i += len;
  }
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  if (clean) return buf.toString("utf8");
  let out = "";
  let start = 0;
  for (let i = 0; i < b.length; ) {
    const len = utf8SequenceLength(b, i, false);
    if (len === 0) {
      out += buf.toString("utf8", start, i) + String.fromCharCode(0xdc00 | b[i]!);
      i += 1;
      start = i;
    } else {
      i += len;
    }
  }
  return out + buf.toString("utf8", start);
}

/**
 * Python's `os.fsencode(s)` on POSIX with a UTF-8 filesystem encoding: UTF-8
 * with `surrogateescape`, so U+DC80..U+DCFF become the raw bytes 0x80..0xFF.
 *
 * @returns the bytes, or `null` where Python raises `UnicodeEncodeError` (a
 *   lone surrogate outside U+DC80..U+DCFF); a caller treats that path as not
 *   found.
 */
export function fsEncode(s: string): Buffer | null {
  return encodeSurrogateEscape(s, false);
}

/**
 * `s.encode('utf-8', 'surrogateescape')`. A lone surrogate that is not an
 * escape makes Python raise; here it gives `null`, or U+FFFD's bytes when
 * `replaceUnencodable` is set.
 * @internal shared with the directory listing.
 */
export function encodeSurrogateEscape(s: string, replaceUnencodable: true): Buffer;
export function encodeSurrogateEscape(s: string, replaceUnencodable: boolean): Buffer | null;
export function encodeSurrogateEscape(s: string, replaceUnencodable: boolean): Buffer | null {
  if (!LONE_SURROGATE.test(s)) return Buffer.from(s, "utf8");
  const parts: Buffer[] = [];
  const lone = /[\uD800-\uDFFF]/gu;
  let last = 0;
  for (let m = lone.exec(s); m !== null; m = lone.exec(s)) {
    parts.push(Buffer.from(s.slice(last, m.index), "utf8"));
    const c = m[0].charCodeAt(0);
    if (c >= 0xdc80 && c <= 0xdcff) parts.push(Buffer.of(c & 0xff));
    else if (replaceUnencodable) parts.push(Buffer.of(0xef, 0xbf, 0xbd));
    else return null;
    last = m.index + 1;
  }
  parts.push(Buffer.from(s.slice(last), "utf8"));
  return Buffer.concat(parts);
}

// ---- urlsplit --------------------------------------------------------------------

/**
 * `urllib.parse.urlsplit(path)`'s path, query and fragment for a request
 * target, as `send_head()` uses them to build a directory's redirect.
 *
 * Differs from CPython: an absolute-form target's scheme and host are
 * dropped (an empty path becomes `/`), so the redirect may only point back
 * at this server.
 */
export function splitTarget(target: string): { path: string; query: string; fragment: string } {
  const { origin, path, query, fragment } = splitTargetWithOrigin(target);
  return { path: origin !== "" && path === "" ? "/" : path, query, fragment };
}
