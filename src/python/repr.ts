/**
 * Python's `repr()`, `str()` and `ascii()` for JavaScript values, and the
 * helpers the `%` formatter shares with them (Python exceptions, code point
 * counting). Used by log lines, error pages and CLI messages that must read
 * as CPython's.
 *
 * Strategy: `pyRepr()` of a string follows `unicode_repr()`
 * (Objects/unicodeobject.c): the same quote choice, escapes and
 * `str.isprintable()` rule (categories C* and Z* are escaped, except the ASCII
 * space), tested character by character on the slow path only; printable
 * ASCII without quotes or backslashes returns at once.
 *
 * Differs from CPython, because JavaScript values are not Python objects:
 * - A `number` that is an integer is a Python `int`, any other `number` a
 *   `float`; `bigint` is an `int`; `null` and `undefined` are `None`.
 * - An array is a `list`; a plain object or `Map` is a `dict`. An `Error` is
 *   an exception: `str()` is its message and `repr()` is `Name('message')`.
 * - Printability follows the JavaScript engine's Unicode tables
 *   (`process.versions.unicode`) where CPython uses its own, so a code point
 *   assigned in only one of the two versions may be escaped differently.
 * - Python's `ValueError`, `KeyError` and `OverflowError` are thrown as
 *   `Error` objects with that `name` (`pyError()`).
 */

// ---------------------------------------------------------------------------
// Errors

export type PyErrorName = "ValueError" | "KeyError" | "OverflowError";

/** An `Error` standing for the Python exception `name` (there is no JS class for it). */
export function pyError(name: PyErrorName, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

// ---------------------------------------------------------------------------
// repr(), str(), ascii()

/** Printable ASCII other than `'`, `"` and `\`: such a string's repr is itself in single quotes. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/;

/**
 * Python's `str.isprintable()` is false for categories C* (Cc, Cf, Cs, Co,
 * Cn) and Z* (Zs, Zl, Zp), except the ASCII space (Tools/unicode/
 * makeunicodedata.py: `char == ord(" ") or category[0] not in ("C", "Z")`).
 * Only used for non-ASCII code points.
 */
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

const HEX = "0123456789abcdef";

/** `\xhh`, `\uhhhh` or `\Uhhhhhhhh` for `cp`, in lower case, as `unicode_repr()` writes them. */
function escapeCodePoint(cp: number): string {
  if (cp <= 0xff) return "\\x" + HEX[cp >> 4] + HEX[cp & 15];
  if (cp <= 0xffff) return "\\u" + cp.toString(16).padStart(4, "0");
  return "\\U" + cp.toString(16).padStart(8, "0");
}

/** Python 3's `repr(s)` for a string (Objects/unicodeobject.c `unicode_repr`). */
function reprString(s: string): string {
  if (PLAIN_ASCII.test(s)) return "'" + s + "'";
  // Single quotes unless the string contains ' and no ".
  const quote = s.includes("'") && !s.includes('"') ? 0x22 : 0x27;
  const q = String.fromCharCode(quote);
  let out = q;
  let run = 0; // start of the pending run of characters copied as they are
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let escaped: string;
    let units = 1; // UTF-16 units of the code point at i
    if (c >= 0x20 && c < 0x7f) {
      if (c !== quote && c !== 0x5c) continue;
      escaped = "\\" + s[i];
    } else if (c === 0x09) {
      escaped = "\\t";
    } else if (c === 0x0a) {
      escaped = "\\n";
    } else if (c === 0x0d) {
      escaped = "\\r";
    } else if (c < 0x80) {
      // Other C0 controls and DEL.
      escaped = escapeCodePoint(c);
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
          units = 2;
        }
      }
      // A lone surrogate (category Cs) is never printable.
      const printable = !(cp >= 0xd800 && cp <= 0xdfff) && !NON_PRINTABLE.test(s.slice(i, i + units));
      if (printable) {
        i += units - 1;
        continue;
      }
      escaped = escapeCodePoint(cp);
    }
    out += s.slice(run, i) + escaped;
    i += units - 1;
    run = i + 1;
  }
  return out + s.slice(run) + q;
}

/** Python's `repr(bytes)`: `b'...'` with `\xhh` for bytes outside printable ASCII. */
function reprBytes(b: Uint8Array): string {
  let squote = false;
  let dquote = false;
  for (const byte of b) {
    if (byte === 0x27) squote = true;
    else if (byte === 0x22) dquote = true;
  }
  const quote = squote && !dquote ? 0x22 : 0x27;
  let out = "b" + String.fromCharCode(quote);
  for (const byte of b) {
    if (byte === quote || byte === 0x5c) out += "\\" + String.fromCharCode(byte);
    else if (byte === 0x09) out += "\\t";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x0d) out += "\\r";
    else if (byte < 0x20 || byte >= 0x7f) out += escapeCodePoint(byte);
    else out += String.fromCharCode(byte);
  }
  return out + String.fromCharCode(quote);
}

/** Python's `repr(float)` (shortest round-trip digits; exponent form below 1e-4 and from 1e16). */
function reprFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  // toExponential() without an argument gives the shortest round-trip digits.
  const e = x.toExponential();
  const at = e.indexOf("e");
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 16) {
    return e.slice(0, at) + (exp < 0 ? "e-" : "e+") + String(Math.abs(exp)).padStart(2, "0");
  }
  // In this range String() uses fixed notation with the same digits.
  const s = String(x);
  return s.includes(".") ? s : s + ".0";
}

