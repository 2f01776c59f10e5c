/**
 * Tests for src/static/ranges.ts: the Range header parsed and resolved
 * against a file's size, and multipart/byteranges bodies.
 *
 * Strategy: tables for `parseRange()` and `resolveRanges()` (one row per
 * rule of the file header), the exact bytes of a multipart body, and bodies
 * parsed back by Python's email parser (one process) and by a strict RFC 2046
 * parser written here. The same rules through `decide()`, with properties:
 * conditional.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { HTTPMessage } from "../../src/protocol/headers.js";
import { decide } from "../../src/static/conditional.js";
import {
  contentRange,
  MAX_RANGE_PARTS,
  multipartByteranges,
  newBoundary,
  parseRange,
  resolveRanges,
  trimOws,
  type Range,
  type RangeSpec,
} from "../../src/static/ranges.js";
import { NO_PYTHON, runPython } from "./run-python.js";

function headersOf(pairs: readonly (readonly [string, string])[]): HTTPMessage {
  const h = new HTTPMessage();
  for (const [name, value] of pairs) h.add_header(name, value);
  return h;
}

// ---- parseRange() and resolveRanges() --------------------------------------------------------

const PARSE_ROWS: { value: string; want: RangeSpec[] | null; why: string }[] = [
  { value: "bytes=0-99", want: [{ first: "0", last: "99" }], why: "an int-range" },
  { value: "bytes=5-", want: [{ first: "5", last: null }], why: "an open int-range" },
  { value: "bytes=-5", want: [{ suffix: "5" }], why: "a suffix-range" },
  { value: "BYTES=1-2", want: [{ first: "1", last: "2" }], why: "the unit is case-insensitive (4a)" },
  { value: " bytes=1-2 ,, 4-5 ", want: [{ first: "1", last: "2" }, { first: "4", last: "5" }], why: "OWS and empty members (§5.6.1)" },
  { value: "bytes=99999999999999999999-", want: [{ first: "99999999999999999999", last: null }], why: "positions beyond 2^53 stay exact digit strings" },
  { value: "bytes=5-4", want: null, why: "last-pos < first-pos invalidates the header" },
  { value: "bytes=10-9", want: null, why: "compared as numbers, not strings" },
  { value: "bytes = 0-1", want: null, why: "the unit is directly followed by '='" },
  { value: "items=0-1", want: null, why: "an unknown unit" },
  { value: "bytes=", want: null, why: "an empty range-set" },
  { value: "bytes=,", want: null, why: "only empty members" },
  { value: "bytes=1 - 2", want: null, why: "spaces inside a member" },
  { value: "bytes=+1-2", want: null, why: "a sign" },
  { value: "bytes=0-1,x", want: null, why: "one other-range invalidates all" },
  { value: "bytes 0-1", want: null, why: "no '='" },
];

test("parseRange() table", () => {
  for (const row of PARSE_ROWS) assert.deepEqual(parseRange(row.value), row.want, `${JSON.stringify(row.value)}: ${row.why}`);
});

const RESOLVE_ROWS: { value: string; size: number; want: [number, number][] | "unsatisfiable" | "ignore"; why: string }[] = [
  { value: "bytes=0-99", size: 1000, want: [[0, 99]], why: "within the file" },
  { value: "bytes=900-2000", size: 1000, want: [[900, 999]], why: "last-pos clipped (4b)" },
  { value: "bytes=-2000", size: 1000, want: [[0, 999]], why: "a suffix longer than the file is the whole file" },
  { value: "bytes=1000-", size: 1000, want: "unsatisfiable", why: "first-pos at the size" },
  { value: "bytes=-0", size: 1000, want: "unsatisfiable", why: "a zero suffix" },
  { value: "bytes=2000-,0-0", size: 1000, want: [[0, 0]], why: "unsatisfiable members dropped" },
  { value: "bytes=-1", size: 0, want: "ignore", why: "an empty file's suffix: the empty 200 (4c)" },
  { value: "bytes=0-", size: 0, want: "unsatisfiable", why: "an empty file's int-range (4c)" },
  { value: "bytes=5-9,0-4", size: 10, want: [[0, 9]], why: "sorted, adjacent ranges coalesced (4d)" },
  { value: "bytes=0-5,3-8,20-", size: 30, want: [[0, 8], [20, 29]], why: "overlapping ranges coalesced" },
  { value: "bytes=0-,5-0", size: 10, want: "ignore", why: "invalid: resolved only after parsing" },
];

test("resolveRanges() table", () => {
  for (const row of RESOLVE_ROWS) {
    const specs = parseRange(row.value);
    const got = specs === null ? "ignore" : resolveRanges(specs, row.size);
    const want = typeof row.want === "string" ? row.want : row.want.map(([start, end]) => ({ start, end }));
    assert.deepEqual(got, want, `${row.value} of ${row.size} bytes: ${row.why}`);
  }
});

test("resolveRanges() ignores more than MAX_RANGE_PARTS disjoint ranges, but not exactly that many", () => {
  const spaced = (n: number): RangeSpec[] => Array.from({ length: n }, (_, i) => ({ first: String(2 * i), last: String(2 * i) }));
  assert.equal((resolveRanges(spaced(MAX_RANGE_PARTS), 1000) as Range[]).length, MAX_RANGE_PARTS);
  assert.equal(resolveRanges(spaced(MAX_RANGE_PARTS + 1), 1000), "ignore");
});

test("trimOws() trims spaces and tabs only", () => {
  assert.equal(trimOws(" \t a b \t"), "a b");
  assert.equal(trimOws("\r\na\n"), "\r\na\n");
});

test("contentRange() formats a satisfied range", () => {
  assert.equal(contentRange({ start: 0, end: 99 }, 1000), "bytes 0-99/1000");
  assert.equal(contentRange({ start: 999, end: 999 }, 1000), "bytes 999-999/1000");
});

test("newBoundary() is 48 random hex digits", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const b = newBoundary();
    assert.match(b, /^[0-9a-f]{48}$/);
    seen.add(b);
    multipartByteranges([{ start: 0, end: 0 }], 1, "text/plain", b); // accepted as a boundary
  }
  assert.equal(seen.size, 100);
});

test("multipartByteranges() refuses bad arguments", () => {
  const r = [{ start: 0, end: 9 }];
  assert.throws(() => multipartByteranges(r, 10, "text/plain\r\nX-Evil: 1", "b"), TypeError);
  assert.throws(() => multipartByteranges(r, 10, "text/plain\u0100", "b"), TypeError);
  assert.throws(() => multipartByteranges(r, 10, "text/plain", ""), RangeError);
  assert.throws(() => multipartByteranges(r, 10, "text/plain", "a".repeat(71)), RangeError);
  assert.throws(() => multipartByteranges(r, 10, "text/plain", "ends in space "), RangeError);
  assert.throws(() => multipartByteranges(r, 10, "text/plain", "semi;colon"), RangeError);
  assert.throws(() => multipartByteranges([], 10, "text/plain", "b"), RangeError);
  assert.throws(() => multipartByteranges([{ start: 0, end: 10 }], 10, "text/plain", "b"), RangeError);
  assert.throws(() => multipartByteranges([{ start: 5, end: 4 }], 10, "text/plain", "b"), RangeError);
  assert.throws(() => multipartByteranges([{ start: -1, end: 4 }], 10, "text/plain", "b"), RangeError);
  assert.throws(() => multipartByteranges([{ start: 0.5, end: 4 }], 10, "text/plain", "b"), RangeError);
  assert.doesNotThrow(() => multipartByteranges(r, 10, "text/plain; charset=iso-8859-1", "a".repeat(70)));
});

test("multipartByteranges() lays out the exact bytes", () => {
  const m = multipartByteranges([{ start: 0, end: 1 }, { start: 5, end: 5 }], 8, "text/plain", "SEP");
  const body = Buffer.concat([m.parts[0]!.head, Buffer.from("ab"), m.parts[1]!.head, Buffer.from("f"), m.tail]).toString("latin1");
  assert.equal(
    body,
    "\r\n--SEP\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/8\r\n\r\nab" +
      "\r\n--SEP\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-5/8\r\n\r\nf" +
      "\r\n--SEP--\r\n",
  );
  assert.equal(m.length, body.length);
  assert.deepEqual(m.parts.map((p) => p.range), [{ start: 0, end: 1 }, { start: 5, end: 5 }]);
});

// ---- multipart/byteranges, parsed back ------------------------------------------------------

interface ParsedPart {
  headers: [string, string][];
  content: Buffer;
}

/**
 * A strict RFC 2046 §5.1.1 parser, independent of the code under test:
 *   multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF
 *                     body-part *encapsulation close-delimiter transport-padding
 *                     [CRLF epilogue]
 * Throws on anything else.
 */
