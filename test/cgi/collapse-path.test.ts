/**
 * `collapsePath()` (CPython's `_url_collapse_path`) and the small Python
 * equivalents of cgi-env.ts (`unquote`, `str.split()`, `base64.decodebytes`),
 * on hostile tables, each row also checked against CPython itself: the
 * installed Python computes its answer for every row in one run.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { collapsePath, PathAboveRootError, unquoteReplace } from "../../src/cgi/collapse-path.js";
import { decodeBase64Ascii, pySplit } from "../../src/cgi/cgi-env.js";
import { python } from "../helpers/net.js";

/** Runs `expr` (a Python lambda over one str) on each input; `null` where it raises. */
async function pythonAnswers(setup: string, expr: string, inputs: string[]): Promise<(string | null)[]> {
  const script = `
import json, sys
${setup}
f = ${expr}
out = []
for s in json.loads(sys.argv[1]):
    try:
        out.append(f(s))
    except Exception:
        out.append(None)
print(json.dumps(out))
`;
  return JSON.parse(await python(script, [JSON.stringify(inputs)])) as (string | null)[];
}

/** [input, expected] — `null` for CPython's IndexError (our PathAboveRootError). */
const COLLAPSE: [string, string | null][] = [
  ["/", "//"],
  ["", "//"],
  ["/cgi-bin/x.sh", "/cgi-bin/x.sh"],
  ["/cgi-bin/../cgi-bin/x.sh", "/cgi-bin/x.sh"],
  ["/cgi-bin/%2e%2e/cgi-bin/x.sh", "/cgi-bin/x.sh"],
  ["/cgi-bin/%2E%2E/cgi-bin/x.sh", "/cgi-bin/x.sh"],
  ["/cgi-bin%2fx.sh", "/cgi-bin/x.sh"],
  ["/cgi-bin%2Fx.sh", "/cgi-bin/x.sh"],
  ["//cgi-bin/x.sh", "/cgi-bin/x.sh"],
  ["/./cgi-bin/./x.sh", "/cgi-bin/x.sh"],
  ["/cgi-bin/x.sh/", "/cgi-bin/x.sh/"],
  ["/cgi-bin/x.sh/.", "/cgi-bin/x.sh/"],
  ["/cgi-bin/x.sh/..", "/cgi-bin/"],
  ["/cgi-bin/x.sh?a=1&b=/../..", "/cgi-bin/x.sh?a=1&b=/../.."],
  ["/cgi-bin/x.sh?", "/cgi-bin/x.sh"],
  ["/cgi-bin/x.sh?q%2F", "/cgi-bin/x.sh?q%2F"],
  ["/cgi-bin/x.sh#/../..", "//"],
  ["/a/b/../../cgi-bin/x", "/cgi-bin/x"],
  ["/..", null],
  ["/../cgi-bin/x.sh", null],
  ["/cgi-bin/../../x", null],
  ["/%2e%2e/x", null],
  ["/a/..%2f..%2fx", null],
  ["/cgi-bin\\..\\x", "//cgi-bin\\..\\x"], // a backslash is a plain character
  ["/a%20b/c%", "/a b/c%"],
  ["/caf%C3%A9/x", "/café/x"],
  ["/bad%FF%FE/x", "/bad\uFFFD\uFFFD/x"],
  ["/sur%ED%A0%80/x", "/sur\uFFFD\uFFFD\uFFFD/x"],
  ["/nul%00/x", "/nul\0/x"],
];

test("collapsePath() matches a table of hostile paths, and CPython's _url_collapse_path on each", async () => {
  for (const [input, want] of COLLAPSE) {
    if (want === null) assert.throws(() => collapsePath(input), PathAboveRootError, input);
    else assert.equal(collapsePath(input), want, input);
  }
  const cpython = await pythonAnswers("from http.server import _url_collapse_path", "_url_collapse_path", COLLAPSE.map(([i]) => i));
  COLLAPSE.forEach(([input, want], i) => assert.equal(cpython[i], want, `CPython on ${JSON.stringify(input)}`));
});

test("unquoteReplace() is urllib.parse.unquote with its defaults", async () => {
  const inputs = ["", "plain", "%41%42", "%4", "%zz%41", "%C3%A9", "%C3", "%C3a%A9", "%ED%A0%80", "%F0%9F%98%80", "é%20é", "%E2%82", "100%"];
  const cpython = await pythonAnswers("from urllib.parse import unquote", "unquote", inputs);
  inputs.forEach((s, i) => assert.equal(unquoteReplace(s), cpython[i], JSON.stringify(s)));
});

test("pySplit() is Python's str.split()", async () => {
  const inputs = ["Basic abc", "  Basic   abc  ", "Basic\tabc", "Basic\u00a0abc", "Basic\u0085abc", "Basic\x1cabc", "a b c", "", "   ", "Basic\x0babc"];
  const cpython = await pythonAnswers("", "lambda s: '\\x00'.join(s.split())", inputs);
  inputs.forEach((s, i) => assert.equal(pySplit(s).join("\0"), cpython[i], JSON.stringify(s)));
});

test("decodeBase64Ascii() decodes and fails where base64.decodebytes(...).decode('ascii') does", async () => {
  const inputs = [
    Buffer.from("alice:secret").toString("base64"),
    Buffer.from("a").toString("base64"), // YQ==
    "YQ", // Incorrect padding
    "YQ=",
    "YWI=",
    "YWJj",
    "Y",
    "YQ==garbage", // data after the padding is ignored
    "Y Q = =",
    "YW*Jj",
    "!!!notbase64",
    "",
    "=",
    "YQ===",
    Buffer.from([0xc3, 0xa9]).toString("base64"), // not ASCII
    "é",
    "YWJjZA",
    "YWJjZA=",
    "YWJjZA==",
  ];
  const cpython = await pythonAnswers("import base64", "lambda s: base64.decodebytes(s.encode('ascii')).decode('ascii')", inputs);
  inputs.forEach((s, i) => assert.equal(decodeBase64Ascii(s), cpython[i], JSON.stringify(s)));
});
