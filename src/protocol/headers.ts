/**
 * Request header fields: the `HTTPMessage` a handler sees as `this.headers`,
 * and the reader that turns a head's bytes into one.
 *
 * Strategy: header lines are taken from the receive buffer one at a time with
 * CPython's limits (`http.client._read_headers`: 65536 bytes a line, 100 lines
 * counting the blank one), then each line is checked with a byte table and
 * split at its first colon. Where CPython's `email` parser is lenient in ways
 * that desynchronise framing or hide fields, we refuse with 400 instead
 * (docs/api-contract.md §4, RFC 9112 §5):
 *   - a line without a colon, or an empty or non-token field name (this
 *     includes whitespace before the colon, RFC 9112 §5.1);
 *   - obs-fold (a line starting with SP or HTAB, RFC 9112 §5.2);
 *   - NUL, bare CR or other control bytes in a value (RFC 9110 §5.5).
 * Values are decoded as ISO-8859-1 and stripped of surrounding SP/HTAB.
 */

import { ProtocolError } from "./errors.js";
import { MAX_HEADER_BYTES, MAX_HEADER_LINE, MAX_HEADERS } from "./limits.js";
import type { ReceiveBuffer } from "./receive-buffer.js";

/**
 * The request's header fields, with the read side of Python's
 * `email.message.Message`: case-insensitive lookup, repeated fields kept,
 * iteration in arrival order.
 */
export class HTTPMessage implements Iterable<string> {
  /** The fields as triples in arrival order: name as sent, name lower-cased, value (one array: one allocation as it grows). */
  #f: string[] = [];

  /**
   * Appends a field as received. Internal to the parser, but public so a
   * `MessageClass` subclass or a test can build a message.
   */
  add_header(name: string, value: string): void {
    this.#f.push(name, name.toLowerCase(), value);
  }

  /** The first value of field `name` (case-insensitive), or `failobj` when absent. */
  get(name: string): string | undefined;
  get<T>(name: string, failobj: T): string | T;
  get<T>(name: string, failobj?: T): string | T | undefined {
    const key = lowerName(name);
    const f = this.#f;
    for (let i = 1; i < f.length; i += 3) if (f[i] === key) return f[i + 1];
    return failobj;
  }

  /** Every value of field `name` in arrival order, or `failobj` when absent. */
  get_all(name: string): string[] | undefined;
  get_all<T>(name: string, failobj: T): string[] | T;
  get_all<T>(name: string, failobj?: T): string[] | T | undefined {
    const key = lowerName(name);
    const f = this.#f;
    let out: string[] | undefined;
    for (let i = 1; i < f.length; i += 3) if (f[i] === key) (out ??= []).push(f[i + 1]!);
    return out ?? failobj;
  }

  /** Python's `name in message`. */
  has(name: string): boolean {
    const key = lowerName(name);
    const f = this.#f;
    for (let i = 1; i < f.length; i += 3) if (f[i] === key) return true;
    return false;
  }

  /** Field names in arrival order, as sent (repeats included). */
  keys(): string[] {
    return this.#column(0);
  }

  /** Field values in arrival order. */
  values(): string[] {
    return this.#column(2);
  }

  /** `[name, value]` pairs in arrival order. */
  items(): [string, string][] {
    const f = this.#f;
    const out: [string, string][] = [];
    for (let i = 0; i < f.length; i += 3) out.push([f[i]!, f[i + 2]!]);
    return out;
  }

  /** Number of fields (Python's `len()`). */
  get length(): number {
    return this.#f.length / 3;
  }

  /** Iterates over field names, as Python's `Message` does. */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  #column(k: number): string[] {
    const f = this.#f;
    const out: string[] = [];
    for (let i = k; i < f.length; i += 3) out.push(f[i]!);
    return out;
  }

  /**
   * The media type of `Content-Type`, lower-cased, as `email.message.Message`
   * gives it: `text/plain` when absent or malformed (not exactly one `/`).
   */
  get_content_type(): string {
    const value = this.get("content-type");
    if (value === undefined) return "text/plain";
    const type = pyStrip(value.split(";", 1)[0]!).toLowerCase();
    return type.split("/").length === 2 ? type : "text/plain";
  }

  /** The `charset` parameter of `Content-Type`, lower-cased, or `failobj`. */
  get_content_charset(): string | undefined;
  get_content_charset<T>(failobj: T): string | T;
  get_content_charset<T>(failobj?: T): string | T | undefined {
    const value = this.get("content-type");
    if (value === undefined) return failobj;
    for (const param of value.split(";").slice(1)) {
      const eq = param.indexOf("=");
      if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
      let v = param.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v.toLowerCase();
    }
    return failobj;
  }

  /** The head as text, `Name: value` lines and a blank line (Python's `str(message)`). */
  toString(): string {
    let s = "";
    const f = this.#f;
    for (let i = 0; i < f.length; i += 3) s += `${f[i]}: ${f[i + 2]}\n`;
    return s + "\n";
  }
}

