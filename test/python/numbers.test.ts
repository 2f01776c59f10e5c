/**
 * Tests for src/python/numbers.ts: the argument conversions and float digits
 * behind `%d`, `%x`, `%c`, `%e`, `%f`, `%g` (format.test.ts checks them
 * through `pyFormat()` and side by side with python3; these rows pin the
 * pieces).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatChar, formatFloat, formatInteger, toFloat, toInteger } from "../../src/python/numbers.js";

const c = (s: string): number => s.charCodeAt(0);

test("formatFloat() rounds half to even from the exact binary value, as CPython's dtoa", () => {
  const rows: readonly [number, string, number, boolean, string][] = [
    [0.125, "f", 2, false, "0.12"],
    [0.375, "f", 2, false, "0.38"],
    [2.5, "f", 0, false, "2"],
    [2.5, "f", 0, true, "2."],
    [1234.5678, "e", 3, false, "1.235e+03"],
    [1e-5, "g", 6, false, "1e-05"],
    [123456789, "g", 6, false, "1.23457e+08"],
    [0.0001, "g", 6, false, "0.0001"],
    [1.5, "g", 6, true, "1.50000"],
  ];
  for (const [x, conv, prec, alt, want] of rows) assert.equal(formatFloat(x, c(conv), prec, alt), want, `%${alt ? "#" : ""}.${prec}${conv} of ${x}`);
});

test("toInteger() truncates floats for %d and refuses them for %x, with Python's messages", () => {
  assert.equal(toInteger(3.9, c("d")), 3);
  assert.equal(toInteger(-3.9, c("d")), -3);
  assert.equal(toInteger(10n, c("x")), 10n);
  assert.equal(toInteger(true, c("d")), 1);
  assert.throws(() => toInteger(1.5, c("x")), /%x format: an integer is required, not float/);
  assert.throws(() => toInteger("1", c("d")), /%d format: a real number is required, not str/);
  assert.throws(() => toInteger(NaN, c("d")), (e: Error) => e.name === "ValueError");
  assert.throws(() => toInteger(Infinity, c("d")), (e: Error) => e.name === "OverflowError");
});

test("formatInteger() writes sign, prefix and zero-filled digits", () => {
  assert.equal(formatInteger(255, c("x"), true, -1), "0xff");
  assert.equal(formatInteger(255, c("X"), true, -1), "0XFF");
  assert.equal(formatInteger(8, c("o"), true, -1), "0o10");
  assert.equal(formatInteger(-5, c("d"), false, 3), "-005");
});

test("toFloat() and formatChar() accept what Python accepts", () => {
  assert.equal(toFloat(2), 2);
  assert.equal(toFloat(2n), 2);
  assert.throws(() => toFloat("2"), /must be real number, not str/);
  assert.equal(formatChar("é"), "é");
  assert.equal(formatChar(0x1f600), "\u{1f600}");
  assert.throws(() => formatChar("ab"), TypeError);
  assert.throws(() => formatChar(0x110000), (e: Error) => e.name === "OverflowError");
});
