/**
 * Python's `str % args` formatting, for the
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
 * - Numbers are converted in `numbers.ts`, `repr()`/`str()`/`ascii()` of
 *   the arguments come from `repr.ts`.
 *
 * Differs from CPython, because JavaScript values are not Python objects:
 * - A `number` that is an integer is treated as a Python `int` (`%s` of `2`
 *   is `2`, not `2.0`; `1e16` prints all its digits), any other `number` as a
 *   `float`; `bigint` is an `int`; `null` and `undefined` are `None`.
 * - An array is a tuple of arguments for `pyFormat()` and a `list` for
 *   `pyRepr()`; a plain object or `Map` is a mapping (`dict`). An `Error` is an
 *   exception: `str()` is its message and `repr()` is `Name('message')`.
 * - Python's `ValueError`, `KeyError` and `OverflowError` are thrown as `Error`
 *   objects with that `name`; Python's `TypeError` is a JavaScript `TypeError`.
 */

import { formatChar, formatFloat, formatInteger, toFloat, toInteger } from "./numbers.js";
import { codePointLength, codePointPrefix, pyAscii, pyError, pyRepr, pyStr, type PyErrorName } from "./repr.js";

function notEnoughArguments(): TypeError {
  return new TypeError("not enough arguments for format string");
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
