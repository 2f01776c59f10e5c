/**
 * `unquote()`, `quote()`, `fsDecode()` and `fsEncode()`: tables of the cases
 * that matter for paths, then thousands of generated inputs compared with
 * CPython's `urllib.parse` and `os.fsdecode`/`os.fsencode` in one python3
 * process.
 */

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fsDecode, fsEncode, hasLoneSurrogate, quote, splitTarget, unquote } from "../../src/static/url.js";
import { NO_PYTHON, runPython } from "./run-python.js";

/**
 * Any code point, lone surrogates included, weighted towards ASCII. (fast-check's
 * own `unit: "binary"` costs over a second to set up.)
 */
const anyCodePoint = fc
  .oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }))
  .map((c) => String.fromCodePoint(c));

describe("unquote()", () => {
  const ROWS: Array<[name: string, input: string, want: string]> = [
    ["no percent", "/a/b c", "/a/b c"],
    ["uppercase hex", "%2F%41", "/A"],
    ["lowercase hex", "%2f%41", "/A"],
    ["UTF-8", "caf%C3%A9", "café"],
    ["4-byte UTF-8", "%F0%9F%98%80", "😀"],
    ["malformed % kept", "100%", "100%"],
    ["one hex digit kept", "%4", "%4"],
    ["non-hex kept", "%zz%g1", "%zz%g1"],
    ["%25 decodes once", "%2541", "%41"],
    ["+ is not a space", "a+b", "a+b"],
    ["NUL", "a%00b", "a\0b"],
    ["overlong", "%c0%ae", "\uFFFD\uFFFD"],
    ["truncated sequence", "%e2%82", "\uFFFD"],
    ["invalid start byte", "%ff%fe", "\uFFFD\uFFFD"],
    ["encoded surrogate passes", "%ED%B2%80", "\uDC80"],
    ["encoded high surrogate passes", "x%ED%A0%80y", "x\uD800y"],
    ["surrogate and invalid: all replaced", "%ED%B2%80%FF", "\uFFFD\uFFFD\uFFFD\uFFFD"],
    ["non-ASCII splits the runs", "%C3é%A9", "\uFFFDé\uFFFD"],
    ["% before non-ASCII", "%é", "%é"],
    ["lone surrogate in input kept", "\uD800%41", "\uD800A"],
  ];
  for (const [name, input, want] of ROWS) {
    test(`unquote() ${name}: ${JSON.stringify(input)}`, () => {
      assert.equal(unquote(input), want);
    });
  }
});

describe("quote()", () => {
  const ROWS: Array<[input: string, safe: string | undefined, want: string]> = [
    ["abc", undefined, "abc"],
    ["", undefined, ""],
    ["a b/c", undefined, "a%20b/c"],
    ["a b/c", "", "a%20b%2Fc"],
    ["A-Za-z0-9_.-~", "", "A-Za-z0-9_.-~"],
    ["!*'();:@&=+$,?#[]%\"<>\\^`{|} ", undefined, "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%3F%23%5B%5D%25%22%3C%3E%5C%5E%60%7B%7C%7D%20"],
    ["a:b@c", ":@", "a:b@c"],
    ["é", "é", "%C3%A9"],
    ["€", undefined, "%E2%82%AC"],
    ["😀", undefined, "%F0%9F%98%80"],
    ["\uDC80", undefined, "%ED%B2%80"],
    ["\uD800x", undefined, "%ED%A0%80x"],
    ["\0\x7f", undefined, "%00%7F"],
  ];
  for (const [input, safe, want] of ROWS) {
    test(`quote(${JSON.stringify(input)}${safe === undefined ? "" : `, ${JSON.stringify(safe)}`}) is ${want}`, () => {
      assert.equal(safe === undefined ? quote(input) : quote(input, safe), want);
    });
  }

  test("quote() then unquote() round-trips any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: anyCodePoint }), (s) => {
        assert.equal(unquote(quote(s)), s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("fsDecode() and fsEncode()", () => {
  test("fsDecode() escapes undecodable bytes as U+DC80..U+DCFF", () => {
    assert.equal(fsDecode(Buffer.from([0x61, 0xff, 0xe2, 0x82, 0xed, 0xa0, 0x80])), "a\uDCFF\uDCE2\uDC82\uDCED\uDCA0\uDC80");
    assert.equal(fsDecode(Buffer.from("café", "utf8")), "café");
  });

  test("fsEncode() restores the bytes and refuses other lone surrogates", () => {
    assert.deepEqual(fsEncode("a\uDCFF"), Buffer.from([0x61, 0xff]));
    assert.deepEqual(fsEncode("café"), Buffer.from("café", "utf8"));
    assert.equal(fsEncode("\uD800"), null);
    assert.equal(fsEncode("\uDC7F"), null);
  });

  test("fsEncode(fsDecode(b)) is b for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
        assert.deepEqual(fsEncode(fsDecode(b)), Buffer.from(b));
      }),
      { numRuns: 2000 },
    );
  });

  test("hasLoneSurrogate() ignores pairs", () => {
    assert.equal(hasLoneSurrogate("😀"), false);
    assert.equal(hasLoneSurrogate("a\uD83D"), true);
    assert.equal(hasLoneSurrogate("\uDE00a"), true);
  });
});