/** Python's `str.strip()` for a Latin-1 string (its whitespace includes \x1c-\x1f, \x85, \xa0). */
function pyStrip(s: string): string {
  const ws = (c: number): boolean =>
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c === 0x85 || c === 0xa0;
  let start = 0;
  let end = s.length;
  while (start < end && ws(s.charCodeAt(start))) start++;
  while (end > start && ws(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** A constructor of messages: the handler's `MessageClass`. */
export type MessageClassType = new () => HTTPMessage;

/**
 * `name.toLowerCase()`, remembered: the field names looked up and sent are
 * mostly the same few constants of the code (`"Range"`, `"Content-Length"`),
 * and a lookup by an interned string is cheaper than lower-casing it anew.
 * Bounded. @internal shared with the HTTP/2 writer.
 */
export function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < 512 && name.length <= 64) lowerNames.set(name, lower);
  }
  return lower;
}
const lowerNames = new Map<string, string>();

// RFC 9110 §5.6.2: token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" /
// "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

// RFC 9110 §5.5: field-value bytes are VCHAR, obs-text, SP and HTAB.
const VALUE_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) VALUE_BYTE[c] = c === 0x09 || (c >= 0x20 && c !== 0x7f) ? 1 : 0;

/** Whether `name` is a valid field name (RFC 9110 token). */
export function isToken(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

function invalid(reason: string): ProtocolError {
  return new ProtocolError(400, "ERR_INVALID_HEADER", reason);
}

/**
 * Parses one header line (line ending included) into the message.
 * Throws a 400 {@link ProtocolError} for a line we refuse.
 */
export function parseHeaderLine(line: Buffer, into: HTTPMessage): void {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  const first = line[0];
  if (first === 0x20 || first === 0x09) {
    throw new ProtocolError(400, "ERR_OBSOLETE_LINE_FOLDING", "Bad header line (obsolete line folding)");
  }
  let colon = -1;
  for (let i = 0; i < end; i++) {
    const c = line[i]!;
    if (c === 0x3a) {
      colon = i;
      break;
    }
    if (TCHAR[c] !== 1) throw invalid("Bad header name");
  }
  if (colon <= 0) throw invalid(colon === 0 ? "Bad header name" : "Bad header line");
  let vs = colon + 1;
  let ve = end;
  while (vs < ve && (line[vs] === 0x20 || line[vs] === 0x09)) vs++;
  while (ve > vs && (line[ve - 1] === 0x20 || line[ve - 1] === 0x09)) ve--;
  for (let i = vs; i < ve; i++) if (VALUE_BYTE[line[i]!] !== 1) throw invalid("Bad header value");
  // One decode of the line, then string slices (a native call fewer per field).
  const text = line.toString("latin1", 0, ve);
  into.add_header(text.slice(0, colon), text.slice(vs));
}

/**
 * Reads a header section from a {@link ReceiveBuffer}, resumable across
 * arrivals: `read()` returns `null` until the blank line has been seen.
 * Limits and their errors are CPython's (see `limits.ts`), plus our total.
 */
export class HeaderReader {
  #lines = 0;
  #bytes = 0;
  readonly #message: HTTPMessage;
  readonly #maxBytes: number;

  constructor(message: HTTPMessage, maxBytes = MAX_HEADER_BYTES) {
    this.#message = message;
    this.#maxBytes = maxBytes;
  }

  /**
   * Consumes complete header lines from `rb`.
   * @param eof no more bytes will arrive: the section ends here (CPython treats EOF as the blank line).
   * @returns the message once the section is complete, or `null` for "need more".
   */
  read(rb: ReceiveBuffer, eof = false): HTTPMessage | null {
    for (;;) {
      let line = rb.takeLine(MAX_HEADER_LINE + 1);
      if (line === null) {
        if (!eof) {
          if (this.#bytes + rb.length > this.#maxBytes) throw tooLarge(this.#maxBytes);
          return null;
        }
        line = rb.take(rb.length);
      }
      if (line.length > MAX_HEADER_LINE) {
        throw new ProtocolError(
          431,
          "ERR_HEADER_LINE_TOO_LONG",
          "Line too long",
          `got more than ${MAX_HEADER_LINE} bytes when reading header line`,
        );
      }
      this.#lines++;
      this.#bytes += line.length;
      if (this.#lines > MAX_HEADERS) {
        throw new ProtocolError(431, "ERR_TOO_MANY_HEADERS", "Too many headers", `got more than ${MAX_HEADERS} headers`);
      }
      if (this.#bytes > this.#maxBytes) throw tooLarge(this.#maxBytes);
      if (line.length === 0 || (line.length === 1 && line[0] === 0x0a) || (line.length === 2 && line[0] === 0x0d && line[1] === 0x0a)) {
        return this.#message;
      }
      parseHeaderLine(line, this.#message);
    }
  }
}

function tooLarge(max: number): ProtocolError {
  return new ProtocolError(
    431,
    "ERR_HEADER_BLOCK_TOO_LARGE",
    "Request header fields too large",
    `the request head is larger than ${max} bytes`,
  );
}
