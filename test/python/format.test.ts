/**
 * Tests for src/python/format.ts (Python's `format % args`), with a
 * side-by-side check of src/python/repr.ts.
 *
 * Strategy: tables of expected values taken from CPython, then one batched
 * side-by-side run against the local `python3` (JSON in on stdin, JSON out):
 * a few hundred fast-check strings for `repr()` and a table of format cases.
 * Where the local Python predates 3.14 and 3.14 changed behaviour (the `%c`
 * messages, the mapping check before `%(key`), the row lives only in the
 * expected-value tables, not in the side-by-side list.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

import fc from "fast-check";

import { pyFormat, type PyFormatArgs } from "../../src/python/format.js";
import { pyRepr } from "../../src/python/repr.js";

// ---------------------------------------------------------------------------
// pyFormat

const FORMAT_ROWS: ReadonlyArray<readonly [string, PyFormatArgs, string]> = [
  // The per-request log lines.
  ['"%s" %s %s', ["GET / HTTP/1.1", "200", "-"], '"GET / HTTP/1.1" 200 -'],
  ["code %d, message %s", [404, "File not found"], "code 404, message File not found"],
  ["%s - - [%s] %s\n", ["127.0.0.1", "01/Jan/2024 00:00:00", "x"], "127.0.0.1 - - [01/Jan/2024 00:00:00] x\n"],
  // The error page template's keys.
  ["<p>Error code: %(code)d</p><p>%(message)s</p>", { code: 404, message: "Not Found" }, "<p>Error code: 404</p><p>Not Found</p>"],
  ["%(code)d %(code)s", new Map<string, unknown>([["code", 500]]), "500 500"],
  ["no conversions", [], "no conversions"],
  ["100%% %s", ["sure"], "100% sure"],
  ["%%", [], "%"],
  ["%s", [null], "None"],
  ["%s %s", [true, undefined], "True None"],
  ["%r", ["it's"], `"it's"`],
  ["Bad request version (%r)", ["HTTP/1.1\r\n"], "Bad request version ('HTTP/1.1\\r\\n')"],
  ["%a", ["\xe9"], "'\\xe9'"],
  ["%s", [[1, "a"]], "[1, 'a']"],
  ["%s", { a: 1 }, "{'a': 1}"],
  ["%s", [new Error("x")], "x"],
  ["%r", [new RangeError("x")], "RangeError('x')"],
  // Integers.
  ["%d", [3.7], "3"],
  ["%d", [-3.7], "-3"],
  ["%i|%u", [1, 2], "1|2"],
  ["%d", [true], "1"],
  ["%d", [2n ** 64n], "18446744073709551616"],
  ["%d", [1e30], "1000000000000000019884624838656"],
  ["%5d|%-5d|%05d", [42, 42, 42], "   42|42   |00042"],
  ["%02d:%02d", [7, 5], "07:05"],
  ["%+d % d", [5, 5], "+5  5"],
  ["%05d", [-7], "-0007"],
  ["%.3d", [5], "005"],
  ["%5.3d", [-7], " -007"],
  ["%x %X %o", [255, 255, 8], "ff FF 10"],
  ["%#x %#X %#o", [255, 255, 8], "0xff 0XFF 0o10"],
  ["%#08x", [255], "0x0000ff"],
  ["%#5x|", [255], " 0xff|"],
  ["%x", [-255], "-ff"],
  ["%05x", [-255], "-00ff"],
  ["%-05d|", [3], "3    |"],
  ["%-+05d|", [3], "+3   |"],
  ["%.0d", [0], "0"],
  ["%ld %hd", [1, 2], "1 2"],
  ["%c%c", [65, "\u{1f600}"], "A\u{1f600}"],
  ["%5c|", [65], "    A|"],
  // Floats.
  ["%f", [1.5], "1.500000"],
  ["%.2f", [3.14159], "3.14"],
  ["%.0f %.0f %.0f", [0.5, 1.5, 2.5], "0 2 2"],
  ["%.2f", [0.125], "0.12"],
  ["%.1f", [0.25], "0.2"],
  ["%.20f", [0.1], "0.10000000000000000555"],
  ["%f", [1e22], "10000000000000000000000.000000"],
  ["%f", [-0], "-0.000000"],
  ["%8.3f|%-8.3f|", [3.14159, 3.14159], "   3.142|3.142   |"],
  ["%05.1f", [-2.25], "-02.2"],
  ["%+.2f", [2.5], "+2.50"],
  ["%#.0f", [1], "1."],
  ["%e %E", [1234.5, 0.00012], "1.234500e+03 1.200000E-04"],
  ["%.3e", [9.9996], "1.000e+01"],
  ["%e", [5e-324], "4.940656e-324"],
  ["%g %g %g %g", [1e-5, 0.0001, 123456789, 100000], "1e-05 0.0001 1.23457e+08 100000"],
  ["%g %G", [1e16, 1e-10], "1e+16 1E-10"],
  ["%.3g %.0g %#g %#.3g", [0.0001234, 0.5, 1, 1], "0.000123 0.5 1.00000 1.00"],
  ["%.17g", [0.1], "0.10000000000000001"],
  ["%f %F %e", [Infinity, NaN, -Infinity], "inf NAN -inf"],
  ["%05f|%+f", [Infinity, NaN], "00inf|+nan"],
  // Width and precision.
  ["%5s|%-5s|%3s", ["ab", "ab", "abcdef"], "   ab|ab   |abcdef"],
  ["%.2s|%5.2s|%.0s|%.s", ["hello", "hello", "x", "x"], "he|   he||"],
  ["%05s", ["ab"], "   ab"],
  ["%3s|", ["\u{1f600}"], "  \u{1f600}|"],
  ["%.1s|", ["\u{1f600}x"], "\u{1f600}|"],
  ["%*d|%-*d|", [5, 3, 5, 3], "    3|3    |"],
  ["%*d|", [-5, 3], "3    |"],
  ["%.*f|%.*f", [2, 3.14159, -2, 3.14159], "3.14|3"],
  ["%*.*s|", [5, 2, "abc"], "   ab|"],
  ["%(a)5s|%(a)-5s|", { a: "x" }, "    x|x    |"],
  ["%(a(b))s", { "a(b)": 1 }, "1"],
  ["%()s", { "": "empty key" }, "empty key"],
];

test("pyFormat() formats like Python's % operator", () => {
  for (const [format, args, want] of FORMAT_ROWS) {
    assert.equal(pyFormat(format, args), want, `${pyRepr(format)} % ${pyRepr(args)}`);
  }
});

test("pyFormat() gives the same result from its cache", () => {
  for (let i = 0; i < 3; i++) {
    assert.equal(pyFormat("%s-%d", ["a", i]), `a-${i}`);
  }
  // More distinct formats than the cache holds: old entries are evicted, results stay right.
  for (let i = 0; i < 600; i++) assert.equal(pyFormat(`%s #${i}`, [i]), `${i} #${i}`);
  assert.equal(pyFormat("%s #0", ["again"]), "again #0");
});

const ERROR_ROWS: ReadonlyArray<readonly [string, PyFormatArgs, string, string]> = [
  // [format, args, error name, message]
  ["%s %s", [1], "TypeError", "not enough arguments for format string"],
  ["%s", [], "TypeError", "not enough arguments for format string"],
  ["%s", [1, 2], "TypeError", "not all arguments converted during string formatting"],
  ["hello", [5], "TypeError", "not all arguments converted during string formatting"],
  ["%d", ["5"], "TypeError", "%d format: a real number is required, not str"],
  ["%i", [null], "TypeError", "%i format: a real number is required, not NoneType"],
  ["%x", [3.5], "TypeError", "%x format: an integer is required, not float"],
  ["%X", ["a"], "TypeError", "%X format: an integer is required, not str"],
  ["%f", ["x"], "TypeError", "must be real number, not str"],
  ["%e", [[1]], "TypeError", "must be real number, not list"],
  ["%d", [NaN], "ValueError", "cannot convert float NaN to integer"],
  ["%d", [Infinity], "OverflowError", "cannot convert float infinity to integer"],
  ["%*d", [1.5, 2], "TypeError", "* wants int"],
  ["%(a)s", [1], "TypeError", "format requires a mapping"],
  ["%(z)s", { a: 1 }, "KeyError", "z"],
  ["%(toString)s", {}, "KeyError", "toString"],
  ["%(a)s %s", { a: 1 }, "TypeError", "not enough arguments for format string"],
  ["%(a)*d", { a: 1 }, "TypeError", "not enough arguments for format string"],
  ["%", [], "ValueError", "incomplete format"],
  ["%-", [1], "ValueError", "incomplete format"],
  ["abc %5", [1], "ValueError", "incomplete format"],
  ["%(a)", { a: 1 }, "ValueError", "incomplete format"],
  ["%(ab", { ab: 1 }, "ValueError", "incomplete format key"],
  ["%q", [1], "ValueError", "unsupported format character 'q' (0x71) at index 1"],
  ["%lld", [1], "ValueError", "unsupported format character 'l' (0x6c) at index 2"],
  ["%5%", [1], "ValueError", "unsupported format character '%' (0x25) at index 2"],
  ["\u{1f600}%\u00e9", [1], "ValueError", "unsupported format character '?' (0xe9) at index 2"],
  ["%\u{1f600}", [1], "ValueError", "unsupported format character '?' (0x1f600) at index 1"],
  // The argument is fetched before the conversion is checked.
  ["%q", [], "TypeError", "not enough arguments for format string"],
  ["%5%", [], "TypeError", "not enough arguments for format string"],
  // Errors come in format order.
  ["%d %q", ["x"], "TypeError", "%d format: a real number is required, not str"],
  ["%s %", [], "TypeError", "not enough arguments for format string"],
  ["%*", [], "TypeError", "not enough arguments for format string"],
  ["%*", [5], "ValueError", "incomplete format"],
  ["%c", [0x110000], "OverflowError", "%c arg not in range(0x110000)"],
  ["%c", [-1], "OverflowError", "%c arg not in range(0x110000)"],
  // CPython 3.14 messages that 3.11 words differently ("%c requires int or char").
  ["%c", ["ab"], "TypeError", "%c requires an int or a unicode character, not a string of length 2"],
  ["%c", [""], "TypeError", "%c requires an int or a unicode character, not a string of length 0"],
  ["%c", [3.5], "TypeError", "%c requires an int or a unicode character, not float"],
  // CPython 3.14 checks for a mapping before reading the key; 3.11 reported the key.
  ["%(ab", [1], "TypeError", "format requires a mapping"],
];

test("pyFormat() throws Python's exceptions with Python's messages", () => {
  for (const [format, args, name, message] of ERROR_ROWS) {
    assert.throws(
      () => pyFormat(format, args),
      (error: unknown) => {
        assert.ok(error instanceof Error, "an Error");
        assert.deepEqual({ name: error.name, message: error.message }, { name, message });
        if (name === "TypeError") assert.ok(error instanceof TypeError, "a TypeError");
        return true;
      },
      `${pyRepr(format)} % ${pyRepr(args)}`,
    );
  }
});

test("pyFormat() throws a fresh error each time a cached spec fails", () => {
  const first = (() => {
    try {
      pyFormat("%", []);
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  assert.throws(() => pyFormat("%", []), (error: unknown) => error !== first && error instanceof Error);
});

// ---------------------------------------------------------------------------
// Side by side with the local python3, in one process

/** Format cases whose result (or exception) is the same in CPython 3.11 and 3.14. */
const SIDE_BY_SIDE_FORMATS: ReadonlyArray<readonly [string, unknown[] | Record<string, unknown>]> = [
  ['"%s" %s %s', ["GET /\u00e9 HTTP/1.1", "200", "-"]],
  ["code %d, message %s", [404, "x"]],
  ["%(code)d %(message)s %(explain)s", { code: 400, message: "Bad", explain: "syntax" }],
  ["%r %a %s", ["\u00e9\u200b'", "\u00e9\u{1f600}", ["x", 1.5, null, true]]],
  ["%s", [{ a: [1, "b"] }]],
  ["%5s|%-5s|%.2s|%5.1s|%05s", ["ab", "ab", "abc", "xyz", "ab"]],
  ["%d %i %u %d %d", [1, -2, 3, 3.99, -3.99]],
  ["%x %X %o %#x %#X %#o %#5x %-#8X| %05x %.4x", [255, 255, 8, 255, 255, 8, 255, 255, -255, 10]],
  ["%+d % d %+ d % 05d %-+05d| %0-5d|", [5, 5, 7, -3, 3, 3]],
  ["%f %.2f %.0f %.0f %.0f %.1f %.3f", [1.5, 0.125, 0.5, 1.5, 2.5, 0.25, 2.0005]],
  ["%e %.3e %.0e %#.0e %E", [1234.5, 9.9996, 2.5, 1.5, 0.00012]],
  ["%g %g %g %g %g %.3g %.0g %#g %#.3g %G %.2g", [1e-5, 0.0001, 123456789.5, 100000, 1e16, 0.0001234, 0.5, 1.5, 1.5, 1e-10, 9.96]],
  ["%10.4f|%-10.4f|%+.3e|% g|%010.2f", [-3.14159, 3.14159, 12345.678, 0.5, -1.25]],
  ["%.25f %.17g %.30e", [0.1, 2 / 3, 1 / 3]],
  ["%f %e %g", [123456789012.345, 5e-324, 1.7976931348623157e308]],
  ["%*d|%-*d|%.*f|%*.*s|", [5, 3, 4, 3, 2, 3.14159, 6, 2, "abc"]],
  ["%c%c%c|%3c|%-3c|", [65, "\u00e9", 0x1f600, "x", 66]],
  ["%s %r", [1e-7, 2.5e-5]],
  ["%s %s %s", [0.1, 1.5, -0.000123]],
  ["%(a)s %(a)r %(b)d", { a: "it's", b: 7 }],
  ["%s", [new Map<never, never>()]],
  ["100%% %s%%", ["sure"]],
  ["%s %s", [1]],
  ["%s", [1, 2]],
  ["%d", ["5"]],
  ["%x", [1.5]],
  ["%f", ["x"]],
  ["%(a)s", [1]],
  ["%(z)s", { a: 1 }],
  ["%(a)s %s", { a: 1 }],
  ["%(a)%", { a: 1 }],
  ["%", []],
  ["%(a", { a: 1 }],
  ["abc %.", [1]],
  ["%q", [1]],
  ["%lld", [1]],
  ["%5%", [1]],
  ["%5%", []],
  ["%\u00e9", [1]],
  ["\u{1f600}%\u{1f600}", [1]],
  ["%*d", [1.5, 2]],
  ["%c", [0x110000]],
];