function parseMultipart(body: Buffer, boundary: string): { preamble: Buffer; parts: ParsedPart[]; epilogue: Buffer } {
  const dashBoundary = Buffer.from(`--${boundary}`, "latin1");
  const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  let pos: number;
  let preamble: Buffer;
  if (body.subarray(0, dashBoundary.length).equals(dashBoundary)) {
    preamble = Buffer.alloc(0);
    pos = dashBoundary.length;
  } else {
    const at = body.indexOf(delimiter);
    if (at < 0) throw new Error("no first boundary");
    preamble = body.subarray(0, at);
    pos = at + delimiter.length;
  }
  const parts: ParsedPart[] = [];
  for (;;) {
    if (body.subarray(pos, pos + 2).toString("latin1") === "--") {
      pos += 2;
      while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
      if (pos === body.length) return { preamble, parts, epilogue: Buffer.alloc(0) };
      if (body.subarray(pos, pos + 2).toString("latin1") !== "\r\n") throw new Error(`junk after the close delimiter at ${pos}`);
      return { preamble, parts, epilogue: body.subarray(pos + 2) };
    }
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body.subarray(pos, pos + 2).toString("latin1") !== "\r\n") throw new Error(`no CRLF after a boundary at ${pos}`);
    pos += 2;
    const headers: [string, string][] = [];
    for (;;) {
      const eol = body.indexOf("\r\n", pos, "latin1");
      if (eol < 0) throw new Error("unterminated part header");
      const line = body.subarray(pos, eol).toString("latin1");
      pos = eol + 2;
      if (line === "") break;
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (m === null) throw new Error(`bad part header ${JSON.stringify(line)}`);
      headers.push([m[1]!, m[2]!]);
    }
    const end = body.indexOf(delimiter, pos);
    if (end < 0) throw new Error("part without a following delimiter");
    parts.push({ headers, content: body.subarray(pos, end) });
    pos = end + delimiter.length;
  }
}

