/** `response-headers.ts`: what `-H` and `response_headers` accept (gh-135056, plus our checks). */

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkResponseHeaders, headerProblem, splitHeaderArg } from "../../src/static/response-headers.js";

test("splitHeaderArg() splits at the first colon and trims the value", () => {
  assert.deepEqual(splitHeaderArg("X-A: b: c "), ["X-A", "b: c"]);
  assert.deepEqual(splitHeaderArg("X-A:"), ["X-A", ""]);
  assert.equal(splitHeaderArg("X-A"), null);
});

test("headerProblem() refuses non-token names, control characters and framing fields", () => {
  const rows: [string, string, RegExp | null][] = [
    ["Cache-Control", "no-store", null],
    ["X-Latin1", "caf\xe9", null],
    ["X-Tab", "a\tb", null],
    ["Bad Name", "v", /invalid header name/],
    ["X:Y", "v", /invalid header name/],
    ["", "v", /invalid header name/],
    ["X-A", "a\r\nb", /invalid value/],
    ["X-A", "a\0b", /invalid value/],
    ["X-A", "\u0100", /invalid value/],
    ["X-A", " lead", /invalid value/],
    ["Transfer-Encoding", "chunked", /set by the server/],
    ["CONTENT-LENGTH", "1", /set by the server/],
    ["Keep-Alive", "timeout=5", /set by the server/],
  ];
  for (const [name, value, want] of rows) {
    const got = headerProblem(name, value);
    if (want === null) assert.equal(got, null, name);
    else assert.match(got ?? "", want, `${name}: ${value}`);
  }
});

test("checkResponseHeaders() takes pairs or an object and throws TypeError on a bad field", () => {
  assert.deepEqual(checkResponseHeaders([["A", "1"]]), [["A", "1"]]);
  assert.deepEqual(checkResponseHeaders({ A: "1", B: "2" }), [["A", "1"], ["B", "2"]]);
  assert.throws(() => checkResponseHeaders([["A", "x\ny"]]), TypeError);
});
