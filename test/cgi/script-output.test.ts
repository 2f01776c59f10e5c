/**
 * `parseScriptHead()`: a CGI script's header block (RFC 3875 §6) read from
 * the start of its output, fed whole, at its end, and malformed.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_CGI_HEADER_BYTES, parseScriptHead } from "../../src/cgi/script-output.js";

test("parseScriptHead() reads a header block", () => {
  const rows: [string, boolean, unknown][] = [
    ["Content-Type: a/b\r\n\r\nbody", false, { status: 200, reason: null, headers: [["Content-Type", "a/b"]], rest: "body" }],
    ["Status: 404\n\n", false, { status: 404, reason: null, headers: [], rest: "" }],
    ["Location: /x\nStatus: 301 Moved\n\n", false, { status: 301, reason: "Moved", headers: [["Location", "/x"]], rest: "" }],
    ["\r\nbody", false, { status: 200, reason: null, headers: [], rest: "body" }],
    ["Content-Type: a/b\r\n", false, null],
    ["Content-Type: a/b\r\n", true, "string"],
    ["Status: abc\n\n", false, "string"],
    ["bad line\n\n", false, "string"],
  ];
  for (const [input, ended, want] of rows) {
    const got = parseScriptHead(Buffer.from(input, "latin1"), ended);
    if (want === "string") assert.equal(typeof got, "string", input);
    else if (want === null) assert.equal(got, null, input);
    else {
      assert.ok(got !== null && typeof got === "object", input);
      assert.deepEqual({ ...got, rest: got.rest.toString("latin1") }, want, input);
    }
  }
});

test("parseScriptHead() waits for the blank line up to MAX_CGI_HEADER_BYTES, then refuses", () => {
  const line = "X-Pad: " + "a".repeat(100) + "\r\n";
  const under = Buffer.from(line.repeat(Math.floor(MAX_CGI_HEADER_BYTES / line.length)), "latin1");
  assert.ok(under.length <= MAX_CGI_HEADER_BYTES);
  assert.equal(parseScriptHead(under, false), null);
  const over = Buffer.concat([under, Buffer.from(line.repeat(2), "latin1")]);
  assert.equal(parseScriptHead(over, false), "the script's headers are too large");
});

test("parseScriptHead() table: Location, Status and hostile fields", () => {
  const rows: { input: string; want: number | "malformed"; why: string }[] = [
    { input: "Location: http://x/\r\n\r\n", want: 302, why: "Location alone is a redirect (RFC 3875 §6.2.3)" },
    { input: "Location: /x\r\nStatus: 200\r\n\r\n", want: 200, why: "an explicit Status wins over Location" },
    { input: "Status: 099\r\n\r\n", want: "malformed", why: "a status is three digits, not starting with 0" },
    { input: "Status: 1000\r\n\r\n", want: "malformed", why: "four digits" },
    { input: "X: a\rb\r\n\r\n", want: "malformed", why: "a bare CR inside a value could split the response" },
    { input: "X: a\0b\r\n\r\n", want: "malformed", why: "NUL in a value" },
    { input: "Bad Name: v\r\n\r\n", want: "malformed", why: "a name is an RFC 9110 token" },
    { input: ": v\r\n\r\n", want: "malformed", why: "an empty name" },
    { input: "X:\tv \t\r\n\r\n", want: 200, why: "OWS around a value is trimmed" },
  ];
  for (const row of rows) {
    const got = parseScriptHead(Buffer.from(row.input, "latin1"), true);
    if (row.want === "malformed") assert.equal(typeof got, "string", `${JSON.stringify(row.input)}: ${row.why}`);
    else {
      assert.ok(got !== null && typeof got === "object", `${JSON.stringify(row.input)}: ${row.why}; got ${JSON.stringify(got)}`);
      assert.equal(got.status, row.want, row.why);
    }
  }
  const trimmed = parseScriptHead(Buffer.from("X:\tv \t\r\n\r\n", "latin1"), true);
  assert.ok(trimmed !== null && typeof trimmed === "object");
  assert.deepEqual(trimmed.headers, [["X", "v"]]);
});