/** A number as Python prints it: integers as `int`, everything else as `float`. */
function reprNumber(x: number): string {
  if (Number.isSafeInteger(x)) return String(x === 0 ? 0 : x); // -0 prints as 0
  if (Number.isInteger(x)) return BigInt(x).toString();
  return reprFloat(x);
}

/** True for `{...}` literals and `Object.create(null)` objects, which we print as a dict. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The name Python would print for `type(value).__name__`, for error messages. */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "str";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "undefined":
      return "NoneType";
    case "function":
      return "function";
    case "symbol":
      return "symbol";
    default:
      break;
  }
  if (typeof value !== "object" || value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (value instanceof Uint8Array) return "bytes";
  if (value instanceof Map || isPlainObject(value)) return "dict";
  if (value instanceof Error) return value.name;
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === "function" && ctor.name ? ctor.name : "object";
}

/** An object whose class defines its own `toString()` (URL, Date, ...) prints through it. */
function hasOwnToString(value: object): boolean {
  return (value as { toString?: unknown }).toString !== Object.prototype.toString;
}

function reprObject(value: object, seen: Set<object> | undefined): string {
  if (value instanceof Error) {
    // Python: repr(TimeoutError('timed out')) == "TimeoutError('timed out')".
    return value.name + "(" + (value.message === "" ? "" : reprString(value.message)) + ")";
  }
  if (value instanceof Uint8Array) return reprBytes(value);
  const isList = Array.isArray(value);
  const isMap = value instanceof Map;
  if (isList || isMap || isPlainObject(value)) {
    if (seen?.has(value)) return isList ? "[...]" : "{...}";
    const inner = seen ?? new Set<object>();
    inner.add(value);
    const parts: string[] = [];
    if (isList) {
      for (const item of value) parts.push(reprOf(item, inner));
    } else if (isMap) {
      for (const [k, v] of value) parts.push(reprOf(k, inner) + ": " + reprOf(v, inner));
    } else {
      for (const [k, v] of Object.entries(value)) parts.push(reprString(k) + ": " + reprOf(v, inner));
    }
    inner.delete(value);
    return isList ? "[" + parts.join(", ") + "]" : "{" + parts.join(", ") + "}";
  }
  if (hasOwnToString(value)) return String(value);
  return "<" + pyTypeName(value) + " object>";
}

function reprOf(value: unknown, seen: Set<object> | undefined): string {
  switch (typeof value) {
    case "string":
      return reprString(value);
    case "number":
      return reprNumber(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "True" : "False";
    case "undefined":
      return "None";
    case "symbol":
      return value.toString();
    case "function":
      return "<function " + (value.name || "<anonymous>") + ">";
    default:
      return typeof value === "object" && value !== null ? reprObject(value, seen) : "None";
  }
}

/**
 * Python's `repr(value)`. For a string this is exactly Python 3's
 * `repr(str)`: single quotes unless the string contains `'` and no `"`;
 * `\\`, the quote, `\t`, `\n` and `\r` backslash-escaped; other characters
 * that are not `str.isprintable()` (ASCII controls, DEL, and every non-ASCII
 * code point in categories C* or Z*, lone surrogates included) written as
 * `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
 *
 * Other values print as their Python counterparts: `1`, `1.5`, `1e-05`,
 * `nan`, `True`, `None` (for `null` and `undefined`), `[1, 'a']` for an array,
 * `{'k': 'v'}` for a plain object or `Map`, `b'...'` for a `Uint8Array`, and
 * `TimeoutError('timed out')` for an `Error`.
 *
 * Differs from CPython: an integer-valued `number` prints as an `int` (`2`,
 * not `2.0`); other objects print through their own `toString()` if their
 * class has one, else as `<Name object>`.
 */
export function pyRepr(value: unknown): string {
  return typeof value === "string" ? reprString(value) : reprOf(value, undefined);
}

/**
 * Python's `str(value)`: a string unchanged, an `Error` as its message, and
 * everything else as {@link pyRepr} gives it (as Python's `str()` of numbers,
 * `None`, booleans, lists, dicts and bytes equals their `repr()`), except that
 * an object whose class defines `toString()` prints through it.
 */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.message;
  return reprOf(value, undefined);
}

/**
 * Python's `ascii(value)`: {@link pyRepr} with every non-ASCII code point
 * escaped as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
 */
export function pyAscii(value: unknown): string {
  const repr = pyRepr(value);
  let out = "";
  let run = 0;
  for (let i = 0; i < repr.length; i++) {
    const c = repr.charCodeAt(i);
    if (c < 0x80) continue;
    const cp = repr.codePointAt(i) ?? c;
    out += repr.slice(run, i) + escapeCodePoint(cp);
    if (cp > 0xffff) i++;
    run = i + 1;
  }
  return run === 0 ? repr : out + repr.slice(run);
}

// ---------------------------------------------------------------------------
// Code point helpers (Python counts widths and precisions in code points)

export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The first `count` code points of `s`. */
export function codePointPrefix(s: string, count: number): string {
  let i = 0;
  for (let k = 0; k < count && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return s.slice(0, i);
}

