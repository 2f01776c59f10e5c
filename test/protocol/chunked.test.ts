/**
 * Tests for src/protocol/chunked.ts, driven by the literate wire fixtures in
 * test/protocol/cases/chunked.md (its header documents the format).
 *
 * Strategy (h11's `tr`, hyper's "shotgun"): every case is fed (a) whole,
 * (b) one byte at a time, (c) split in two at every offset and (d) with the
 * start of a next request appended, and must give the same body, the same
 * consumed count and the same error, refused at the same byte. Each
 * `decode()` call is also checked against its contract: data are views into
 * the input, never more than `dataLimit` bytes, and progress is always made.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ChunkedDecoder } from "../../src/protocol/chunked.js";
import { ProtocolError } from "../../src/protocol/errors.js";
import { bytewise, readMarkdownCases, repoFile, show, unescapeWire, type MarkdownCase } from "../helpers/wire.js";

/** What feeding some parts to one decoder gave. */
interface Outcome {
  body: Buffer;
  consumed: number;
  done: boolean;
  error?: { status: number; code: string; reason: string; part: number };
}

/**
 * Feeds `parts` in order to a fresh decoder, calling `decode()` until each part
 * is consumed or the body is done, as a reader would.
 */
function feed(parts: readonly Buffer[], limit?: number): Outcome {
  const decoder = new ChunkedDecoder();
  const body: Buffer[] = [];
  let consumed = 0;
  for (const [index, part] of parts.entries()) {
    let rest = part;
    try {
      while (rest.length > 0 && !decoder.done) {
        const r = limit === undefined ? decoder.decode(rest) : decoder.decode(rest, limit);
        let got = 0;
        for (const d of r.data) {
          assert.ok(d.buffer === rest.buffer && d.byteOffset >= rest.byteOffset && d.byteOffset + d.length <= rest.byteOffset + rest.length, "data is a view into the input");
          got += d.length;
        }
        if (limit !== undefined) assert.ok(got <= limit, `decode() returned ${got} data bytes with dataLimit ${limit}`);
        assert.ok(r.consumed > 0 && r.consumed <= rest.length, `decode() consumed ${r.consumed} of ${rest.length} bytes`);
        body.push(...r.data);
        consumed += r.consumed;
        rest = rest.subarray(r.consumed);
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return { body: Buffer.concat(body), consumed, done: false, error: { status: e.status, code: e.code, reason: e.reason, part: index } };
    }
    if (decoder.done) break;
  }
  return { body: Buffer.concat(body), consumed, done: decoder.done };
}

interface Expected {
  body: Buffer;
  /** `null` for the whole input. */
  consumed: number | null;
  done: boolean;
  limit?: number;
  error?: { status: number; code: string; at: number };
}

function parseExpected(c: MarkdownCase, text: string, line: number): Expected {
  const want: Expected = { body: Buffer.alloc(0), consumed: null, done: true };
  let errorLine: { status: number; code: string } | undefined;
  let at: number | undefined;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    const m = /^(\w+):\s?(.*)$/.exec(raw);
    if (m === null) throw new Error(`${c.where}: bad expect line ${show(raw)} (block at line ${line})`);
    const [, key, value] = m as unknown as [string, string, string];
    switch (key) {
      case "body":
        want.body = unescapeWire(value.trim());
        break;
      case "consumed":
        want.consumed = value.trim() === "all" ? null : Number(value);
        break;
      case "done":
        want.done = value.trim() !== "no";
        break;
      case "limit":
        want.limit = Number(value);
        break;
      case "error": {
        const [status, code] = value.trim().split(/\s+/);
        errorLine = { status: Number(status), code: code! };
        break;
      }
      case "at":
        at = Number(value);
        break;
      default:
        throw new Error(`${c.where}: unknown expect key ${show(key)}`);
    }
  }
  if (errorLine !== undefined) {
    if (at === undefined) throw new Error(`${c.where}: an error case needs "at:"`);
    want.error = { ...errorLine, at };
  }
  return want;
}

function describe(o: Outcome): string {
  return o.error !== undefined
    ? `error ${o.error.status} ${o.error.code} (${o.error.reason}) in part ${o.error.part}`
    : `body ${show(o.body)}, consumed ${o.consumed}, done ${o.done}`;
}

/**
 * Checks one outcome. `errorPart(at)` says which part holds input byte `at`,
 * so a refusal can be pinned to the byte that caused it.
 */
function check(got: Outcome, want: Expected, input: Buffer, errorPart: (at: number) => number, where: string): void {
  if (want.error !== undefined) {
    assert.ok(got.error !== undefined, `${where}: got ${describe(got)}, want error ${want.error.status} ${want.error.code}`);
    assert.deepEqual(
      [got.error.status, got.error.code],
      [want.error.status, want.error.code],
      `${where}: got ${describe(got)}, want ${want.error.status} ${want.error.code}`,
    );
    const part = errorPart(want.error.at);
    assert.equal(got.error.part, part, `${where}: refused in part ${got.error.part}, want the part holding byte ${want.error.at} (part ${part})`);
    return;
  }
  assert.equal(got.error, undefined, `${where}: got ${describe(got)}`);
  const consumed = want.consumed ?? input.length;
  assert.ok(got.body.equals(want.body), `${where}: body ${show(got.body)}, want ${show(want.body)}`);
  assert.equal(got.consumed, consumed, `${where}: consumed ${got.consumed}, want ${consumed}`);
  assert.equal(got.done, want.done, `${where}: done ${got.done}, want ${want.done}`);
}