/** Python's email parser on whole responses: `multipart/byteranges` head + body. */
const PYTHON_MULTIPART = String.raw`
import sys, json, email.parser, email.policy
out = []
for case in json.load(sys.stdin):
    raw = ("Content-Type: multipart/byteranges; boundary=%s\r\n\r\n" % case["boundary"]).encode("latin-1")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw + bytes.fromhex(case["body"]))
    parts = []
    for p in (msg.iter_parts() if msg.is_multipart() else []):
        parts.append({"headers": [[k, v] for k, v in p.raw_items()], "content": p.get_payload(decode=True).hex(),
                      "defects": [type(d).__name__ for d in p.defects]})
    out.append({"multipart": msg.is_multipart(), "preamble": msg.preamble, "epilogue": msg.epilogue,
                "defects": [type(d).__name__ for d in msg.defects], "parts": parts})
print(json.dumps(out))
`;

interface PythonMultipart {
  multipart: boolean;
  preamble: string | null;
  epilogue: string | null;
  defects: string[];
  parts: { headers: [string, string][]; content: string; defects: string[] }[];
}

/** Content that tries to confuse a multipart parser: CR, LF, CRLF, dashes, a boundary prefix. */
function hostileContent(size: number, seed: number): Buffer {
  const pieces = [Buffer.from("\r\n"), Buffer.from("\r"), Buffer.from("\n"), Buffer.from("--"), Buffer.from("\r\n--"), Buffer.from("\r\n\r\n")];
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < size; ) {
    const piece = next() % 3 === 0 ? pieces[next() % pieces.length]! : Buffer.from([next() & 0xff]);
    i += piece.copy(out, i);
  }
  return out;
}