const PY_SIDE_BY_SIDE = `
import json, sys, unicodedata
data = json.loads(sys.stdin.read())

def run(fmt, args):
    if isinstance(args, list):
        args = tuple(args)
    try:
        return {"ok": fmt % args}
    except KeyError as e:
        return {"error": ["KeyError", e.args[0]]}
    except Exception as e:
        return {"error": [type(e).__name__, str(e)]}

json.dump({
    "version": list(sys.version_info[:3]),
    "unidata": unicodedata.unidata_version,
    "repr": [repr(s) for s in data["repr"]],
    "categories": [[unicodedata.category(c) for c in s] for s in data["repr"]],
    "format": [run(f, a) for f, a in data["format"]],
}, sys.stdout)
`;

interface PyResult {
  version: [number, number, number];
  unidata: string;
  repr: string[];
  categories: string[][];
  format: Array<{ ok: string } | { error: [string, string] }>;
}

const GENERAL_CATEGORIES = [
  "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
  "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn",
].map((gc) => [gc, new RegExp(`^\\p{gc=${gc}}$`, "u")] as const);

/** The JavaScript engine's general category of one code point (a one- or two-unit string). */
function jsCategory(ch: string): string {
  for (const [gc, re] of GENERAL_CATEGORIES) if (re.test(ch)) return gc;
  return "??";
}

