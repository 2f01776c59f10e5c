/**
 * The request line, decided the way CPython 3.14's `parse_request` decides it.
 *
 * Strategy: the line is decoded as ISO-8859-1 and split on Python's
 * `str.split()` whitespace; then, in CPython's order,
 *   1. no words            → nothing to answer, close
 *   2. three or more words → the last must be `HTTP/<digits>.<digits>` (each
 *                            part at most 10 digits), else 400 "Bad request
 *                            version"; 2.0 and above → 505
 *   3. not two or three words → 400 "Bad request syntax"
 *   4. two words           → HTTP/0.9, which only knows GET
 * and one rule of ours: a control byte inside a word (CPython accepts NUL,
 * DEL, ESC …) → 400 "Bad request syntax" (docs/api-contract.md §4).
 *
 * The result says what to set on the handler; the statuses and messages
 * (Python's `%r`) are decided in `request-head.ts` (`HEAD_ERRORS`).
 */

/** What the request line decided. */
export interface RequestLine {
  /** The words, as CPython's `requestline.split()` gives them. */
  readonly words: string[];
  /** `request_version` to set, when the version was valid (three or more words). */
  readonly version?: string;
  /** `close_connection` as decided by the version (before any header is read). */
  readonly closeConnection: boolean;
  /** Set when the request must be refused. */
  readonly error?: RequestLineError;
}

/** Why a request line is refused, with the text CPython puts in its message. */
export type RequestLineError =
  | { readonly kind: "version"; readonly status: 400; readonly detail: string }
  | { readonly kind: "unsupported-version"; readonly status: 505; readonly detail: string }
  | { readonly kind: "syntax"; readonly status: 400; readonly detail: string }
  | { readonly kind: "http09-method"; readonly status: 400; readonly detail: string }
  | { readonly kind: "empty"; readonly status: 0; readonly detail: "" };

/** Characters that Python's `str.split()` splits on, within ISO-8859-1. */
function isPyWhitespace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x1f) ||
    c === 0x85 ||
    c === 0xa0
  );
}

/** Control characters that are not Python whitespace: refused inside a word. */
function isForbiddenControl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

/** Python's `str.split()` for a Latin-1 string. */
export function pySplit(line: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    if (isPyWhitespace(line.charCodeAt(i))) {
      if (start !== -1) {
        words.push(line.slice(start, i));
        start = -1;
      }
    } else if (start === -1) {
      start = i;
    }
  }
  if (start !== -1) words.push(line.slice(start));
  return words;
}

/** Python's `str.rstrip('\r\n')`. */
export function stripLineEnd(line: string): string {
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 0x0a && c !== 0x0d) break;
    end--;
  }
  return end === line.length ? line : line.slice(0, end);
}

const VERSION_PART = /^[0-9]{1,10}$/;

/**
 * Decides a request line (CRLF already stripped).
 * @param protocolVersion the handler's `protocol_version`, which decides persistence.
 */
export function parseRequestLine(requestline: string, protocolVersion: string): RequestLine {
  const fast = commonLine(requestline, protocolVersion);
  if (fast !== null) return fast;
  const words = pySplit(requestline);
  if (words.length === 0) {
    return { words, closeConnection: true, error: { kind: "empty", status: 0, detail: "" } };
  }
  let version: string | undefined;
  let closeConnection = true;
  if (words.length >= 3) {
    const candidate = words[words.length - 1]!;
    const parts = candidate.startsWith("HTTP/") ? candidate.slice(5).split(".") : [];
    if (parts.length !== 2 || !VERSION_PART.test(parts[0]!) || !VERSION_PART.test(parts[1]!)) {
      return { words, closeConnection, error: { kind: "version", status: 400, detail: candidate } };
    }
    const major = Number(parts[0]);
    const minor = Number(parts[1]);
    if ((major > 1 || (major === 1 && minor >= 1)) && protocolVersion >= "HTTP/1.1") {
      closeConnection = false;
    }
    if (major >= 2) {
      return {
        words,
        closeConnection,
        error: { kind: "unsupported-version", status: 505, detail: candidate.slice(5) },
      };
    }
    version = candidate;
  }
  if (words.length < 2 || words.length > 3) {
    return { words, version, closeConnection, error: { kind: "syntax", status: 400, detail: requestline } };
  }
  for (const word of words) {
    for (let i = 0; i < word.length; i++) {
      if (isForbiddenControl(word.charCodeAt(i))) {
        return { words, version, closeConnection, error: { kind: "syntax", status: 400, detail: requestline } };
      }
    }
  }
  if (words.length === 2 && words[0] !== "GET") {
    return { words, closeConnection: true, error: { kind: "http09-method", status: 400, detail: words[0]! } };
  }
  return { words, version, closeConnection: words.length === 2 ? true : closeConnection };
}

// Any byte that is not a plain word character or a single space: whitespace
// other than SP, control bytes, and Python's extra separators.
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[\x00-\x1f\x7f\x85\xa0]/;

/**
 * The common case, decided without splitting: `METHOD SP target SP HTTP/1.x`
 * with single spaces and no other whitespace or control byte. Returns `null`
 * for anything else, which the general path then decides. Same results.
 */
function commonLine(line: string, protocolVersion: string): RequestLine | null {
  const n = line.length;
  if (n < 11 || (!line.endsWith(" HTTP/1.1") && !line.endsWith(" HTTP/1.0"))) {
    return null;
  }
  const sp1 = line.indexOf(" ");
  const sp2 = n - 9;
  if (sp1 <= 0 || sp1 + 1 >= sp2 || line.indexOf(" ", sp1 + 1) !== sp2 || NOT_PLAIN.test(line)) return null;
  const version = line.slice(sp2 + 1);
  const keepAlive = version === "HTTP/1.1" && protocolVersion >= "HTTP/1.1";
  return { words: [line.slice(0, sp1), line.slice(sp1 + 1, sp2), version], version, closeConnection: !keepAlive };
}

/**
 * gh-87389: a path starting with `//` is reduced to one `/`, so that a
 * redirect built from it can never point at another host.
 */
export function reduceLeadingSlashes(path: string): string {
  if (!path.startsWith("//")) return path;
  let i = 2;
  while (i < path.length && path.charCodeAt(i) === 0x2f) i++;
  return "/" + path.slice(i);
}
