/**
 * Python's `str % args` formatting, `repr()`, `str()` and `ascii()`, for the
 * log lines and the error page that `BaseHTTPRequestHandler` produces.
 *
 * CPython writes its log lines with `format % args` and its error page with
 * `DEFAULT_ERROR_MESSAGE % {...}`; users override both, and expect their
 * Python format strings to behave as in Python, so we implement the real thing
 * rather than a `%s`-only shortcut.
 *
 * Strategy:
 * - `pyFormat()` is a port of CPython 3.14's `PyUnicode_Format()`
 *   (Objects/unicodeobject.c): the same parse order, the same argument cursor
 *   (`argidx`/`arglen`, including the quirks of a mapping and of `%(key)`),
 *   the same padding routine (`unicode_format_arg_output`), and the same
 *   exceptions and messages. A format string is parsed once into literal
 *   pieces and conversion specs and kept in a small bounded cache, so the
 *   per-request call (`'"%s" %s %s'`) is one `Map` lookup and a loop that
 *   appends strings. A syntax error is recorded in the parsed spec and thrown
 *   when formatting reaches it, so errors come in Python's left-to-right order.
 * - Floats are formatted from their exact binary value with `BigInt`, rounding
 *   half to even like CPython's `dtoa`; `Number.prototype.toFixed` rounds ties
 *   the other way (`(0.125).toFixed(2)` is `"0.13"`, Python says `0.12`).
 * - `pyRepr()` of a string follows `unicode_repr()`: the same quote choice,
 *   escapes and `str.isprintable()` rule (categories C* and Z* are escaped,
 *   except the ASCII space), tested character by character on the slow path
 *   only; printable ASCII without quotes or backslashes returns at once.
 *
 * Differs from CPython, because JavaScript values are not Python objects:
 * - A `number` that is an integer is treated as a Python `int` (`%s` of `2`
 *   is `2`, not `2.0`; `1e16` prints all its digits), any other `number` as a
 *   `float`; `bigint` is an `int`; `null` and `undefined` are `None`.
 * - An array is a tuple of arguments for `pyFormat()` and a `list` for
 *   `pyRepr()`; a plain object or `Map` is a mapping (`dict`). An `Error` is an
 *   exception: `str()` is its message and `repr()` is `Name('message')`.
 * - Printability follows the JavaScript engine's Unicode tables
 *   (`process.versions.unicode`, 17.0 in Node 20.20) where CPython uses its
 *   own (16.0 in 3.14), so a code point assigned in only one of the two
 *   versions may be escaped differently.
 * - Python's `ValueError`, `KeyError` and `OverflowError` are thrown as `Error`
 *   objects with that `name`; Python's `TypeError` is a JavaScript `TypeError`.
 */

// ---------------------------------------------------------------------------
// Errors

type PyErrorName = "ValueError" | "KeyError" | "OverflowError";

