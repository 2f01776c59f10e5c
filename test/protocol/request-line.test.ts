/**
 * Tests for src/protocol/request-line.ts.
 *
 * Strategy: one table of raw request lines, each with the decision CPython's
 * `BaseHTTPRequestHandler.parse_request` makes (accepted with command, path,
 * request_version and close_connection; or refused with a status and the
 * text it puts in its message). The table is checked against our parser, and
 * then side by side against the installed CPython: every row is run through
 * the real `parse_request` in one batched `python3` process, and ours must
 * agree, except for the rows in `OURS_ONLY` (our control-byte rule, docs/api-contract.md
 * §4). No difference between 3.11 and 3.14 is known in this logic.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseRequestLine, pySplit, reduceLeadingSlashes, stripLineEnd } from "../../src/protocol/request-line.js";
import {
  cpythonRequestLines,
  decideRequestLine,
  describeDecision,
  show,
  V09,
  type RequestLineDecision as Decision,
} from "../helpers/wire.js";

interface Row {
  readonly name: string;
  /** The raw line as received, line ending included (Latin-1 characters). */
  readonly line: string;
  /** The handler's `protocol_version`; HTTP/1.1 unless given. */
  readonly protocol?: string;
  readonly want: Decision;
}

const ok = (command: string, path: string, version: string, close: boolean): Decision => ({
  accept: true,
  command,
  path,
  version,
  close,
});
/** Refused; `version` is the `request_version` CPython has set by then. */
const no = (status: number, kind: string, detail: string, version = V09): Decision => ({
  accept: false,
  status,
  kind,
  detail,
  version,
});

