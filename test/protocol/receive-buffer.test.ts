/**
 * Tests for src/protocol/receive-buffer.ts.
 *
 * Strategy: a table of `takeLine(limit, window)` calls against chunk lists
 * (Python's `readline(limit)` semantics, "need more" as `null`), then the
 * buffer's memory promises one by one: an arriving chunk is adopted without a
 * copy when the buffer is empty, appends grow the storage, and a slice handed
 * out is never written again however many chunks arrive after it. A
 * model-based property over random operations lives in properties.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ReceiveBuffer } from "../../src/protocol/receive-buffer.js";
import { latin1, show } from "../helpers/wire.js";

function bufferOf(...chunks: string[]): ReceiveBuffer {
  const rb = new ReceiveBuffer();
  for (const c of chunks) rb.push(latin1(c));
  return rb;
}

interface TakeLineRow {
  readonly name: string;
  readonly chunks: readonly string[];
  readonly limit: number;
  readonly window?: number;
  /** The line returned, or `null` for "need more". */
  readonly want: string | null;
  /** What stays buffered afterwards. */
  readonly rest: string;
}

const TAKE_LINE: readonly TakeLineRow[] = [
  { name: "CRLF line", chunks: ["GET / HTTP/1.1\r\nHost"], limit: 100, want: "GET / HTTP/1.1\r\n", rest: "Host" },
  { name: "LF-only line", chunks: ["a\nb"], limit: 100, want: "a\n", rest: "b" },
  { name: "bare CR does not end a line", chunks: ["a\rb\nc"], limit: 100, want: "a\rb\n", rest: "c" },
  { name: "blank line", chunks: ["\r\nbody"], limit: 100, want: "\r\n", rest: "body" },
  { name: "no LF yet", chunks: ["abc"], limit: 100, want: null, rest: "abc" },
  { name: "empty buffer", chunks: [], limit: 100, want: null, rest: "" },
  { name: "line spread over chunks", chunks: ["GET /", " HTTP/1.1\r", "\nX"], limit: 100, want: "GET / HTTP/1.1\r\n", rest: "X" },
  { name: "no LF, exactly limit bytes", chunks: ["abcd"], limit: 4, want: "abcd", rest: "" },
  { name: "no LF, more than limit bytes", chunks: ["abcdef"], limit: 4, want: "abcd", rest: "ef" },
  { name: "LF is the limit-th byte", chunks: ["abc\nd"], limit: 4, want: "abc\n", rest: "d" },
  { name: "LF one past the limit", chunks: ["abcd\n"], limit: 4, want: "abcd", rest: "\n" },
  { name: "limit 0 returns an empty line", chunks: ["ab\n"], limit: 0, want: "", rest: "ab\n" },
  { name: "window excludes the LF", chunks: ["abc\ndef"], limit: 100, window: 3, want: null, rest: "abc\ndef" },
  { name: "window ends at the LF", chunks: ["abc\ndef"], limit: 100, window: 4, want: "abc\n", rest: "def" },
  { name: "window smaller than limit, no LF", chunks: ["abcdef"], limit: 10, window: 4, want: null, rest: "abcdef" },
  { name: "limit smaller than window", chunks: ["abcdef"], limit: 2, window: 4, want: "ab", rest: "cdef" },
  { name: "window 0", chunks: ["\nabc"], limit: 100, window: 0, want: null, rest: "\nabc" },
  { name: "window larger than what is buffered", chunks: ["ab", "c"], limit: 100, window: 1 << 20, want: null, rest: "abc" },
  { name: "Infinity limit with a window", chunks: ["abc\ndef"], limit: Infinity, window: 7, want: "abc\n", rest: "def" },
];

test("ReceiveBuffer.takeLine() follows readline(limit) within the window", () => {
  for (const row of TAKE_LINE) {
    const rb = bufferOf(...row.chunks);
    const got = row.window === undefined ? rb.takeLine(row.limit) : rb.takeLine(row.limit, row.window);
    const gotText = got === null ? null : got.toString("latin1");
    assert.equal(gotText, row.want, `${row.name}: got ${gotText === null ? "null" : show(gotText)}, want ${row.want === null ? "null" : show(row.want)}`);
    const rest = rb.peek().toString("latin1");
    assert.equal(rest, row.rest, `${row.name}: left ${show(rest)}, want ${show(row.rest)}`);
    assert.equal(rb.length, row.rest.length, `${row.name}: length`);
  }
});

test("ReceiveBuffer.takeLine() returns successive lines in order", () => {
  const rb = bufferOf("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody");
  const lines: (string | null)[] = [];
  for (let i = 0; i < 4; i++) lines.push(rb.takeLine(65537)?.toString("latin1") ?? null);
  assert.deepEqual(lines, ["GET / HTTP/1.1\r\n", "Host: a\r\n", "\r\n", null]);
  assert.equal(rb.peek().toString("latin1"), "body");
});

test("ReceiveBuffer.takeLine() finds a line that arrives one byte at a time", () => {
  const line = "X-Long: " + "v".repeat(3000) + "\r\n";
  const rb = new ReceiveBuffer();
  for (let i = 0; i < line.length; i++) {
    rb.push(latin1(line[i]!));
    const got = rb.takeLine(65537);
    if (i < line.length - 1) {
      assert.equal(got, null, `after byte ${i}: got a line early`);
    } else {
      assert.equal(got?.toString("latin1"), line, "the whole line once its LF arrived");
    }
  }
  assert.equal(rb.length, 0);
});

