/**
 * Tests for src/protocol/request-head.ts, driven by the literate wire
 * fixtures in test/protocol/cases/request-line.md and headers.md (the first
 * documents the format), then fast-check properties and the reader's API.
 *
 * Strategy (h11's `tr`, hyper's "shotgun", as chunked.test.ts): every case is
 * fed (a) whole, (b) one byte at a time, (c) split in two at every offset and
 * (d) with the start of a next request appended, and must give the same head
 * (or the same refusal) and consume the same bytes. Properties: on random
 * bytes only ProtocolError escapes, and any cutting gives the same result.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";

import { ProtocolError } from "../../src/protocol/errors.js";
import { HTTPMessage } from "../../src/protocol/headers.js";
import { ReceiveBuffer } from "../../src/protocol/receive-buffer.js";
import {
  decideRequestLine,
  HEAD_ERRORS,
  RequestHeadReader,
  requestKeepAlive,
  takeRequestLine,
  type RequestHeadOptions,
} from "../../src/protocol/request-head.js";
import { cut } from "../fuzz/differential.js";
import { bytewise, escapeWire, latin1, readMarkdownCases, repoFile, show, unescapeWire, type MarkdownCase } from "../helpers/wire.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? "") || 300;

/** Fixture options (the first lines of an `expect` block). */
interface Options {
  protocol: string;
  eof: boolean;
  maxHeaderBytes?: number;
}

/**
 * Feeds `parts` in order to one reader, as the request loop does: push, then
 * read, until the head is complete; then end of stream if `eof`. Returns the
 * outcome as the fixture's `expect` lines. Only ProtocolError is caught.
 */
function feed(parts: readonly Buffer[], o: Options): string[] {
  const rb = new ReceiveBuffer();
  const options: RequestHeadOptions = { protocolVersion: o.protocol, defaultVersion: "HTTP/0.9", ...(o.maxHeaderBytes !== undefined ? { maxHeaderBytes: o.maxHeaderBytes } : {}) };
  const reader = new RequestHeadReader(options);
  let pushed = 0;
  try {
    for (const part of parts) {
      rb.push(part);
      pushed += part.length;
      const got = reader.read(rb, false);
      if (got !== null) return describe(got, pushed - rb.length);
    }
    if (o.eof) {
      const got = reader.read(rb, true);
      if (got !== null) return describe(got, pushed - rb.length);
    }
    return ["result: incomplete"];
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return [`error: ${e.status} ${e.code}`, `reason: ${escapeWire(e.reason)}`];
  }
}

function describe(got: NonNullable<ReturnType<RequestHeadReader["read"]>>, consumed: number): string[] {
  if (got.headers === undefined) return ["result: none"];
  const l = got.line;
  const lines = [
    `command: ${escapeWire(l.command ?? "")}`,
    `path: ${escapeWire(l.path)}`,
    `version: ${l.version ?? "default"}`,
    `close: ${got.closeConnection ? "yes" : "no"}`,
  ];
  for (const [name, value] of got.headers.items()) lines.push(`field: ${escapeWire(name)}: ${escapeWire(value)}`);
  const f = got.framing;
  lines.push(`framing: ${f.kind === "length" ? `length ${f.length}` : f.kind}`);
  lines.push(`consumed: ${consumed}`);
  return lines;
}

interface Expected {
  options: Options;
  /** The outcome lines, `consumed:` always present. */
  lines: string[];
  refused: boolean;
  complete: boolean;
}

function parseExpected(c: MarkdownCase, text: string, inputLength: number): Expected {
  const options: Options = { protocol: "HTTP/1.1", eof: false };
  const lines: string[] = [];
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    const m = /^([\w-]+):\s?(.*)$/.exec(raw);
    if (m === null) throw new Error(`${c.where}: bad expect line ${show(raw)}`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "protocol") options.protocol = value;
    else if (key === "eof") options.eof = value === "yes";
    else if (key === "max-header-bytes") options.maxHeaderBytes = Number(value);
    else if (["command", "path", "version", "close", "field", "framing", "consumed", "error", "reason", "result"].includes(key)) lines.push(raw);
    else throw new Error(`${c.where}: unknown expect key ${show(key)}`);
  }
  const refused = lines.some((l) => l.startsWith("error:"));
  const isHead = lines.some((l) => l.startsWith("framing:"));
  if (isHead && !lines.some((l) => l.startsWith("consumed:"))) lines.push(`consumed: ${inputLength}`);
  return { options, lines, refused, complete: !refused && !lines.includes("result: incomplete") };
}

/**
 * Inputs up to this size are split at every offset. Larger ones (the limit
 * cases, 64–300 KiB) within `SPLIT_MARGIN` bytes of each end and at about
 * `SPLIT_MIDDLE` offsets between (a prime stride at least), unless
 * `FUZZ_RUNS` is set (the long run).
 */
const SPLIT_ALL_UP_TO = 8 * 1024;
const SPLIT_MARGIN = 256;
const SPLIT_MIDDLE = 200;

