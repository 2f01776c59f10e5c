/**
 * Number conversions of Python's `%` formatting: the argument checks of
 * `%d`, `%x`, `%f`, `%c` and the exact decimal digits of doubles for
 * `%e`, `%f`, `%g`, for `format.ts`.
 *
 * Strategy: floats are formatted from their exact binary value with `BigInt`,
 * rounding half to even like CPython's `dtoa`; `Number.prototype.toFixed`
 * rounds ties the other way (`(0.125).toFixed(2)` is `"0.13"`, Python says
 * `0.12`). Errors are Python's, with Python's messages.
 */

import { codePointLength, pyError, pyTypeName } from "./repr.js";

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
export function formatFloat(x: number, conv: number, prec: number, alt: boolean): string {
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
export function toInteger(value: unknown, conv: number): number | bigint {
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
export function formatInteger(value: unknown, conv: number, alt: boolean, prec: number): string {
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
export function toFloat(value: unknown): number {
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
export function formatChar(value: unknown): string {
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

