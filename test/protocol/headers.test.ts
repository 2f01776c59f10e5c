/**
 * Tests for src/protocol/headers.ts.
 *
 * Strategy: the HTTPMessage read API against what Python's
 * `email.message.Message` answers (expected values below were produced by
 * `http.client.parse_headers` in CPython); HeaderReader's limits at CPython's
 * exact numbers, one byte either side of each; then a table of single header
 * lines, refused (with status and code) or accepted (with the field read),
 * each checked through `parseHeaderLine` and through a whole head fed to
 * `HeaderReader` both at once and one byte at a time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ProtocolError } from "../../src/protocol/errors.js";
import { HeaderReader, HTTPMessage, isToken, parseHeaderLine } from "../../src/protocol/headers.js";
import { MAX_HEADER_BYTES, MAX_HEADER_LINE, MAX_HEADERS } from "../../src/protocol/limits.js";
import { ReceiveBuffer } from "../../src/protocol/receive-buffer.js";
import { bytewise, latin1, show } from "../helpers/wire.js";

function messageOf(fields: readonly (readonly [string, string])[]): HTTPMessage {
  const m = new HTTPMessage();
  for (const [name, value] of fields) m.add_header(name, value);
  return m;
}

/** Feeds `parts` in order to one HeaderReader; the message, `null` (need more), or the ProtocolError. */
function readHead(parts: readonly Buffer[], options: { eof?: boolean; maxBytes?: number } = {}): HTTPMessage | null | ProtocolError {
  const rb = new ReceiveBuffer();
  const reader = new HeaderReader(new HTTPMessage(), options.maxBytes);
  try {
    let result: HTTPMessage | null = null;
    for (const part of parts) {
      rb.push(part);
      result = reader.read(rb);
      if (result !== null) return result;
    }
    return options.eof === true ? reader.read(rb, true) : result;
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
}

function describe(r: HTTPMessage | null | ProtocolError): string {
  if (r === null) return "null (need more)";
  if (r instanceof ProtocolError) return `${r.status} ${r.code} ${show(r.reason)}`;
  return `message ${JSON.stringify(r.items())}`;
}

// ---- HTTPMessage ----------------------------------------------------------

const SAMPLE = messageOf([
  ["Host", "example.com"],
  ["Accept", "text/html"],
  ["X-Dup", "one"],
  ["x-dup", "two"],
  ["Empty", ""],
  ["X-DUP", "three"],
]);

test("HTTPMessage.get() finds the first value case-insensitively, else failobj", () => {
  const rows: readonly { name: string; field: string; failobj?: unknown; want: unknown }[] = [
    { name: "exact case", field: "Host", want: "example.com" },
    { name: "lower case", field: "host", want: "example.com" },
    { name: "upper case", field: "HOST", want: "example.com" },
    { name: "repeated field gives the first", field: "X-Dup", want: "one" },
    { name: "empty value is present", field: "empty", failobj: "absent", want: "" },
    { name: "missing, no failobj", field: "Missing", want: undefined },
    { name: "missing, failobj", field: "Missing", failobj: "dflt", want: "dflt" },
    { name: "missing, null failobj", field: "Missing", failobj: null, want: null },
  ];
  for (const row of rows) {
    const got = "failobj" in row ? SAMPLE.get(row.field, row.failobj) : SAMPLE.get(row.field);
    assert.equal(got, row.want, `${row.name}: got ${String(got)}, want ${String(row.want)}`);
  }
});

test("HTTPMessage.get_all() gives every value in arrival order, else failobj", () => {
  const rows: readonly { name: string; field: string; failobj?: unknown; want: unknown }[] = [
    { name: "repeated, any case", field: "x-DUP", want: ["one", "two", "three"] },
    { name: "single", field: "accept", want: ["text/html"] },
    { name: "empty value", field: "Empty", want: [""] },
    { name: "missing, no failobj", field: "Missing", want: undefined },
    { name: "missing, failobj", field: "Missing", failobj: [], want: [] },
  ];
  for (const row of rows) {
    const got = "failobj" in row ? SAMPLE.get_all(row.field, row.failobj) : SAMPLE.get_all(row.field);
    assert.deepEqual(got, row.want, `${row.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(row.want)}`);
  }
});

test("HTTPMessage keys(), values(), items() and iteration keep arrival order and repeats", () => {
  const names = ["Host", "Accept", "X-Dup", "x-dup", "Empty", "X-DUP"];
  const values = ["example.com", "text/html", "one", "two", "", "three"];
  assert.deepEqual(SAMPLE.keys(), names);
  assert.deepEqual(SAMPLE.values(), values);
  assert.deepEqual(
    SAMPLE.items(),
    names.map((n, i) => [n, values[i]]),
  );
  assert.deepEqual([...SAMPLE], names, "iteration yields names, as Python's Message does");
  assert.equal(SAMPLE.length, 6);
});

test("HTTPMessage keys(), values(), items() return copies", () => {
  const m = messageOf([["A", "1"]]);
  m.keys().push("B");
  m.values().push("2");
  m.items().push(["B", "2"]);
  assert.deepEqual(m.items(), [["A", "1"]]);
});

test("HTTPMessage.has() is Python's case-insensitive `in`", () => {
  const rows: readonly { name: string; field: string; want: boolean }[] = [
    { name: "present", field: "Host", want: true },
    { name: "other case", field: "hOsT", want: true },
    { name: "empty value still present", field: "empty", want: true },
    { name: "absent", field: "Cookie", want: false },
    { name: "prefix is not a match", field: "Hos", want: false },
  ];
  for (const row of rows) {
    assert.equal(SAMPLE.has(row.field), row.want, `${row.name}: ${row.field}`);
  }
});

test("HTTPMessage is empty when new", () => {
  const m = new HTTPMessage();
  assert.equal(m.length, 0);
  assert.deepEqual([...m], []);
  assert.equal(m.get("a"), undefined);
  assert.equal(m.toString(), "\n");
});

test("HTTPMessage.toString() renders the fields like Python's str(message)", () => {
  assert.equal(messageOf([["A", "1"], ["b", "two words"]]).toString(), "A: 1\nb: two words\n\n");
});

// Expected values produced with CPython: http.client.parse_headers(...).get_content_type() / get_content_charset().
const CONTENT_TYPES: readonly { name: string; value: string | undefined; type: string; charset: string | undefined }[] = [
  { name: "absent", value: undefined, type: "text/plain", charset: undefined },
  { name: "plain", value: "text/html", type: "text/html", charset: undefined },
  { name: "mixed case with charset", value: "Text/HTML; charset=UTF-8", type: "text/html", charset: "utf-8" },
  { name: "no subtype", value: "text", type: "text/plain", charset: undefined },
  { name: "two slashes", value: "a/b/c", type: "text/plain", charset: undefined },
  { name: "empty subtype (one slash is enough)", value: "text/", type: "text/", charset: undefined },
  { name: "slash only", value: "/", type: "/", charset: undefined },
  { name: "space inside the type", value: "a b/c", type: "a b/c", charset: undefined },
  { name: "spaces around the type", value: " text/plain ;x=y", type: "text/plain", charset: undefined },
  { name: "trailing \\xa0 stripped", value: "text/html\xa0", type: "text/html", charset: undefined },
  { name: "trailing \\x85 stripped", value: "text/html\x85", type: "text/html", charset: undefined },
  { name: "other parameter", value: "multipart/form-data; boundary=x", type: "multipart/form-data", charset: undefined },
  { name: "quoted charset", value: 'text/html; charset="UTF-8"', type: "text/html", charset: "utf-8" },
  { name: "spaced parameter name", value: "text/html; Charset = utf-8", type: "text/html", charset: "utf-8" },
  { name: "empty charset", value: "text/html;charset=", type: "text/html", charset: "" },
  { name: "charset= inside another parameter", value: 'text/html; foo="charset=x"; charset=y', type: "text/html", charset: "y" },
  { name: "first of two charsets", value: "text/html; charset=a; charset=b", type: "text/html", charset: "a" },
];

test("HTTPMessage.get_content_type() and get_content_charset() answer as email.message.Message", () => {
  for (const row of CONTENT_TYPES) {
    const m = messageOf(row.value === undefined ? [["X", "y"]] : [["Content-Type", row.value]]);
    assert.equal(m.get_content_type(), row.type, `${row.name} ${show(row.value ?? "")}: type got ${show(m.get_content_type())}, want ${show(row.type)}`);
    const charset = m.get_content_charset();
    assert.equal(charset, row.charset, `${row.name} ${show(row.value ?? "")}: charset got ${String(charset)}, want ${String(row.charset)}`);
  }
});

test("HTTPMessage.get_content_charset() returns failobj when there is no charset", () => {
  assert.equal(new HTTPMessage().get_content_charset("latin-1"), "latin-1");
  assert.equal(messageOf([["Content-Type", "text/plain"]]).get_content_charset("latin-1"), "latin-1");
  assert.equal(messageOf([["content-type", "text/plain; charset=X"]]).get_content_charset("latin-1"), "x");
});

// ---- HeaderReader limits ----------------------------------------------------

function fieldLines(count: number): string {
  let s = "";
  for (let i = 0; i < count; i++) s += `X-${i}: ${i}\r\n`;
  return s;
}

/** A `Name: value…\r\n` line of exactly `length` bytes, CRLF included. */
function lineOfLength(length: number, ending = "\r\n"): string {
  const prefix = "X-Long: ";
  return prefix + "v".repeat(length - prefix.length - ending.length) + ending;
}

function assertError(got: HTTPMessage | null | ProtocolError, want: { status: number; code: string; reason?: string; explain?: string }, where: string): void {
  assert.ok(got instanceof ProtocolError, `${where}: got ${describe(got)}, want ${want.status} ${want.code}`);
  assert.equal(got.status, want.status, `${where}: status`);
  assert.equal(got.code, want.code, `${where}: code`);
  if (want.reason !== undefined) assert.equal(got.reason, want.reason, `${where}: reason`);
  if (want.explain !== undefined) assert.equal(got.explain, want.explain, `${where}: explain`);
}

test("HeaderReader accepts 99 fields and the blank line (CPython's _MAXHEADERS)", () => {
  assert.equal(MAX_HEADERS, 100);
  const got = readHead([latin1(fieldLines(99) + "\r\n")]);
  assert.ok(got instanceof HTTPMessage, `got ${describe(got)}`);
  assert.equal(got.length, 99);
  assert.equal(got.get("x-98"), "98");
});

test("HeaderReader refuses 100 fields with 431 Too many headers", () => {
  const got = readHead([latin1(fieldLines(100) + "\r\n")]);
  assertError(got, { status: 431, code: "ERR_TOO_MANY_HEADERS", reason: "Too many headers", explain: "got more than 100 headers" }, "100 fields");
});

test("HeaderReader counts the 101st line only once it arrives, as CPython does", () => {
  assert.equal(readHead([latin1(fieldLines(100))]), null, "100 fields, no blank line yet: need more");
  const got = readHead([latin1(fieldLines(100)), latin1("\r\n")]);
  assertError(got, { status: 431, code: "ERR_TOO_MANY_HEADERS" }, "then the blank line");
});

test("HeaderReader accepts a 65536-byte header line and refuses 65537 (CPython's _MAXLINE)", () => {
  assert.equal(MAX_HEADER_LINE, 65536);
  const rows: readonly { name: string; line: string; ok: boolean }[] = [
    { name: "65536 bytes with CRLF", line: lineOfLength(65536), ok: true },
    { name: "65536 bytes with LF", line: lineOfLength(65536, "\n"), ok: true },
    { name: "65537 bytes with CRLF", line: lineOfLength(65537), ok: false },
    { name: "65537 bytes with LF", line: lineOfLength(65537, "\n"), ok: false },
  ];
  for (const row of rows) {
    const got = readHead([latin1(row.line + "\r\n")]);
    if (row.ok) {
      assert.ok(got instanceof HTTPMessage, `${row.name}: got ${describe(got)}`);
      assert.equal(got.get("x-long")?.length, row.line.length - "X-Long: ".length - (row.line.endsWith("\r\n") ? 2 : 1), `${row.name}: value length`);
    } else {
      assertError(
        got,
        { status: 431, code: "ERR_HEADER_LINE_TOO_LONG", reason: "Line too long", explain: "got more than 65536 bytes when reading header line" },
        row.name,
      );
    }
  }
});

test("HeaderReader refuses a too-long line before its LF arrives", () => {
  const got = readHead([latin1("X-Long: " + "v".repeat(MAX_HEADER_LINE))]);
  assertError(got, { status: 431, code: "ERR_HEADER_LINE_TOO_LONG" }, "65544 bytes, no LF");
});

test("HeaderReader refuses a head larger than MAX_HEADER_BYTES with 431", () => {
  // Lines of 60000 bytes stay under the line limit; five of them pass 256 KiB.
  const line = lineOfLength(60000);
  const head = line.repeat(5) + "\r\n";
  assert.ok(head.length > MAX_HEADER_BYTES);
  assertError(readHead([latin1(head)]), { status: 431, code: "ERR_HEADER_BLOCK_TOO_LARGE" }, "default limit");
});

test("HeaderReader's byte limit counts every line, the blank one included", () => {
  const head = "A: 1\r\nB: 2\r\n\r\n"; // 14 bytes
  const rows: readonly { name: string; maxBytes: number; ok: boolean }[] = [
    { name: "limit equal to the head", maxBytes: head.length, ok: true },
    { name: "limit one below", maxBytes: head.length - 1, ok: false },
  ];
  for (const row of rows) {
    const got = readHead([latin1(head)], { maxBytes: row.maxBytes });
    if (row.ok) assert.ok(got instanceof HTTPMessage, `${row.name}: got ${describe(got)}`);
    else assertError(got, { status: 431, code: "ERR_HEADER_BLOCK_TOO_LARGE" }, row.name);
  }
});

test("HeaderReader refuses an incomplete line that already passes the byte limit", () => {
  const got = readHead([latin1("A: 1\r\nB: " + "x".repeat(100))], { maxBytes: 50 });
  assertError(got, { status: 431, code: "ERR_HEADER_BLOCK_TOO_LARGE" }, "partial line past the limit");
});

// ---- HeaderReader framing ---------------------------------------------------

test("HeaderReader stops at the blank line and leaves the body buffered", () => {
  const rb = new ReceiveBuffer();
  rb.push(latin1("Host: a\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\n"));
  const m = new HeaderReader(new HTTPMessage()).read(rb);
  assert.deepEqual(m?.items(), [
    ["Host", "a"],
    ["Content-Length", "4"],
  ]);
  assert.equal(rb.peek().toString("latin1"), "bodyGET / HTTP/1.1\r\n");
});

test("HeaderReader fills the message it was given", () => {
  const message = new HTTPMessage();
  const rb = new ReceiveBuffer();
  rb.push(latin1("A: 1\r\n\r\n"));
  assert.equal(new HeaderReader(message).read(rb), message);
  assert.equal(message.get("a"), "1");
});

test("HeaderReader gives the same message whole and one byte at a time", () => {
  const head = latin1("Host: a\r\nX: 1\nY:2 \r\nX: 3\r\n\r\n");
  const whole = readHead([head]);
  const drip = readHead(bytewise(head));
  assert.ok(whole instanceof HTTPMessage && drip instanceof HTTPMessage);
  assert.deepEqual(drip.items(), whole.items());
  assert.deepEqual(whole.items(), [
    ["Host", "a"],
    ["X", "1"],
    ["Y", "2"],
    ["X", "3"],
  ]);
});

test("HeaderReader returns null until the blank line, then the message", () => {
  const rb = new ReceiveBuffer();
  const reader = new HeaderReader(new HTTPMessage());
  const steps: readonly { push: string; done: boolean }[] = [
    { push: "Host: a", done: false },
    { push: "\r\n", done: false },
    { push: "X: 1\r\n\r", done: false },
    { push: "\n", done: true },
  ];
  for (const [i, step] of steps.entries()) {
    rb.push(latin1(step.push));
    const got = reader.read(rb);
    assert.equal(got !== null, step.done, `step ${i} (${show(step.push)}): got ${got === null ? "null" : "message"}`);
  }
});

test("HeaderReader treats end of input as the end of the head, as CPython does", () => {
  const rows: readonly { name: string; input: string; want: [string, string][] }[] = [
    { name: "nothing", input: "", want: [] },
    { name: "complete line, no blank line", input: "A: 1\r\n", want: [["A", "1"]] },
    { name: "last line without its LF", input: "A: 1\r\nB: 2", want: [["A", "1"], ["B", "2"]] },
  ];
  for (const row of rows) {
    const got = readHead(row.input === "" ? [] : [latin1(row.input)], { eof: true });
    assert.ok(got instanceof HTTPMessage, `${row.name}: got ${describe(got)}`);
    assert.deepEqual(got.items(), row.want, `${row.name}: items`);
  }
});

// ---- single lines -------------------------------------------------------------

interface LineRow {
  readonly name: string;
  /** One header line as received, line ending included. */
  readonly line: string;
  /** The field read, or the refusal. */
  readonly want: { readonly field: readonly [string, string] } | { readonly code: string };
}

const LINES: readonly LineRow[] = [
  // accepted
  { name: "simple", line: "Host: example.com\r\n", want: { field: ["Host", "example.com"] } },
  { name: "no space after the colon", line: "Host:a\r\n", want: { field: ["Host", "a"] } },
  { name: "OWS trimmed both sides", line: "A: \t v \t \r\n", want: { field: ["A", "v"] } },
  { name: "inner whitespace kept", line: "A: a  b\tc\r\n", want: { field: ["A", "a  b\tc"] } },
  { name: "empty value", line: "A:\r\n", want: { field: ["A", ""] } },
  { name: "OWS-only value", line: "A: \t \r\n", want: { field: ["A", ""] } },
  { name: "obs-text kept as Latin-1", line: "A: caf\xe9 \x80\xff\r\n", want: { field: ["A", "caf\xe9 \x80\xff"] } },
  { name: "LF-only line ending", line: "A: b\n", want: { field: ["A", "b"] } },
  { name: "colon inside the value", line: "A: b:c: d\r\n", want: { field: ["A", "b:c: d"] } },
  { name: "every tchar in the name", line: "!#$%&'*+-.^_`|~09azAZ: x\r\n", want: { field: ["!#$%&'*+-.^_`|~09azAZ", "x"] } },
  { name: "name case kept", line: "cOnTeNt-TyPe: x\r\n", want: { field: ["cOnTeNt-TyPe", "x"] } },
  { name: "quotes and brackets in the value", line: 'A: "q" (c) [x] {y} <z>\r\n', want: { field: ["A", '"q" (c) [x] {y} <z>'] } },
  // refused
  { name: "no colon", line: "NoColon\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "no colon, spaces", line: "GET / HTTP/1.1\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "empty name", line: ": v\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "space before the colon", line: "Host : a\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "tab before the colon", line: "Host\t: a\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "space inside the name", line: "X Y: a\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "obs-fold with SP", line: " continued\r\n", want: { code: "ERR_OBSOLETE_LINE_FOLDING" } },
  { name: "obs-fold with HTAB", line: "\tcontinued\r\n", want: { code: "ERR_OBSOLETE_LINE_FOLDING" } },
  { name: "whitespace-only line", line: "  \r\n", want: { code: "ERR_OBSOLETE_LINE_FOLDING" } },
  { name: "NUL in the value", line: "A: b\x00c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "bare CR in the value", line: "A: b\rc\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "CR CR LF ending", line: "A: b\r\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "DEL in the value", line: "A: b\x7f\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "ESC in the value", line: "A: \x1b[31m\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "vertical tab in the value", line: "A: b\x0bc\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "form feed as OWS", line: "A:\x0cb\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "bare CR as the whole line", line: "\r\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "'(' in the name", line: "A(b): c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "'@' in the name", line: "a@b: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "'\"' in the name", line: '"a": c\r\n', want: { code: "ERR_INVALID_HEADER" } },
  { name: "'/' in the name", line: "a/b: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "'{' in the name", line: "a{b: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "Latin-1 letter in the name", line: "caf\xe9: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "NUL in the name", line: "a\x00b: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "DEL in the name", line: "a\x7f: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
  { name: "CR in the name", line: "a\rb: c\r\n", want: { code: "ERR_INVALID_HEADER" } },
];

function lineOutcome(run: () => HTTPMessage): string {
  try {
    const m = run();
    return `field ${JSON.stringify(m.items())}`;
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    assert.equal(e.status, 400, `status of ${e.code}`);
    return `error ${e.code}`;
  }
}

function wantOutcome(row: LineRow): string {
  return "field" in row.want ? `field ${JSON.stringify([row.want.field])}` : `error ${row.want.code}`;
}

test("parseHeaderLine() accepts or refuses each line", () => {
  for (const row of LINES) {
    const got = lineOutcome(() => {
      const m = new HTTPMessage();
      parseHeaderLine(latin1(row.line), m);
      return m;
    });
    assert.equal(got, wantOutcome(row), `${row.name} ${show(row.line)}`);
  }
});

test("HeaderReader accepts or refuses each line inside a head, whole and byte by byte", () => {
  for (const row of LINES) {
    const head = latin1("Host: h\r\n" + row.line + "\r\n");
    for (const [mode, parts] of [
      ["whole", [head]],
      ["byte by byte", bytewise(head)],
    ] as const) {
      const got = readHead(parts);
      const outcome =
        got instanceof ProtocolError
          ? `error ${got.code}`
          : got === null
            ? "null"
            : `field ${JSON.stringify(got.items().slice(1))}`;
      if (got instanceof ProtocolError) assert.equal(got.status, 400, `${row.name} (${mode}): status`);
      assert.equal(outcome, wantOutcome(row), `${row.name} ${show(row.line)} (${mode})`);
    }
  }
});

test("isToken() accepts RFC 9110 tokens only", () => {
  const rows: readonly { name: string; input: string; want: boolean }[] = [
    { name: "simple", input: "Content-Type", want: true },
    { name: "all tchar", input: "!#$%&'*+-.^_`|~09azAZ", want: true },
    { name: "empty", input: "", want: false },
    { name: "space", input: "a b", want: false },
    { name: "colon", input: "a:", want: false },
    { name: "separator", input: "a,b", want: false },
    { name: "Latin-1 letter", input: "\xe9", want: false },
    { name: "beyond Latin-1", input: "a\u0100", want: false },
    { name: "control", input: "a\x01", want: false },
  ];
  for (const row of rows) {
    assert.equal(isToken(row.input), row.want, `${row.name} ${show(row.input)}`);
  }
});