function* splitOffsets(length: number): Generator<number> {
  const all = length <= SPLIT_ALL_UP_TO || process.env["FUZZ_RUNS"] !== undefined;
  const stride = Math.max(251, Math.floor(length / SPLIT_MIDDLE) | 1);
  for (let k = 0; k <= length; k++) {
    if (all || k <= SPLIT_MARGIN || length - k <= SPLIT_MARGIN || k % stride === 0) yield k;
  }
}

const NEXT_REQUEST = latin1("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");

for (const fixture of ["request-line.md", "headers.md"]) {
  const cases = readMarkdownCases(repoFile(`test/protocol/cases/${fixture}`), fixture);

  test(`${fixture} has cases, each with a why, one http and one expect block`, () => {
    assert.ok(cases.length >= 60, `found ${cases.length} cases`);
    for (const c of cases) {
      assert.deepEqual(c.blocks.map((b) => b.lang), ["http", "expect"], `${c.where} ${c.name}`);
      assert.ok(c.why.length > 0, `${c.where} ${c.name}: a sentence on why`);
    }
  });

  for (const c of cases) {
    const httpBlock = c.blocks.find((b) => b.lang === "http");
    const expectBlock = c.blocks.find((b) => b.lang === "expect");
    if (httpBlock === undefined || expectBlock === undefined) continue; // reported above
    const input = unescapeWire(httpBlock.text);
    const want = parseExpected(c, expectBlock.text, input.length);
    const check = (got: string[], where: string): void => {
      // `consumed` of "result: none" is not part of the fixture.
      assert.deepEqual(got, want.lines, `${c.where} ${c.name} (${where})`);
    };

    test(`RequestHeadReader ${c.where} ${c.name}`, async (t) => {
      await t.test("fed whole", () => check(feed([input], want.options), "whole"));
      await t.test("fed one byte at a time", () => check(feed(bytewise(input), want.options), "bytewise"));
      await t.test("split in two at every offset", () => {
        for (const k of splitOffsets(input.length)) check(feed([input.subarray(0, k), input.subarray(k)], want.options), `split at ${k}`);
      });
      await t.test("with the next request appended", (tt) => {
        if (!want.complete || want.options.eof) {
          tt.skip("refused, incomplete or ended by end of stream: appended bytes would change the case");
          return;
        }
        check(feed([Buffer.concat([input, NEXT_REQUEST])], want.options), "with next request");
      });
    });
  }
}

// ---- properties -------------------------------------------------------------------

const HEAD_TOKENS = [
  "GET / HTTP/1.1\r\n", "GET /\r\n", "POST /x HTTP/1.0\r\n", "GET", " ", "\t", "/", "HTTP/1.1", "HTTP/2.0", "\r\n", "\n", "\r",
  "Host: a\r\n", "Content-Length: 3\r\n", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n", "Connection: close\r\n",
  ":", ": ", "X", "\x00", "\x7f", "\xe9", "\r\n\r\n", "abc",
];
const byteString = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b).toString("latin1"));
const soup = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...HEAD_TOKENS) }, { weight: 1, arbitrary: byteString }), { maxLength: 30 })
  .map((parts) => latin1(parts.join("")));
const optionsArb = fc.record({
  protocol: fc.constantFrom("HTTP/1.0", "HTTP/1.1"),
  eof: fc.boolean(),
  maxHeaderBytes: fc.constantFrom(undefined, 8, 64),
});

test("RequestHeadReader throws nothing but ProtocolError on random bytes", () => {
  fc.assert(
    fc.property(soup, fc.array(fc.nat(), { maxLength: 6 }), optionsArb, (input, points, o) => {
      feed(cut(input, points), o as Options);
    }),
    { numRuns: RUNS },
  );
});

test("RequestHeadReader gives the same result however random bytes are cut", () => {
  fc.assert(
    fc.property(soup, fc.array(fc.nat(), { maxLength: 6 }), optionsArb, (input, points, o) => {
      const whole = feed([input], o as Options);
      assert.deepEqual(feed(cut(input, points), o as Options), whole, `input ${show(input)}`);
      assert.deepEqual(feed(bytewise(input), o as Options), whole, `input ${show(input)} byte by byte`);
    }),
    { numRuns: RUNS },
  );
});

// ---- the reader's API, outside the fixtures ------------------------------------------

