/**
 * Tests for src/python/repr.ts: Python's `repr()`, `str()` and `ascii()`,
 * against tables of expected values taken from CPython. (The side-by-side
 * run against the local `python3` is in format.test.ts, which checks
 * `repr()` of a few hundred fast-check strings along with `%` formatting.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { pyAscii, pyRepr, pyStr } from "../../src/python/repr.js";

// ---------------------------------------------------------------------------
// pyRepr / pyStr / pyAscii

const cyclic: unknown[] = [1];
cyclic.push(cyclic);

const REPR_ROWS: ReadonlyArray<readonly [string, unknown, string]> = [
  // [what, value, Python's repr]
  ["empty string", "", "''"],
  ["plain ASCII", "GET / HTTP/1.1", "'GET / HTTP/1.1'"],
  ["single quote picks double quotes", "it's", `"it's"`],
  ["double quote keeps single quotes", 'say "hi"', `'say "hi"'`],
  ["both quotes escape the single one", `it's "x"`, `'it\\'s "x"'`],
  ["backslash", "a\\b", "'a\\\\b'"],
  ["tab, newline, carriage return", "\t\n\r", "'\\t\\n\\r'"],
  ["NUL and other C0 controls", "\x00\x01\x1b\x1f", "'\\x00\\x01\\x1b\\x1f'"],
  ["DEL", "\x7f", "'\\x7f'"],
  ["C1 control (Cc)", "\x85\x9f", "'\\x85\\x9f'"],
  ["no-break space (Zs)", "\xa0", "'\\xa0'"],
  ["soft hyphen (Cf)", "\xad", "'\\xad'"],
  ["printable Latin-1", "caf\xe9 \xbfqu\xe9?", "'caf\xe9 \xbfqu\xe9?'"],
  ["zero-width space (Cf)", "\u200b", "'\\u200b'"],
  ["line separator (Zl)", "\u2028", "'\\u2028'"],
  ["paragraph separator (Zp)", "\u2029", "'\\u2029'"],
  ["ideographic space (Zs)", "\u3000", "'\\u3000'"],
  ["BOM (Cf)", "\ufeff", "'\\ufeff'"],
  ["private use (Co)", "\ue000", "'\\ue000'"],
  ["noncharacter (Cn)", "\uffff", "'\\uffff'"],
  ["CJK", "\u4e2d\u6587", "'\u4e2d\u6587'"],
  ["emoji (astral, printable)", "\u{1f600}", "'\u{1f600}'"],
  ["language tag (astral Cf)", "\u{e0001}", "'\\U000e0001'"],
  ["astral private use (Co)", "\u{f0000}", "'\\U000f0000'"],
  ["lone high surrogate", "a\ud800b", "'a\\ud800b'"],
  ["lone low surrogate", "\udfff", "'\\udfff'"],
  ["reversed surrogate pair", "\udc00\ud800", "'\\udc00\\ud800'"],
  ["integer", 42, "42"],
  ["negative integer", -7, "-7"],
  ["negative zero", -0, "0"],
  ["big integer-valued number", 1e21, "1000000000000000000000"],
  ["bigint", 2n ** 70n, "1180591620717411303424"],
  ["float", 1.5, "1.5"],
  ["float 0.1", 0.1, "0.1"],
  ["small float uses an exponent", 1e-5, "1e-05"],
  ["small float with digits", 2.5e-7, "2.5e-07"],
  ["float just above 1e-4", 0.00015, "0.00015"],
  ["NaN", NaN, "nan"],
  ["infinity", Infinity, "inf"],
  ["negative infinity", -Infinity, "-inf"],
  ["true", true, "True"],
  ["false", false, "False"],
  ["null", null, "None"],
  ["undefined", undefined, "None"],
  ["Error", new Error("boom"), "Error('boom')"],
  ["named error", Object.assign(new Error("timed out"), { name: "TimeoutError" }), "TimeoutError('timed out')"],
  ["error without message", new TypeError(), "TypeError()"],
  ["error message with a quote", new Error("it's"), `Error("it's")`],
  ["array", [1, "a", null], "[1, 'a', None]"],
  ["empty array", [], "[]"],
  ["nested array", [[1, 2], ["x"]], "[[1, 2], ['x']]"],
  ["cyclic array", cyclic, "[1, [...]]"],
  ["plain object", { a: 1, b: "x" }, "{'a': 1, 'b': 'x'}"],
  ["Map", new Map<unknown, unknown>([["k", [1]], [2, true]]), "{'k': [1], 2: True}"],
  ["bytes", new Uint8Array([0x47, 0x45, 0x54, 0x00, 0xff, 0x27]), `b"GET\\x00\\xff'"`],
  ["bytes with both quotes", Buffer.from(`'"\\\n`), `b'\\'"\\\\\\n'`],
  ["URL uses its toString", new URL("http://x/"), "http://x/"],
];

test("pyRepr() matches Python's repr()", () => {
  for (const [what, value, want] of REPR_ROWS) {
    assert.equal(pyRepr(value), want, what);
  }
});

test("pyStr() matches Python's str()", () => {
  const rows: ReadonlyArray<readonly [string, unknown, string]> = [
    ["string unchanged", "it's\n", "it's\n"],
    ["integer", 200, "200"],
    ["float", 0.5, "0.5"],
    ["None", null, "None"],
    ["bool", false, "False"],
    ["exception is its message", new Error("timed out"), "timed out"],
    ["list uses repr of items", ["a", 1], "['a', 1]"],
    ["dict", { k: "v" }, "{'k': 'v'}"],
    ["bytes", new Uint8Array([0x61]), "b'a'"],
  ];
  for (const [what, value, want] of rows) assert.equal(pyStr(value), want, what);
});

test("pyAscii() escapes every non-ASCII character of the repr", () => {
  const rows: ReadonlyArray<readonly [unknown, string]> = [
    ["plain", "'plain'"],
    ["caf\xe9", "'caf\\xe9'"],
    ["\u4e2d\x00", "'\\u4e2d\\x00'"],
    ["\u{1f600}", "'\\U0001f600'"],
    [["\xe9"], "['\\xe9']"],
  ];
  for (const [value, want] of rows) assert.equal(pyAscii(value), want, pyRepr(value));
});