/** An `Error` standing for the Python exception `name` (there is no JS class for it). */
function pyError(name: PyErrorName, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function notEnoughArguments(): TypeError {
  return new TypeError("not enough arguments for format string");
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
function pyTypeName(value: unknown): string {
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

function codePointLength(s: string): number {
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
function codePointPrefix(s: string, count: number): string {
  let i = 0;
  for (let k = 0; k < count && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return s.slice(0, i);
}

// ---------------------------------------------------------------------------
// Exact decimal conversion of doubles (for %e, %f, %g)

const F64_VIEW = new DataView(new ArrayBuffer(8));

/** `[m, e]` with `x === m * 2**e` exactly, for finite `x > 0`. */
function decompose(x: number): [bigint, number] {
  F64_VIEW.setFloat64(0, x);
  const hi = F64_VIEW.getUint32(0);
  const lo = F64_VIEW.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [fraction, -1074]; // subnormal
  return [fraction | (1n << 52n), biased - 1075];
}

/** `m * 2**e * 10**s` rounded to an integer, ties to even (as CPython's dtoa rounds). */
function roundScaled(m: bigint, e: number, s: number): bigint {
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (s >= 0) num *= 10n ** BigInt(s);
  else den *= 10n ** BigInt(-s);
  const q = num / den;
  const twice = (num - q * den) * 2n;
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** `abs` (finite, >= 0) in fixed notation with `prec` decimals. */
function fixedDigits(abs: number, prec: number, alt: boolean): string {
  let digits: string;
  if (abs === 0) {
    digits = "0".repeat(prec + 1);
  } else {
    const [m, e] = decompose(abs);
    digits = roundScaled(m, e, prec).toString().padStart(prec + 1, "0");
  }
  if (prec === 0) return alt ? digits + "." : digits;
  return digits.slice(0, digits.length - prec) + "." + digits.slice(digits.length - prec);
}

/** `abs` (finite, > 0) rounded to `sig` significant digits: the digits and the decimal exponent of the first. */
function significantDigits(abs: number, sig: number): [string, number] {
  const [m, e] = decompose(abs);
  const low = 10n ** BigInt(sig - 1);
  const high = low * 10n;
  // log10 may be off by one near powers of ten; the loop corrects it.
  let exp = Math.floor(Math.log10(abs));
  for (;;) {
    const d = roundScaled(m, e, sig - 1 - exp);
    if (d >= high) exp++;
    else if (d < low) exp--;
    else return [d.toString(), exp];
  }
}

function exponentSuffix(exp: number, upper: boolean): string {
  return (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
}

/**
 * CPython's `PyOS_double_to_string(x, conv, prec, alt ? Py_DTSF_ALT : 0)` for
 * conv in `eEfFgG`: no sign for positive numbers, `inf`/`nan` in the
 * conversion's case.
 */
function formatFloat(x: number, conv: number, prec: number, alt: boolean): string {
  const upper = conv < 0x60; // E, F, G
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const abs = Math.abs(x);
  if (!Number.isFinite(abs)) {
    const word = Number.isNaN(abs) ? "nan" : sign + "inf";
    return upper ? word.toUpperCase() : word;
  }
  switch (conv | 0x20) {
    case 0x66: // f
      return sign + fixedDigits(abs, prec, alt);
    case 0x65: {
      // e
      const [digits, exp] = abs === 0 ? ["0".repeat(prec + 1), 0] : significantDigits(abs, prec + 1);
      const point = prec > 0 || alt ? "." : "";
      return sign + digits[0] + point + digits.slice(1) + exponentSuffix(exp, upper);
    }
    default: {
      // g: precision 0 means 1; fixed notation when -4 <= exponent < precision.
      const p = prec === 0 ? 1 : prec;
      const [digits, exp] = abs === 0 ? ["0".repeat(p), 0] : significantDigits(abs, p);
      let intPart: string;
      let frac: string;
      let suffix = "";
      if (exp >= -4 && exp < p) {
        if (exp >= 0) {
          intPart = digits.slice(0, exp + 1);
          frac = digits.slice(exp + 1);
        } else {
          intPart = "0";
          frac = "0".repeat(-exp - 1) + digits;
        }
      } else {
        intPart = digits[0] ?? "0";
        frac = digits.slice(1);
        suffix = exponentSuffix(exp, upper);
      }
      if (alt) return sign + intPart + "." + frac + suffix;
      let end = frac.length;
      while (end > 0 && frac.charCodeAt(end - 1) === 0x30) end--;
      return sign + intPart + (end > 0 ? "." + frac.slice(0, end) : "") + suffix;
    }
  }
}

// ---------------------------------------------------------------------------
// Argument conversion for %d, %x, %f, %c

/** The integer an argument stands for (`%d` accepts floats, `%x` does not), or throws like Python. */
function toInteger(value: unknown, conv: number): number | bigint {
  const realOk = conv === 0x64 || conv === 0x69 || conv === 0x75; // d i u
  switch (typeof value) {
    case "number":
      if (Number.isInteger(value)) return value;
      if (realOk) {
        if (Number.isNaN(value)) throw pyError("ValueError", "cannot convert float NaN to integer");
        if (!Number.isFinite(value)) throw pyError("OverflowError", "cannot convert float infinity to integer");
        return Math.trunc(value); // int(3.7) == 3, int(-3.7) == -3
      }
      break;
    case "bigint":
      return value;
    case "boolean":
      return value ? 1 : 0;
    default:
      break;
  }
  const what = realOk ? "a real number" : "an integer";
  throw new TypeError(`%${String.fromCharCode(conv)} format: ${what} is required, not ${pyTypeName(value)}`);
}

/** CPython's `_PyUnicode_FormatLong()`: sign, `0x`/`0X`/`0o` prefix if `alt`, digits zero-filled to `prec`. */
function formatInteger(value: unknown, conv: number, alt: boolean, prec: number): string {
  const n = toInteger(value, conv);
  const base = conv === 0x6f ? 8 : conv === 0x78 || conv === 0x58 ? 16 : 10;
  let digits: string;
  let negative: boolean;
  if (typeof n === "number" && Number.isSafeInteger(n)) {
    negative = n < 0;
    digits = Math.abs(n).toString(base);
  } else {
    const big = BigInt(n);
    negative = big < 0n;
    digits = (negative ? -big : big).toString(base);
  }
  if (prec > digits.length) digits = digits.padStart(prec, "0");
  let prefix = "";
  if (alt && base !== 10) prefix = base === 8 ? "0o" : "0x";
  const out = (negative ? "-" : "") + prefix + digits;
  return conv === 0x58 ? out.toUpperCase() : out;
}

/** A `%e`/`%f`/`%g` argument as a double, or throws like `PyFloat_AsDouble()`. */
function toFloat(value: unknown): number {
  switch (typeof value) {
    case "number":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "bigint": {
      const x = Number(value);
      if (!Number.isFinite(x)) throw pyError("OverflowError", "int too large to convert to float");
      return x;
    }
    default:
      throw new TypeError(`must be real number, not ${pyTypeName(value)}`);
  }
}

/** CPython 3.14's `formatchar()`: a one-character string or a code point. */
function formatChar(value: unknown): string {
  let cp: number | bigint;
  if (typeof value === "string") {
    const length = codePointLength(value);
    if (length === 1) return value;
    throw new TypeError(`%c requires an int or a unicode character, not a string of length ${length}`);
  } else if (typeof value === "number" && Number.isInteger(value)) {
    cp = value;
  } else if (typeof value === "bigint") {
    cp = value;
  } else if (typeof value === "boolean") {
    cp = value ? 1 : 0;
  } else {
    throw new TypeError(`%c requires an int or a unicode character, not ${pyTypeName(value)}`);
  }
  if (cp < 0 || cp > 0x10ffff) throw pyError("OverflowError", "%c arg not in range(0x110000)");
  return String.fromCodePoint(Number(cp));
}

// ---------------------------------------------------------------------------
// Parsing

const F_LJUST = 1; // '-'
const F_SIGN = 2; // '+'
const F_BLANK = 4; // ' '
const F_ALT = 8; // '#'
const F_ZERO = 16; // '0'

/** Python's PY_SSIZE_T_MAX, capped where a JS number stops being exact (never reached in practice). */
const WIDTH_MAX = Number.MAX_SAFE_INTEGER;
/** C's INT_MAX, CPython's limit for a precision. */
const PREC_MAX = 0x7fffffff;

/** A syntax error found by the parser, raised when formatting reaches it. */
interface ParseError {
  readonly name: PyErrorName;
  readonly message: string;
  /** "incomplete format key": raised right after the mapping check, before any lookup. */
  readonly beforeLookup: boolean;
}

/** One `%` conversion, as `unicode_format_arg_parse()` leaves it. Immutable; shared by every call through the cache. */
interface Spec {
  /** The text between `(` and `)` for `%(key)s`, else `undefined`. */
  readonly key: string | undefined;
  readonly flags: number;
  /** Width, or -1 when absent; ignored when `widthStar`. */
  readonly width: number;
  readonly widthStar: boolean;
  /** Precision, or -1 when absent; ignored when `precStar`. */
  readonly prec: number;
  readonly precStar: boolean;
  /** The conversion character's code point (`s`, `d`, ...; anything else is rejected when reached). */
  readonly conv: number;
  /** Index of the conversion character in the format, in code points, for the error message. */
  readonly convIndex: number;
  /**
   * A syntax error in this spec; the spec is the last piece of its format.
   * Raised after the key lookup and the `*` arguments that precede it, as in
   * CPython, unless `beforeLookup`.
   */
  readonly error: ParseError | undefined;
  /** No key, flags, width, precision or error: the per-request fast path. */
  readonly plain: boolean;
}

/** A parsed format: literal text (with `%%` already folded) and specs, in order. */
type Piece = string | Spec;

type SpecFields = { -readonly [K in keyof Spec]: Spec[K] };

function makeSpec(fields: Omit<SpecFields, "plain">): Spec {
  const plain =
    fields.key === undefined &&
    fields.flags === 0 &&
    fields.width === -1 &&
    !fields.widthStar &&
    fields.prec === -1 &&
    !fields.precStar &&
    fields.error === undefined;
  return Object.freeze({ ...fields, plain });
}

/**
 * Parses the conversion after the `%` at `format[start - 1]`, following
 * `unicode_format_arg_parse()` step by step (including which `*` arguments a
 * truncated spec still consumes). Returns the spec and the index after it;
 * a spec with an error ends the format. `astral` says whether the format has
 * surrogate pairs, which make UTF-16 and code point indexes differ.
 */
function parseSpec(format: string, start: number, astral: boolean): [Spec, number] {
  const n = format.length;
  const fields: Omit<SpecFields, "plain"> = {
    key: undefined,
    flags: 0,
    width: -1,
    widthStar: false,
    prec: -1,
    precStar: false,
    conv: 0,
    convIndex: 0,
    error: undefined,
  };
  const fail = (message: string): [Spec, number] => {
    const error: ParseError = { name: "ValueError", message, beforeLookup: message === "incomplete format key" };
    return [makeSpec({ ...fields, error }), n];
  };

  let j = start;
  if (format.charCodeAt(j) === 0x28) {
    // "%(name)s": the key runs to the matching ')', counting nested parentheses.
    let depth = 1;
    const keyStart = ++j;
    while (depth > 0 && j < n) {
      const c = format.charCodeAt(j++);
      if (c === 0x29) depth--;
      else if (c === 0x28) depth++;
    }
    fields.key = format.slice(keyStart, j - 1);
    if (depth > 0) return fail("incomplete format key");
  }

  /** The next UTF-16 unit, or -1 past the end of the format (where CPython's `fmtcnt` goes negative). */
  const read = (): number => (j < n ? format.charCodeAt(j++) : -1);
  let ch: number;

  // Flags: "-+ #0".
  for (;;) {
    ch = read();
    if (ch === 0x2d) fields.flags |= F_LJUST;
    else if (ch === 0x2b) fields.flags |= F_SIGN;
    else if (ch === 0x20) fields.flags |= F_BLANK;
    else if (ch === 0x23) fields.flags |= F_ALT;
    else if (ch === 0x30) fields.flags |= F_ZERO;
    else break;
  }
  if (ch < 0) return fail("incomplete format");

  // Width: '*' or digits.
  if (ch === 0x2a) {
    fields.widthStar = true;
    ch = read();
    if (ch < 0) return fail("incomplete format");
  } else if (ch >= 0x30 && ch <= 0x39) {
    let width = ch - 0x30;
    for (ch = read(); ch >= 0x30 && ch <= 0x39; ch = read()) {
      const digit = ch - 0x30;
      if (width > (WIDTH_MAX - digit) / 10) return fail("width too big");
      width = width * 10 + digit;
    }
    if (ch < 0) return fail("incomplete format");
    fields.width = width;
  }

  // Precision: '.' then '*' or digits (neither means 0).
  if (ch === 0x2e) {
    fields.prec = 0;
    ch = read();
    if (ch < 0) return fail("incomplete format");
    if (ch === 0x2a) {
      fields.precStar = true;
      ch = read();
      if (ch < 0) return fail("incomplete format");
    } else if (ch >= 0x30 && ch <= 0x39) {
      let prec = ch - 0x30;
      for (ch = read(); ch >= 0x30 && ch <= 0x39; ch = read()) {
        const digit = ch - 0x30;
        if (prec > (PREC_MAX - digit) / 10) return fail("precision too big");
        prec = prec * 10 + digit;
      }
      if (ch < 0) return fail("incomplete format");
      fields.prec = prec;
    }
  }

  // One length modifier is accepted and ignored ("%ld", "%hi").
  if (ch === 0x68 || ch === 0x6c || ch === 0x4c) {
    ch = read();
    if (ch < 0) return fail("incomplete format");
  }

  // The conversion character; an astral one is a single code point in Python.
  fields.conv = ch;
  if (ch >= 0xd800 && ch <= 0xdbff && j < n && (format.charCodeAt(j) & 0xfc00) === 0xdc00) {
    fields.conv = (ch - 0xd800) * 0x400 + (format.charCodeAt(j) - 0xdc00) + 0x10000;
    j++;
  }
  fields.convIndex = astral ? codePointLength(format.slice(0, j)) - 1 : j - 1;
  return [makeSpec(fields), j];
}

const SURROGATE_PAIR = /[\ud800-\udbff][\udc00-\udfff]/;

function parseFormat(format: string): readonly Piece[] {
  const astral = SURROGATE_PAIR.test(format);
  const pieces: Piece[] = [];
  let literal = "";
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, pct);
    if (format.charCodeAt(pct + 1) === 0x25) {
      literal += "%";
      i = pct + 2;
      continue;
    }
    if (literal !== "") {
      pieces.push(literal);
      literal = "";
    }
    const [spec, end] = parseSpec(format, pct + 1, astral);
    pieces.push(spec);
    i = end;
  }
  if (literal !== "") pieces.push(literal);
  return Object.freeze(pieces);
}

/** Parsed formats by format string. Log and error-page formats are few and constant. */
const CACHE = new Map<string, readonly Piece[]>();
/** Entries kept; the oldest is dropped first, so a stream of one-off formats cannot grow memory. */
const CACHE_MAX = 256;
/** Longer formats are parsed every time rather than held in memory. */
const CACHE_MAX_FORMAT_LENGTH = 4096;

function parsed(format: string): readonly Piece[] {
  const hit = CACHE.get(format);
  if (hit !== undefined) return hit;
  const pieces = parseFormat(format);
  if (format.length <= CACHE_MAX_FORMAT_LENGTH) {
    if (CACHE.size >= CACHE_MAX) {
      const oldest = CACHE.keys().next();
      if (oldest.done !== true) CACHE.delete(oldest.value);
    }
    CACHE.set(format, pieces);
  }
  return pieces;
}

// ---------------------------------------------------------------------------
// Formatting

/** A `*` width or precision argument: Python requires an `int` (a `bool` is one). */
function starArgument(value: unknown, max: number, cType: string): number {
  let n: number;
  if (typeof value === "number" && Number.isInteger(value)) n = value;
  else if (typeof value === "boolean") n = value ? 1 : 0;
  else if (typeof value === "bigint") n = Number(value);
  else throw new TypeError("* wants int");
  if (n > max || n < -max - 1) throw pyError("OverflowError", `Python int too large to convert to C ${cType}`);
  return n;
}

function lookup(mapping: object, key: string): unknown {
  if (mapping instanceof Map) {
    if (mapping.has(key)) return mapping.get(key) as unknown;
  } else if (Object.hasOwn(mapping, key)) {
    return (mapping as Record<string, unknown>)[key];
  }
  throw pyError("KeyError", key);
}

/** Formats one argument as `unicode_format_arg_format()` does, before width and sign handling. */
function convert(value: unknown, spec: Spec, flags: number, prec: number): string {
  switch (spec.conv) {
    case 0x73: // s
      return pyStr(value);
    case 0x72: // r
      return pyRepr(value);
    case 0x61: // a
      return pyAscii(value);
    case 0x64: // d
    case 0x69: // i
    case 0x75: // u
    case 0x6f: // o
    case 0x78: // x
    case 0x58: // X
      return formatInteger(value, spec.conv, (flags & F_ALT) !== 0, prec);
    case 0x65: // e
    case 0x45: // E
    case 0x66: // f
    case 0x46: // F
    case 0x67: // g
    case 0x47: // G
      return formatFloat(toFloat(value), spec.conv, prec < 0 ? 6 : prec, (flags & F_ALT) !== 0);
    case 0x63: // c
      return formatChar(value);
    default: {
      const c = spec.conv;
      const shown = c >= 31 && c <= 126 ? String.fromCharCode(c) : "?";
      throw pyError("ValueError", `unsupported format character '${shown}' (0x${c.toString(16)}) at index ${spec.convIndex}`);
    }
  }
}

function isNumericConversion(conv: number): boolean {
  switch (conv) {
    case 0x64: case 0x69: case 0x75: case 0x6f: case 0x78: case 0x58: // d i u o x X
    case 0x65: case 0x45: case 0x66: case 0x46: case 0x67: case 0x47: // e E f F g G
      return true;
    default:
      return false;
  }
}

/**
 * CPython's `unicode_format_arg_output()`: truncation for `%.Ns`, then sign,
 * `0x` prefix, fill and justification. The sign and prefix go before zero
 * fill and after space fill; `-` wins over `0` for the side, but not for the
 * fill character (`'%-+05d' % 3` is `'+3   '`).
 */
function pad(str: string, conv: number, flags: number, width: number, prec: number): string {
  const numeric = isNumericConversion(conv);
  let len = numeric ? str.length : codePointLength(str); // numbers are ASCII
  if ((width === -1 || width <= len) && (prec === -1 || prec >= len) && (flags & (F_SIGN | F_BLANK)) === 0) return str;
  if ((conv === 0x73 || conv === 0x72 || conv === 0x61) && prec >= 0 && len > prec) len = prec;

  const fill = numeric && (flags & F_ZERO) !== 0 ? "0" : " ";
  let sign = numeric;
  let signchar = "";
  let pindex = 0;
  if (sign) {
    const c0 = str.charCodeAt(0);
    if (c0 === 0x2d || c0 === 0x2b) {
      signchar = str[0] ?? "";
      len--;
      pindex++;
    } else if (flags & F_SIGN) signchar = "+";
    else if (flags & F_BLANK) signchar = " ";
    else sign = false;
  }
  if (width < len) width = len;

  let out = "";
  if (sign) {
    if (fill !== " ") out += signchar;
    if (width > len) width--;
  }
  const prefixed = (flags & F_ALT) !== 0 && (conv === 0x78 || conv === 0x58 || conv === 0x6f);
  const prefix = prefixed ? "0" + String.fromCharCode(conv) : "";
  if (prefixed) {
    if (fill !== " ") {
      out += prefix;
      pindex += 2;
    }
    width = Math.max(width - 2, 0);
    len -= 2;
  }
  if (width > len && (flags & F_LJUST) === 0) {
    out += fill.repeat(width - len);
    width = len;
  }
  if (fill === " ") {
    if (sign) out += signchar;
    if (prefixed) {
      out += prefix;
      pindex += 2;
    }
  }
  out += numeric ? str.slice(pindex, pindex + len) : codePointPrefix(str, len);
  if (width > len) out += " ".repeat(width - len);
  return out;
}

/** The argument list of `pyFormat()`: positional values, or a mapping for `%(name)s`. */
export type PyFormatArgs = readonly unknown[] | Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;

function isArgList(args: PyFormatArgs): args is readonly unknown[] {
  return Array.isArray(args);
}

/**
 * Python's `format % args` (printf-style string formatting).
 *
 * `args` is a tuple (an array) or a mapping (a plain object or `Map`); pass a
 * single value as `[value]`. Supported: `%s` (Python `str()`), `%r`
 * (`repr()`), `%a` (`ascii()`), `%d`/`%i`/`%u` (an integer; floats truncate
 * toward zero), `%o`/`%x`/`%X`, `%e`/`%E`/`%f`/`%F`/`%g`/`%G`, `%c`, `%%`,
 * `%(name)s` keys, the flags `-+ #0`, widths and precisions (also as `*`),
 * and the ignored length modifiers `h`, `l`, `L`.
 *
 * @throws TypeError "not enough arguments for format string", "not all
 *   arguments converted during string formatting", "format requires a
 *   mapping", "%d format: a real number is required, not str" and the other
 *   type errors Python raises, with Python's messages.
 * @throws Error named `ValueError` ("incomplete format", "unsupported format
 *   character 'q' (0x71) at index 1"), `KeyError` (a missing key; the message
 *   is the key) or `OverflowError`.
 *
 * Differs from CPython: see the file header for how JavaScript values map
 * to Python types.
 */
export function pyFormat(format: string, args: PyFormatArgs): string {
  const pieces = parsed(format);
  // CPython's argument cursor: a tuple has arglen = its length and starts at
  // argidx 0; anything else is one argument (arglen -1, argidx -2), and is
  // also the mapping for %(key) when it is a dict. A %(key) lookup makes the
  // value the current single argument.
  const list = isArgList(args) ? args : undefined;
  const dict = list === undefined && typeof args === "object" && args !== null ? args : undefined;
  let current: unknown = args;
  let arglen = list === undefined ? -1 : list.length;
  let argidx = list === undefined ? -2 : 0;
  let out = "";

  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p] as Piece;
    if (typeof piece === "string") {
      out += piece;
      continue;
    }
    let value: unknown;
    if (piece.plain) {
      if (argidx >= arglen) throw notEnoughArguments();
      value = arglen < 0 ? current : (current as readonly unknown[])[argidx];
      argidx++;
      if (piece.conv === 0x73) {
        out += typeof value === "string" ? value : pyStr(value);
        continue;
      }
      out += convert(value, piece, 0, -1);
      continue;
    }

    const error = piece.error;
    if (piece.key !== undefined) {
      // CPython 3.14 checks for a mapping before it reads the key (3.11 did it after).
      if (dict === undefined) throw new TypeError("format requires a mapping");
      if (error?.beforeLookup === true) throw pyError(error.name, error.message);
      current = lookup(dict, piece.key);
      arglen = -1;
      argidx = -2;
    }
    let flags = piece.flags;
    let width = piece.width;
    let prec = piece.prec;
    if (piece.widthStar) {
      if (argidx >= arglen) throw notEnoughArguments();
      const w = starArgument(arglen < 0 ? current : (current as readonly unknown[])[argidx], WIDTH_MAX, "ssize_t");
      argidx++;
      if (w < 0) {
        flags |= F_LJUST;
        width = -w;
      } else {
        width = w;
      }
    }
    if (piece.precStar) {
      if (argidx >= arglen) throw notEnoughArguments();
      prec = Math.max(starArgument(arglen < 0 ? current : (current as readonly unknown[])[argidx], PREC_MAX, "int"), 0);
      argidx++;
    }
    if (error !== undefined) throw pyError(error.name, error.message);

    if (argidx >= arglen) throw notEnoughArguments();
    value = arglen < 0 ? current : (current as readonly unknown[])[argidx];
    argidx++;
    out += pad(convert(value, piece, flags, prec), piece.conv, flags, width, prec);
  }

  if (argidx < arglen && dict === undefined) {
    throw new TypeError("not all arguments converted during string formatting");
  }
  return out;
}
