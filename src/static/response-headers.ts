/**
 * `-H/--header` and `response_headers` (CPython 3.15, gh-135056): fields a
 * user adds to the file server's successful responses.
 *
 * Strategy: checked once, when given (a usage error on the command line, a
 * TypeError from the constructor), never per request. A field must be a
 * `token` name and a value of visible ISO-8859-1 characters, spaces and tabs
 * (RFC 9110 §5.5; no CR, LF or NUL: no header injection). Names the server
 * itself must control are refused, since a second copy would corrupt the
 * framing or the connection: `Content-Length`, `Transfer-Encoding`,
 * `Connection`, `Keep-Alive`, `Upgrade`, `TE`, `Trailer`. CPython 3.15 checks
 * none of this (it writes what it is given).
 *
 * On the command line a field is one argument, `"Name: value"` (as curl's
 * `-H`), or CPython's two, `-H Name value`.
 */

import { pyRepr } from "../python/repr.js";

/** `token` (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `field-value`: visible ISO-8859-1, SP and HTAB, no leading or trailing whitespace. */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/** Framing and connection fields only the server may send. */
const RESERVED = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"]);

/** A response field: name and value. */
export type HeaderPair = readonly [name: string, value: string];

/** Why a field cannot be sent, or `null` when it can. */
export function headerProblem(name: string, value: string): string | null {
  if (!TOKEN.test(name)) return `invalid header name: ${pyRepr(name)}`;
  if (RESERVED.has(name.toLowerCase())) return `header ${name} is set by the server and cannot be given`;
  if (!FIELD_VALUE.test(value)) return `invalid value for header ${name}: ${pyRepr(value)}`;
  return null;
}

/** Splits `"Name: value"` at its first colon; the value is trimmed of spaces and tabs. `null` without a colon. */
export function splitHeaderArg(text: string): HeaderPair | null {
  const colon = text.indexOf(":");
  if (colon === -1) return null;
  return [text.slice(0, colon), text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "")];
}

/**
 * Checks fields given to the library (`response_headers`), as pairs or an
 * object; returns them as pairs.
 * @throws TypeError naming the first field that cannot be sent.
 */
export function checkResponseHeaders(headers: Iterable<readonly [string, string]> | Record<string, string>): HeaderPair[] {
  const pairs: HeaderPair[] =
    Symbol.iterator in headers
      ? [...(headers as Iterable<readonly [string, string]>)].map(([n, v]) => [String(n), String(v)] as const)
      : Object.entries(headers).map(([n, v]) => [n, String(v)] as const);
  for (const [name, value] of pairs) {
    const problem = headerProblem(name, value);
    if (problem !== null) throw new TypeError(`response_headers: ${problem}`);
  }
  return pairs;
}