test("multipartByteranges() bodies parse back with Python's email parser and a strict RFC 2046 parser", (t) => {
  const cases: { ranges: Range[]; size: number; contentType: string; boundary: string; file: Buffer; body: Buffer; length: number }[] = [];
  const shapes: { size: number; header: string; contentType: string }[] = [
    { size: 1000, header: "bytes=0-99,200-299,-100", contentType: "application/pdf" },
    { size: 10, header: "bytes=0-0,2-2,4-4,6-6,8-8", contentType: "text/plain; charset=utf-8" },
    { size: 8000, header: "bytes=500-999,7000-7999", contentType: "application/octet-stream" },
    { size: 3, header: "bytes=0-0,-1", contentType: "text/html" },
    { size: 4096, header: `bytes=${Array.from({ length: 40 }, (_, i) => `${i * 100}-${i * 100 + 49}`).join(",")}`, contentType: "image/png" },
  ];
  for (const [i, shape] of shapes.entries()) {
    const d = decide("GET", headersOf([["Range", shape.header]]), { size: shape.size, mtimeMs: 0 });
    assert.equal(d.kind, "partial");
    const ranges = (d as { ranges: Range[] }).ranges;
    assert.ok(ranges.length >= 2, shape.header);
    const boundary = i === 0 ? "THIS_STRING_SEPARATES" : newBoundary();
    const file = hostileContent(shape.size, i + 1);
    const m = multipartByteranges(ranges, shape.size, shape.contentType, boundary);
    const body = Buffer.concat([...m.parts.flatMap((p) => [p.head, file.subarray(p.range.start, p.range.end + 1)]), m.tail]);
    cases.push({ ranges, size: shape.size, contentType: shape.contentType, boundary, file, body, length: m.length });
  }

  for (const c of cases) {
    assert.equal(c.length, c.body.length, "length is the body's Content-Length");
    const parsed = parseMultipart(c.body, c.boundary);
    assert.equal(parsed.preamble.length, 0, "empty preamble");
    assert.equal(parsed.epilogue.length, 0, "no epilogue");
    assert.equal(parsed.parts.length, c.ranges.length);
    for (const [k, part] of parsed.parts.entries()) {
      const r = c.ranges[k]!;
      assert.deepEqual(part.headers, [["Content-Type", c.contentType], ["Content-Range", contentRange(r, c.size)]]);
      assert.ok(part.content.equals(c.file.subarray(r.start, r.end + 1)), `part ${k} content`);
    }
  }

  const answers = runPython<unknown[]>(PYTHON_MULTIPART, cases.map((c) => ({ boundary: c.boundary, body: c.body.toString("hex") })));
  if (answers === null) return t.skip(NO_PYTHON);
  for (const [i, c] of cases.entries()) {
    const py = answers[i] as PythonMultipart;
    assert.equal(py.multipart, true);
    assert.deepEqual(py.defects, []);
    assert.equal(py.preamble ?? "", "");
    assert.equal(py.epilogue ?? "", "");
    assert.equal(py.parts.length, c.ranges.length);
    for (const [k, part] of py.parts.entries()) {
      const r = c.ranges[k]!;
      assert.deepEqual(part.defects, []);
      assert.deepEqual(part.headers, [["Content-Type", c.contentType], ["Content-Range", contentRange(r, c.size)]]);
      assert.equal(part.content, c.file.subarray(r.start, r.end + 1).toString("hex"), `case ${i} part ${k} content`);
    }
  }
});