/** Characters weighted toward the classes `repr()` treats differently. */
const reprChar = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0x7f }).map((cp) => String.fromCodePoint(cp)), weight: 4 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((cp) => String.fromCodePoint(cp)), weight: 3 },
  // The BMP, lone surrogates included (JSON carries them as \\udxxx escapes).
  { arbitrary: fc.integer({ min: 0x100, max: 0xffff }).map((cp) => String.fromCodePoint(cp)), weight: 3 },
  { arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      "'", '"', "\\", "\t", "\n", "\r", " ", "\x7f", "\x00", "\x85", "\xa0", "\xad", "\u2028", "\u200b",
      "\u3000", "\ufeff", "\ue000", "\uffff", "\ud800", "\udfff", "\u{e0001}", "\u{1f600}", "\u{f0000}",
    ),
    weight: 2,
  },
);

test("pyRepr() and pyFormat() match python3 side by side", (t) => {
  const seed = Number(process.env["FC_SEED"] ?? 20240611);
  const strings = [
    ...fc.sample(fc.string({ unit: reprChar, maxLength: 12 }), { numRuns: 400, seed }),
    // Quote choice needs both quotes now and then.
    ...fc.sample(fc.string({ unit: fc.constantFrom("'", '"', "a", "\\"), maxLength: 6 }), { numRuns: 50, seed }),
  ];
  const input = JSON.stringify({ repr: strings, format: SIDE_BY_SIDE_FORMATS });
  const run = spawnSync("python3", ["-c", PY_SIDE_BY_SIDE], {
    input,
    encoding: "utf8",
    env: { ...process.env, PYTHONIOENCODING: "utf-8", PYTHONUTF8: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error !== undefined) {
    t.skip(`python3 not available: ${run.error.message}`);
    return;
  }
  assert.equal(run.status, 0, run.stderr);
  const py = JSON.parse(run.stdout) as PyResult;
  t.diagnostic(`python3 ${py.version.join(".")}, Unicode ${py.unidata} vs JavaScript ${process.versions.unicode}; seed ${seed}`);

  // repr(): a string with a code point whose category differs between the
  // two Unicode databases (assigned in one version only) is not comparable.
  let compared = 0;
  strings.forEach((s, i) => {
    const ours = [...s].map(jsCategory);
    const theirs = py.categories[i] ?? [];
    if (ours.some((gc, k) => gc !== theirs[k])) return;
    compared++;
    assert.equal(pyRepr(s), py.repr[i], `pyRepr(${JSON.stringify(s)}) [seed ${seed}, case ${i}]`);
  });
  t.diagnostic(`repr: compared ${compared} of ${strings.length} strings`);
  assert.ok(compared >= strings.length * 0.8, `only ${compared} of ${strings.length} strings were comparable`);

  SIDE_BY_SIDE_FORMATS.forEach(([format, args], i) => {
    const want = py.format[i];
    const label = `${pyRepr(format)} % ${pyRepr(args)}`;
    assert.ok(want !== undefined, label);
    let got: { ok: string } | { error: [string, string] };
    try {
      got = { ok: pyFormat(format, args) };
    } catch (error) {
      assert.ok(error instanceof Error, label);
      got = { error: [error.name, error.message] };
    }
    assert.deepEqual(got, want, label);
  });
});