/**
 * Inputs up to this size are split at every offset. Larger ones (the 16 KiB
 * trailer cases, where every offset costs ~1 s) are split at every offset
 * within `SPLIT_MARGIN` bytes of the start, the end and the refused byte, and
 * at a prime stride in between, unless `FUZZ_RUNS` is set (the long run).
 */
const SPLIT_ALL_UP_TO = 8 * 1024;
const SPLIT_MARGIN = 512;
const SPLIT_STRIDE = 97;

function* splitOffsets(length: number, at: number | undefined): Generator<number> {
  const all = length <= SPLIT_ALL_UP_TO || process.env["FUZZ_RUNS"] !== undefined;
  for (let k = 0; k <= length; k++) {
    const near = (p: number): boolean => Math.abs(k - p) <= SPLIT_MARGIN;
    if (all || near(0) || near(length) || (at !== undefined && near(at)) || k % SPLIT_STRIDE === 0) yield k;
  }
}

const NEXT_REQUEST = Buffer.from("GET /next HTTP/1.1\r\nHost: a\r\n\r\n", "latin1");

const FIXTURE = "chunked.md";
const cases = readMarkdownCases(repoFile(`test/protocol/cases/${FIXTURE}`), FIXTURE);

test("chunked.md has cases, each with one http and one expect block", () => {
  assert.ok(cases.length >= 40, `found ${cases.length} cases`);
  for (const c of cases) {
    assert.deepEqual(
      c.blocks.map((b) => b.lang),
      ["http", "expect"],
      `${c.where} ${c.name}`,
    );
    assert.ok(c.why.length > 0, `${c.where} ${c.name}: a sentence on why`);
  }
});

for (const c of cases) {
  const httpBlock = c.blocks.find((b) => b.lang === "http");
  const expectBlock = c.blocks.find((b) => b.lang === "expect");
  if (httpBlock === undefined || expectBlock === undefined) continue; // reported by the test above
  const input = unescapeWire(httpBlock.text);
  const want = parseExpected(c, expectBlock.text, expectBlock.line);

  test(`ChunkedDecoder ${c.where} ${c.name}`, async (t) => {
    await t.test("fed whole", () => {
      check(feed([input], want.limit), want, input, () => 0, `${c.where} whole`);
    });

    await t.test("fed one byte at a time", () => {
      check(feed(bytewise(input), want.limit), want, input, (at) => at, `${c.where} bytewise`);
    });

    await t.test("split in two at every offset", () => {
      for (const k of splitOffsets(input.length, want.error?.at)) {
        const got = feed([input.subarray(0, k), input.subarray(k)], want.limit);
        check(got, want, input, (at) => (at < k ? 0 : 1), `${c.where} split at ${k}`);
      }
    });

    await t.test("with the next request appended", (tt) => {
      if (!want.done) {
        tt.skip("the body is incomplete: appended bytes would be read as body");
        return;
      }
      const withNext = Buffer.concat([input, NEXT_REQUEST]);
      const got = feed([withNext], want.limit);
      // The expected consumed count is that of the input alone.
      check(got, { ...want, consumed: want.consumed ?? input.length }, withNext, () => 0, `${c.where} with next request`);
      if (want.error === undefined) {
        const left = withNext.subarray(got.consumed);
        assert.ok(left.subarray(left.length - NEXT_REQUEST.length).equals(NEXT_REQUEST), `${c.where}: the next request is left intact`);
      }
    });
  });
}

// ---- the decoder's API, outside the fixtures ------------------------------

test("ChunkedDecoder.decode() consumes nothing once done", () => {
  const d = new ChunkedDecoder();
  const first = d.decode(Buffer.from("0\r\n\r\n"));
  assert.equal(first.consumed, 5);
  assert.equal(d.done, true);
  const again = d.decode(Buffer.from("5\r\nhello\r\n"));
  assert.deepEqual([again.consumed, again.data.length], [0, 0]);
});

test("ChunkedDecoder.decode() with dataLimit 0 stops at chunk data", () => {
  const d = new ChunkedDecoder();
  const input = Buffer.from("5\r\nhello\r\n0\r\n\r\n");
  const r = d.decode(input, 0);
  assert.deepEqual([r.consumed, r.data.length, d.done], [3, 0, false], "only the size line is consumed");
  const rest = d.decode(input.subarray(r.consumed));
  assert.equal(Buffer.concat(rest.data).toString(), "hello");
  assert.equal(d.done, true);
});

test("ChunkedDecoder.decode() with dataLimit returns at most that many bytes per call", () => {
  const rows: readonly { name: string; limit: number; want: readonly string[] }[] = [
    // The framing after the last data byte a call returns is consumed in the
    // same call, up to the next chunk's data (or the end of the body).
    { name: "limit 2", limit: 2, want: ["he", "ll", "ow", "or", "ld"] },
    { name: "limit 3", limit: 3, want: ["hel", "low", "orl", "d"] },
    { name: "limit 5", limit: 5, want: ["hello", "world"] },
    { name: "limit larger than the body", limit: 100, want: ["helloworld"] },
  ];
  for (const row of rows) {
    const d = new ChunkedDecoder();
    let input = Buffer.from("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
    const got: string[] = [];
    while (!d.done) {
      const r = d.decode(input, row.limit);
      got.push(Buffer.concat(r.data).toString());
      input = input.subarray(r.consumed);
    }
    assert.deepEqual(got, row.want, `${row.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(row.want)}`);
    assert.equal(input.length, 0, `${row.name}: everything consumed`);
  }
});

test("ChunkedDecoder.decode() on empty input consumes nothing", () => {
  const d = new ChunkedDecoder();
  const r = d.decode(Buffer.alloc(0));
  assert.deepEqual([r.consumed, r.data.length, d.done], [0, 0, false]);
});