test("ReceiveBuffer.takeLine() hits the limit on a line that arrives one byte at a time", () => {
  const rb = new ReceiveBuffer();
  let got: Buffer | null = null;
  let pushed = 0;
  while (got === null) {
    rb.push(latin1("a"));
    pushed++;
    got = rb.takeLine(100);
  }
  assert.equal(pushed, 100, "returns as soon as limit bytes are buffered");
  assert.equal(got.toString("latin1"), "a".repeat(100));
});

test("ReceiveBuffer.takeLine() sees a LF outside an earlier, narrower window", () => {
  const rb = bufferOf("abc\ndef");
  assert.equal(rb.takeLine(100, 2), null, "LF beyond window 2");
  assert.equal(rb.takeLine(100, 4)?.toString("latin1"), "abc\n", "window widened to the LF");
});

test("ReceiveBuffer.take() removes up to n bytes", () => {
  const rows: readonly { name: string; n: number; want: string; rest: string }[] = [
    { name: "part", n: 2, want: "ab", rest: "cd" },
    { name: "all", n: 4, want: "abcd", rest: "" },
    { name: "more than buffered", n: 10, want: "abcd", rest: "" },
    { name: "zero", n: 0, want: "", rest: "abcd" },
  ];
  for (const row of rows) {
    const rb = bufferOf("ab", "cd");
    const got = rb.take(row.n).toString("latin1");
    assert.equal(got, row.want, `${row.name}: got ${show(got)}, want ${show(row.want)}`);
    assert.equal(rb.peek().toString("latin1"), row.rest, `${row.name}: rest`);
    assert.equal(rb.length, row.rest.length, `${row.name}: length`);
  }
});

test("ReceiveBuffer.take() on an empty buffer returns an empty Buffer", () => {
  const rb = new ReceiveBuffer();
  assert.equal(rb.take(5).length, 0);
  assert.equal(rb.length, 0);
});

test("ReceiveBuffer.peek() does not consume", () => {
  const rb = bufferOf("hello ", "world");
  assert.equal(rb.peek().toString("latin1"), "hello world");
  assert.equal(rb.peek().toString("latin1"), "hello world");
  assert.equal(rb.length, 11);
  rb.take(6);
  assert.equal(rb.peek().toString("latin1"), "world");
});

test("ReceiveBuffer.push() ignores an empty chunk", () => {
  const rb = bufferOf("ab");
  rb.push(Buffer.alloc(0));
  assert.equal(rb.peek().toString("latin1"), "ab");
  const empty = new ReceiveBuffer();
  empty.push(Buffer.alloc(0));
  assert.equal(empty.length, 0);
});

function sameMemory(a: Buffer, b: Buffer): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset;
}

test("ReceiveBuffer.push() adopts a chunk into an empty buffer without copying", () => {
  const chunk = latin1("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const rb = new ReceiveBuffer();
  rb.push(chunk);
  assert.ok(sameMemory(rb.peek(), chunk), "peek() is a view of the pushed chunk");
  const line = rb.takeLine(65537)!;
  assert.ok(sameMemory(line, chunk), "the line is a view of the pushed chunk");
  assert.ok(sameMemory(rb.take(3), chunk.subarray(line.length)), "take() is a view too");
});

test("ReceiveBuffer.push() adopts again once the buffer has been drained", () => {
  const rb = bufferOf("first");
  rb.take(5);
  const second = latin1("second");
  rb.push(second);
  assert.ok(sameMemory(rb.peek(), second));
});

test("ReceiveBuffer.push() grows to hold many chunks", () => {
  const rb = new ReceiveBuffer();
  const chunks: Buffer[] = [];
  for (let i = 0; i < 2000; i++) {
    const chunk = latin1(`${i.toString(36).padStart(3, "0")}-`.repeat(25));
    chunks.push(chunk);
    rb.push(chunk);
  }
  const want = Buffer.concat(chunks);
  assert.equal(rb.length, want.length);
  assert.ok(rb.peek().equals(want), "contents are the concatenation of the chunks");
});

test("ReceiveBuffer.push() accepts the same chunk twice", () => {
  const chunk = latin1("ab");
  const rb = new ReceiveBuffer();
  rb.push(chunk);
  rb.push(chunk);
  assert.equal(rb.peek().toString("latin1"), "abab");
});

test("ReceiveBuffer slices stay valid after later pushes", () => {
  // Each row starts the buffer in a different storage state before the slice
  // is taken: adopted chunk, grown storage with spare room, drained storage.
  const rows: readonly { name: string; chunks: readonly string[]; take: (rb: ReceiveBuffer) => Buffer }[] = [
    { name: "line from an adopted chunk", chunks: ["line one\r\nrest"], take: (rb) => rb.takeLine(100)! },
    { name: "line from grown storage", chunks: ["line", " one\r\n", "rest"], take: (rb) => rb.takeLine(100)! },
    { name: "take() from grown storage", chunks: ["abc", "def"], take: (rb) => rb.take(4) },
    { name: "whole contents, buffer drained", chunks: ["x", "y\n"], take: (rb) => rb.takeLine(100)! },
  ];
  for (const row of rows) {
    const rb = bufferOf(...row.chunks);
    const slice = row.take(rb);
    const copy = Buffer.from(slice);
    // Enough pushes to fill the spare room, then to force several regrowths,
    // taking lines in between so the start offset moves too.
    for (let i = 0; i < 3000; i++) {
      rb.push(latin1(`ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ${i}\n`));
      if (i % 7 === 0) rb.takeLine(100);
    }
    assert.ok(slice.equals(copy), `${row.name}: slice changed to ${show(slice)}, was ${show(copy)}`);
  }
});