const ROWS: readonly Row[] = [
  // 1. no words
  { name: "empty line", line: "\r\n", want: no(0, "empty", "") },
  { name: "whitespace only", line: " \t\x0b\x0c \r\n", want: no(0, "empty", "") },
  { name: "nothing at all", line: "", want: no(0, "empty", "") },
  // 3. one word
  { name: "one word", line: "GET\r\n", want: no(400, "syntax", "GET") },
  // 4. two words: HTTP/0.9
  { name: "2 words GET", line: "GET /\r\n", want: ok("GET", "/", V09, true) },
  { name: "2 words GET on an HTTP/1.0 server", line: "GET /index.html\r\n", protocol: "HTTP/1.0", want: ok("GET", "/index.html", V09, true) },
  { name: "2 words HEAD", line: "HEAD /\r\n", want: no(400, "http09-method", "HEAD") },
  { name: "2 words POST", line: "POST /x\r\n", want: no(400, "http09-method", "POST") },
  { name: "2 words lower-case get", line: "get /\r\n", want: no(400, "http09-method", "get") },
  { name: "2 words, second is a version", line: "GET HTTP/1.1\r\n", want: ok("GET", "HTTP/1.1", V09, true) },
  // 2. three words
  { name: "HTTP/1.1 on an HTTP/1.1 server", line: "GET / HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "HTTP/1.1 on an HTTP/1.0 server", line: "GET / HTTP/1.1\r\n", protocol: "HTTP/1.0", want: ok("GET", "/", "HTTP/1.1", true) },
  { name: "HTTP/1.0", line: "GET / HTTP/1.0\r\n", want: ok("GET", "/", "HTTP/1.0", true) },
  { name: "HTTP/0.9 spelled out", line: "GET / HTTP/0.9\r\n", want: ok("GET", "/", "HTTP/0.9", true) },
  { name: "HTTP/1.9", line: "GET / HTTP/1.9\r\n", want: ok("GET", "/", "HTTP/1.9", false) },
  { name: "HTTP/0.99999 is below 1.1", line: "GET / HTTP/0.99999\r\n", want: ok("GET", "/", "HTTP/0.99999", true) },
  { name: "HTTP/01.01 (leading zeros ignored)", line: "GET / HTTP/01.01\r\n", want: ok("GET", "/", "HTTP/01.01", false) },
  { name: "10-digit parts", line: "GET / HTTP/0000000001.0000000001\r\n", want: ok("GET", "/", "HTTP/0000000001.0000000001", false) },
  { name: "any method with three words", line: "BREW /pot HTTP/1.1\r\n", want: ok("BREW", "/pot", "HTTP/1.1", false) },
  { name: "absolute-form target", line: "GET http://example.com/ HTTP/1.1\r\n", want: ok("GET", "http://example.com/", "HTTP/1.1", false) },
  { name: "Latin-1 byte in the path", line: "GET /caf\xe9 HTTP/1.1\r\n", want: ok("GET", "/caf\xe9", "HTTP/1.1", false) },
  { name: "HTTP/2.0", line: "GET / HTTP/2.0\r\n", want: no(505, "unsupported-version", "2.0") },
  { name: "HTTP/3.5", line: "GET / HTTP/3.5\r\n", want: no(505, "unsupported-version", "3.5") },
  { name: "HTTP/10.0", line: "GET / HTTP/10.0\r\n", want: no(505, "unsupported-version", "10.0") },
  { name: "HTTP/02.0", line: "GET / HTTP/02.0\r\n", want: no(505, "unsupported-version", "02.0") },
  { name: "HTTP/2.0 on an HTTP/1.0 server", line: "GET / HTTP/2.0\r\n", protocol: "HTTP/1.0", want: no(505, "unsupported-version", "2.0") },
  { name: "HTTP/1", line: "GET / HTTP/1\r\n", want: no(400, "version", "HTTP/1") },
  { name: "HTTP/2 (no dot is not 505)", line: "GET / HTTP/2\r\n", want: no(400, "version", "HTTP/2") },
  { name: "HTTP/1.1.1", line: "GET / HTTP/1.1.1\r\n", want: no(400, "version", "HTTP/1.1.1") },
  { name: "HTTP/a.b", line: "GET / HTTP/a.b\r\n", want: no(400, "version", "HTTP/a.b") },
  { name: "HTTP/.", line: "GET / HTTP/.\r\n", want: no(400, "version", "HTTP/.") },
  { name: "HTTP/1.", line: "GET / HTTP/1.\r\n", want: no(400, "version", "HTTP/1.") },
  { name: "HTTP/+1.1", line: "GET / HTTP/+1.1\r\n", want: no(400, "version", "HTTP/+1.1") },
  { name: "HTTP/1.-1", line: "GET / HTTP/1.-1\r\n", want: no(400, "version", "HTTP/1.-1") },
  { name: "HTTP/ alone", line: "GET / HTTP/\r\n", want: no(400, "version", "HTTP/") },
  { name: "HTTP/HTTP/1.1", line: "GET / HTTP/HTTP/1.1\r\n", want: no(400, "version", "HTTP/HTTP/1.1") },
  { name: "11-digit major", line: "GET / HTTP/00000000001.1\r\n", want: no(400, "version", "HTTP/00000000001.1") },
  { name: "11-digit minor", line: "GET / HTTP/1.00000000001\r\n", want: no(400, "version", "HTTP/1.00000000001") },
  { name: "superscript digit (isdigit but not int)", line: "GET / HTTP/1.\xb9\r\n", want: no(400, "version", "HTTP/1.\xb9") },
  { name: "lower-case http/1.1", line: "GET / http/1.1\r\n", want: no(400, "version", "http/1.1") },
  { name: "NUL after the version", line: "GET / HTTP/1.1\x00\r\n", want: no(400, "version", "HTTP/1.1\x00") },
  // 4+ words: the version is checked before the word count
  { name: "4 words, valid last word", line: "GET / x HTTP/1.1\r\n", want: no(400, "syntax", "GET / x HTTP/1.1", "HTTP/1.1") },
  { name: "4 words, invalid last word", line: "GET / HTTP/1.1 extra\r\n", want: no(400, "version", "extra") },
  { name: "4 words, last word HTTP/2.0", line: "GET / x HTTP/2.0\r\n", want: no(505, "unsupported-version", "2.0") },
  { name: "5 words, valid last word", line: "a b c d HTTP/1.0\r\n", want: no(400, "syntax", "a b c d HTTP/1.0", "HTTP/1.0") },
  { name: "4+ words, trailing space kept in the detail", line: "a b c HTTP/1.1 \r\n", want: no(400, "syntax", "a b c HTTP/1.1 ", "HTTP/1.1") },
  { name: "4+ words with both quote kinds", line: "GET '\"/ x HTTP/1.1\r\n", want: no(400, "syntax", "GET '\"/ x HTTP/1.1", "HTTP/1.1") },
  { name: "4+ words with NUL, valid version", line: "GET /\x00 x HTTP/1.1\r\n", want: no(400, "syntax", "GET /\x00 x HTTP/1.1", "HTTP/1.1") },
  // separators: Python's str.split() whitespace within Latin-1
  { name: "tab separators", line: "GET\t/\tHTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\x0b separator", line: "GET\x0b/ HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\x0c separator", line: "GET\x0c/ HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\x1c separator", line: "GET\x1c/ HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\x1d \\x1e \\x1f separators", line: "GET\x1d/\x1e\x1fHTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\x85 separator", line: "GET\x85/ HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\xa0 separator", line: "GET /\xa0HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "CR inside the line separates", line: "GET\r/ HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "LF inside the line separates", line: "GET /\nHTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "runs of spaces, leading and trailing", line: "  GET   /   HTTP/1.1  \r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "\\x1b is not a separator (ESC inside a word)", line: "GET\x1b/ HTTP/1.1\r\n", want: no(400, "syntax", "GET\x1b/ HTTP/1.1") },
  // line endings: rstrip('\r\n')
  { name: "LF-only ending", line: "GET / HTTP/1.1\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "no line ending", line: "GET / HTTP/1.1", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "CR CR LF ending", line: "GET / HTTP/1.1\r\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "LF CR ending", line: "GET / HTTP/1.1\n\r", want: ok("GET", "/", "HTTP/1.1", false) },
  // gh-87389: leading slashes reduced
  { name: "// path reduced to one slash", line: "GET //evil.example/x HTTP/1.1\r\n", want: ok("GET", "/evil.example/x", "HTTP/1.1", false) },
  { name: "/// path", line: "GET /// HTTP/1.1\r\n", want: ok("GET", "/", "HTTP/1.1", false) },
  { name: "// path in HTTP/0.9", line: "GET //x\r\n", want: ok("GET", "/x", V09, true) },
  // our rule: a control byte inside a word is refused (CPython accepts it)
  { name: "NUL in the path", line: "GET /a\x00b HTTP/1.1\r\n", want: no(400, "syntax", "GET /a\x00b HTTP/1.1", "HTTP/1.1") },
  { name: "DEL in the path", line: "GET /a\x7f HTTP/1.1\r\n", want: no(400, "syntax", "GET /a\x7f HTTP/1.1", "HTTP/1.1") },
  { name: "ESC in the method", line: "G\x1bET / HTTP/1.1\r\n", want: no(400, "syntax", "G\x1bET / HTTP/1.1", "HTTP/1.1") },
  { name: "\\x01 word", line: "GET \x01 HTTP/1.0\r\n", want: no(400, "syntax", "GET \x01 HTTP/1.0", "HTTP/1.0") },
  { name: "NUL in an HTTP/0.9 GET", line: "GET /\x00\r\n", want: no(400, "syntax", "GET /\x00") },
  { name: "NUL in an HTTP/0.9 POST", line: "POST /\x00\r\n", want: no(400, "syntax", "POST /\x00") },
];

/**
 * Rows where we deliberately differ from CPython: a control byte inside a word
 * (docs/api-contract.md §4). CPython accepts the first ones and, for the HTTP/0.9 POST,
 * refuses with "Bad HTTP/0.9 request type" where we say "Bad request syntax".
 */
const OURS_ONLY: ReadonlySet<string> = new Set([
  "\\x1b is not a separator (ESC inside a word)",
  "NUL in the path",
  "DEL in the path",
  "ESC in the method",
  "\\x01 word",
  "NUL in an HTTP/0.9 GET",
  "NUL in an HTTP/0.9 POST",
]);

test("parseRequestLine() decides each row as CPython does", () => {
  for (const row of ROWS) {
    const got = decideRequestLine(row.line, row.protocol ?? "HTTP/1.1");
    assert.deepEqual(got, row.want, `${row.name} ${show(row.line)}: got ${describeDecision(got)}, want ${describeDecision(row.want)}`);
  }
});

test("parseRequestLine() reports the words as str.split() gives them", () => {
  const r = parseRequestLine("GET\t/a b\xa0HTTP/1.1", "HTTP/1.1");
  assert.deepEqual(r.words, ["GET", "/a", "b", "HTTP/1.1"]);
});

test("parseRequestLine() keeps close_connection on a 505 as CPython does", () => {
  // CPython sets close_connection from the version before refusing 2.0 and
  // above; send_error's "Connection: close" then closes anyway.
  const rows: readonly { name: string; protocol: string; want: boolean }[] = [
    { name: "HTTP/1.1 server", protocol: "HTTP/1.1", want: false },
    { name: "HTTP/1.0 server", protocol: "HTTP/1.0", want: true },
  ];
  for (const row of rows) {
    const got = parseRequestLine("GET / HTTP/2.0", row.protocol).closeConnection;
    assert.equal(got, row.want, `${row.name}: got ${got}, want ${row.want}`);
  }
});

test("pySplit() splits on Python's whitespace within Latin-1", () => {
  const rows: readonly { name: string; input: string; want: readonly string[] }[] = [
    { name: "empty", input: "", want: [] },
    { name: "spaces only", input: "   ", want: [] },
    { name: "single word", input: "a", want: ["a"] },
    { name: "every separator", input: "a\tb\nc\x0bd\x0ce\rf\x1cg\x1dh\x1ei\x1fj k\x85l\xa0m", want: "abcdefghijklm".split("") },
    { name: "not separators", input: "a\x00b\x1bc\x7fd\x80e\xadf", want: ["a\x00b\x1bc\x7fd\x80e\xadf"] },
    { name: "leading and trailing runs", input: " \t a  b \t ", want: ["a", "b"] },
  ];
  for (const row of rows) {
    const got = pySplit(row.input);
    assert.deepEqual(got, row.want, `${row.name}: got ${got.map((w) => show(w)).join(",")}, want ${row.want.map((w) => show(w)).join(",")}`);
  }
});

test("stripLineEnd() removes trailing CR and LF like rstrip('\\r\\n')", () => {
  const rows: readonly { name: string; input: string; want: string }[] = [
    { name: "CRLF", input: "a\r\n", want: "a" },
    { name: "LF", input: "a\n", want: "a" },
    { name: "CR", input: "a\r", want: "a" },
    { name: "mixed run", input: "a\r\n\n\r\r\n", want: "a" },
    { name: "inner CRLF kept", input: "a\r\nb\r\n", want: "a\r\nb" },
    { name: "nothing to strip", input: "a b ", want: "a b " },
    { name: "only line ends", input: "\r\n", want: "" },
    { name: "empty", input: "", want: "" },
  ];
  for (const row of rows) {
    const got = stripLineEnd(row.input);
    assert.equal(got, row.want, `${row.name}: got ${show(got)}, want ${show(row.want)}`);
  }
});

test("reduceLeadingSlashes() reduces a leading run of slashes to one (gh-87389)", () => {
  const rows: readonly { name: string; input: string; want: string }[] = [
    { name: "root", input: "/", want: "/" },
    { name: "plain path", input: "/a//b", want: "/a//b" },
    { name: "two slashes", input: "//host/x", want: "/host/x" },
    { name: "many slashes", input: "/////x", want: "/x" },
    { name: "only slashes", input: "//", want: "/" },
    { name: "no slash", input: "x//y", want: "x//y" },
    { name: "empty", input: "", want: "" },
  ];
  for (const row of rows) {
    const got = reduceLeadingSlashes(row.input);
    assert.equal(got, row.want, `${row.name}: got ${show(got)}, want ${show(row.want)}`);
  }
});

// ---- side by side with CPython ------------------------------------------

test("parseRequestLine() agrees with CPython's parse_request side by side", (t) => {
  const theirs = cpythonRequestLines(ROWS.map((row) => ({ line: row.line, protocol: row.protocol ?? "HTTP/1.1" })));
  if (typeof theirs === "string") {
    t.skip(theirs);
    return;
  }
  ROWS.forEach((row, i) => {
    const cpython = theirs[i]!;
    const ours = decideRequestLine(row.line, row.protocol ?? "HTTP/1.1");
    const where = `${row.name} ${show(row.line)}`;
    if (OURS_ONLY.has(row.name)) {
      // Our rule applies, and CPython really does decide otherwise (else the
      // row no longer belongs in the allow-list).
      assert.ok(!ours.accept && ours.kind === "syntax" && ours.status === 400, `${where}: ours ${describeDecision(ours)}, want 400 syntax`);
      assert.notDeepEqual(ours, cpython.decision, `${where}: CPython now agrees; remove the row from OURS_ONLY`);
      return;
    }
    assert.deepEqual(ours, cpython.decision, `${where}: ours ${describeDecision(ours)}, CPython ${describeDecision(cpython.decision)} (${show(cpython.message)})`);
  });
});