test("RequestHeadReader.read() leaves the body and the next request buffered", () => {
  const rb = new ReceiveBuffer();
  rb.push(latin1("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\n"));
  const head = new RequestHeadReader({ protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9" }).read(rb, false);
  assert.ok(head !== null && head.headers !== undefined);
  assert.deepEqual(head.framing, { kind: "length", length: 4 });
  assert.equal(rb.peek().toString("latin1"), "bodyGET / HTTP/1.1\r\n");
});

test("RequestHeadReader answers HTTP/0.9 without waiting for more bytes", () => {
  const rb = new ReceiveBuffer();
  rb.push(latin1("GET /x\r\n"));
  const head = new RequestHeadReader({ protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9" }).read(rb, false);
  assert.ok(head !== null && head.headers !== undefined);
  assert.deepEqual([head.line.http09, head.line.version, head.headers.length, head.framing.kind], [true, null, 0, "none"]);
});

test("RequestHeadReader fills the MessageClass it is given", () => {
  class Mine extends HTTPMessage {}
  const rb = new ReceiveBuffer();
  rb.push(latin1("GET / HTTP/1.1\r\nA: 1\r\n\r\n"));
  const head = new RequestHeadReader({ protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9", MessageClass: Mine }).read(rb, false);
  assert.ok(head?.headers instanceof Mine);
});

test("RequestHeadReader keeps the request line (and the fields) it read before refusing", () => {
  const rows: readonly { name: string; input: string; status: number; fields: boolean }[] = [
    { name: "bad version", input: "GET / HTTP/x\r\n\r\n", status: 400, fields: false },
    { name: "bad header line", input: "GET /a HTTP/1.1\r\nbad\r\n\r\n", status: 400, fields: false },
    { name: "bad framing", input: "GET /a HTTP/1.1\r\nContent-Length: x\r\n\r\n", status: 400, fields: true },
  ];
  for (const row of rows) {
    const rb = new ReceiveBuffer();
    rb.push(latin1(row.input));
    const reader = new RequestHeadReader({ protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9" });
    assert.throws(() => reader.read(rb, false), (e: unknown) => e instanceof ProtocolError && e.status === row.status, row.name);
    assert.equal(reader.line?.requestline, row.input.slice(0, row.input.indexOf("\r")), `${row.name}: line`);
    assert.equal(reader.headers !== null, row.fields, `${row.name}: fields`);
  }
});

test("RequestHeadReader with lineOnly stops after the request line and never refuses", () => {
  const rb = new ReceiveBuffer();
  rb.push(latin1("GET / HTTP/x\r\nA: 1\r\n\r\n"));
  const got = new RequestHeadReader({ protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9", lineOnly: true }).read(rb, false);
  assert.ok(got !== null && got.headers === undefined);
  assert.equal(got.line.error?.status, 400);
  assert.equal(rb.peek().toString("latin1"), "A: 1\r\n\r\n");
});

test("takeRequestLine() takes one line, or the rest at end of stream", () => {
  const rb = new ReceiveBuffer();
  rb.push(latin1("GET"));
  assert.equal(takeRequestLine(rb, false), null);
  assert.equal(takeRequestLine(rb, true)?.toString(), "GET");
  assert.equal(takeRequestLine(rb, true)?.length, 0);
});

test("decideRequestLine() says what parse_request sets, for each outcome", () => {
  const long = decideRequestLine(Buffer.alloc(65537, 0x61), "HTTP/1.1");
  assert.deepEqual([long.error?.status, long.requestline, long.command, long.version], [414, "", "", ""]);
  const eof = decideRequestLine(Buffer.alloc(0), "HTTP/1.1");
  assert.deepEqual([eof.empty, eof.closeConnection, eof.error], [true, true, undefined]);
  const bad = decideRequestLine(latin1("GET / HTTP/1.1 x\r\n"), "HTTP/1.1");
  assert.deepEqual([bad.command, bad.version, bad.accepted, bad.error?.reason], [null, null, false, "Bad request version ('x')"]);
  const ok = decideRequestLine(latin1("GET //a HTTP/1.1\r\n"), "HTTP/1.1");
  assert.deepEqual([ok.command, ok.target, ok.path, ok.version, ok.closeConnection], ["GET", "//a", "/a", "HTTP/1.1", false]);
});

test("HEAD_ERRORS gives CPython's statuses and messages", () => {
  const rows: readonly [ProtocolError, number, string][] = [
    [HEAD_ERRORS.lineTooLong(), 414, "URI Too Long"],
    [HEAD_ERRORS.badVersion("HTTP/x"), 400, "Bad request version ('HTTP/x')"],
    [HEAD_ERRORS.unsupportedVersion("2.0"), 505, "Invalid HTTP version (2.0)"],
    [HEAD_ERRORS.badSyntax("a b c d"), 400, "Bad request syntax ('a b c d')"],
    [HEAD_ERRORS.badHttp09Method("POST"), 400, "Bad HTTP/0.9 request type ('POST')"],
    [HEAD_ERRORS.unsupportedMethod("BREW"), 501, "Unsupported method ('BREW')"],
  ];
  for (const [e, status, reason] of rows) assert.deepEqual([e.status, e.reason], [status, reason], e.code);
});

test("requestKeepAlive() applies Connection over the version, as CPython", () => {
  const rows: readonly [boolean, string | undefined, string, boolean][] = [
    [false, undefined, "HTTP/1.1", false],
    [true, undefined, "HTTP/1.1", true],
    [false, "close", "HTTP/1.1", true],
    [false, "Close", "HTTP/1.1", true],
    [true, "keep-alive", "HTTP/1.1", false],
    [true, "Keep-Alive", "HTTP/1.0", true],
    [false, "upgrade", "HTTP/1.1", false],
    [true, "keep-alive, close", "HTTP/1.1", true],
  ];
  for (const [versionClose, connection, protocol, want] of rows) {
    assert.equal(requestKeepAlive(versionClose, connection, protocol), want, `${versionClose} ${connection} ${protocol}`);
  }
});