const PY_URL = String.raw`
import json, os, sys
from urllib.parse import quote, unquote

def handler_unquote(s):
    try:
        return unquote(s, errors='surrogatepass')
    except UnicodeDecodeError:
        return unquote(s)

def fsencode(s):
    try:
        return list(os.fsencode(s))
    except UnicodeEncodeError:
        return None

job = json.load(sys.stdin)
json.dump({
    "unquote": [handler_unquote(s) for s in job["unquote"]],
    "quote": [quote(s, safe, errors='surrogatepass') for s, safe in job["quote"]],
    "fsdecode": [os.fsdecode(bytes(b)) for b in job["fsdecode"]],
    "fsencode": [fsencode(s) for s in job["fsencode"]],
}, sys.stdout)
`;

/**
 * Generated request paths: percent escapes of interesting bytes mixed with
 * ASCII, non-ASCII and lone surrogates. A CESU-8 surrogate pair is left out
 * on purpose: it is the documented difference (see url.ts).
 */
const pathPiece = fc.oneof(
  fc.constantFrom("%", "%2", "%zz", "/", "a", "é", "😀", "\uD800", "\uDC80", "%25"),
  fc.integer({ min: 0, max: 255 }).map((b) => "%" + b.toString(16).padStart(2, "0")),
  fc.constantFrom("%ED%B2%80", "%ed%a0%80", "%E2%82%AC", "%F0%9F%98%80", "%C3", "%A9", "%C0%AE", "%F4%90%80%80"),
);

/** True if unquoting `s` could put an encoded high surrogate right before an encoded low one. */
const hasCesuPair = (s: string): boolean => /%ed%[ab][0-9a-f]%[89ab][0-9a-f]%ed%[bc][0-9a-f]/i.test(s);

describe("side by side with CPython's urllib.parse and os.fs*code", () => {
  test("unquote(), quote(), fsDecode() and fsEncode() agree on generated inputs", (t) => {
    const unquoteInputs = fc
      .sample(fc.array(pathPiece, { maxLength: 8 }).map((a) => a.join("")), { numRuns: 1500, seed: 42 })
      .filter((s) => !hasCesuPair(s));
    const quoteInputs = fc.sample(fc.tuple(fc.string({ unit: anyCodePoint, maxLength: 8 }), fc.constantFrom("/", "", ":@", "é%")), {
      numRuns: 1000,
      seed: 43,
    });
    const fsdecodeInputs = fc.sample(fc.uint8Array({ maxLength: 8 }), { numRuns: 1000, seed: 44 }).map((b) => [...b]);
    const fsencodeInputs = fc.sample(fc.string({ unit: anyCodePoint, maxLength: 6 }), { numRuns: 1000, seed: 45 });
    const py = runPython<{ unquote: string[]; quote: string[]; fsdecode: string[]; fsencode: Array<number[] | null> }>(PY_URL, {
      unquote: unquoteInputs,
      quote: quoteInputs,
      fsdecode: fsdecodeInputs,
      fsencode: fsencodeInputs,
    });
    if (py === null) return t.skip(NO_PYTHON);
    const bad: string[] = [];
    unquoteInputs.forEach((s, i) => {
      if (unquote(s) !== py.unquote[i]) bad.push(`unquote(${JSON.stringify(s)}): ${JSON.stringify(unquote(s))} vs ${JSON.stringify(py.unquote[i])}`);
    });
    quoteInputs.forEach(([s, safe], i) => {
      if (quote(s, safe) !== py.quote[i]) bad.push(`quote(${JSON.stringify(s)}, ${JSON.stringify(safe)}): ${quote(s, safe)} vs ${py.quote[i]}`);
    });
    fsdecodeInputs.forEach((b, i) => {
      if (fsDecode(Uint8Array.from(b)) !== py.fsdecode[i]) bad.push(`fsDecode(${JSON.stringify(b)})`);
    });
    fsencodeInputs.forEach((s, i) => {
      const ours = fsEncode(s);
      const theirs = py.fsencode[i];
      if (JSON.stringify(ours === null ? null : [...ours]) !== JSON.stringify(theirs)) bad.push(`fsEncode(${JSON.stringify(s)})`);
    });
    assert.deepEqual(bad.slice(0, 20), []);
  });
});

describe("splitTarget()", () => {
  const ROWS: [target: string, path: string, query: string, fragment: string][] = [
    ["/a/b", "/a/b", "", ""],
    ["/a?x=1", "/a", "x=1", ""],
    ["/a#top", "/a", "", "top"],
    ["/a?x#y", "/a", "x", "y"],
    ["/a#y?x", "/a", "", "y?x"],
    ["/a?", "/a", "", ""],
    ["http://example.com/dir?q", "/dir", "q", ""],
    ["http://evil.example", "/", "", ""],
    ["HTTPS://h:8000/d#f", "/d", "", "f"],
    ["//evil.example/d", "//evil.example/d", "", ""],
  ];
  for (const [target, path, query, fragment] of ROWS) {
    test(`splitTarget(${JSON.stringify(target)})`, () => {
      assert.deepEqual(splitTarget(target), { path, query, fragment });
    });
  }
});
