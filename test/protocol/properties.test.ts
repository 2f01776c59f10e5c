/**
 * Property tests of src/protocol/ with fast-check.
 *
 * Strategy: generators build inputs from protocol-shaped tokens (CRLF, bare
 * CR/LF, colons, hex digits, quotes, control bytes) mixed with random bytes,
 * so the parsers' edges are hit far more often than by uniform bytes. The
 * properties:
 *   (a) only ProtocolError escapes HeaderReader, ChunkedDecoder and
 *       parseRequestLine (which throws nothing at all);
 *   (b) split invariance: a chunked body gives the same data, consumed count
 *       and error however it is cut, and a generated valid body decodes to
 *       its chunks, never consuming what follows it;
 *   (c) HTTPMessage round trip: a generated field list, serialised with
 *       varying OWS and line endings, reads back as the same items;
 *   (d) requestFraming throws only ProtocolError and never lets ambiguous
 *       framing through;
 *   (e) ReceiveBuffer behaves as a plain byte-string model, and slices it
 *       handed out never change;
 *   (f) random request lines are decided as CPython's parse_request decides
 *       them (one batched python3 process).
 * Runs per property: 300 by default (the file stays fast); set FUZZ_RUNS for a
 * long run, e.g. `FUZZ_RUNS=20000 node --test build/test/protocol/properties.test.js`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";

import { ChunkedDecoder } from "../../src/protocol/chunked.js";
import { ProtocolError } from "../../src/protocol/errors.js";
import { requestFraming } from "../../src/protocol/framing.js";
import { HeaderReader, HTTPMessage } from "../../src/protocol/headers.js";
import { ReceiveBuffer } from "../../src/protocol/receive-buffer.js";
import { parseRequestLine, pySplit, stripLineEnd } from "../../src/protocol/request-line.js";
import { cpythonRequestLines, decideRequestLine, describeDecision, latin1, show } from "../helpers/wire.js";
import { cut } from "../fuzz/differential.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? "") || 300;
const PARAMS = { numRuns: RUNS };

// ---- generators -----------------------------------------------------------------

const byteString = (maxLength: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: 1, maxLength }).map((b) => Buffer.from(b).toString("latin1"));

/** Bytes assembled from `tokens` and random runs, as a Buffer. */
function soup(tokens: readonly string[], maxParts: number): fc.Arbitrary<Buffer> {
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: byteString(8) }), { maxLength: maxParts })
    .map((parts) => latin1(parts.join("")));
}

const HEAD_TOKENS = ["\r\n", "\n", "\r", ":", ": ", " ", "\t", "Host", "X-a", "value", "\x00", "\x7f", "\xe9", "a:b\r\n", "\r\n\r\n"];
const CHUNK_TOKENS = ["0", "1", "5", "a", "F", "fffffffffffff", "000", ";", "=", '"', "\r\n", "\r", "\n", " ", "\t", ":", "X: y", "hello", "0\r\n\r\n", "5\r\nhello\r\n", "\x00"];
const LINE_TOKENS = [
  "GET", "POST", "get", "HEAD", "/", "//x", "/a", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "HTTP/", "http/1.1",
  "1", ".", "0", "01", "2", "99999999999", " ", " ", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\r", "\n",
  "\x00", "\x7f", "\x1b", "\xb9", "\xe9", "'", '"', "\\",
];

/** Cut points (any naturals) turned into parts of `input`; empty parts allowed. */
const cutsArb = fc.array(fc.nat(), { maxLength: 6 });


// ---- drivers ----------------------------------------------------------------------

/** A comparable result: the error's status/code/reason, or data/consumed/done. */
type Result = { error: string } | { data: string; consumed: number; done: boolean };

/** Feeds `parts` to one ChunkedDecoder; only ProtocolError is caught. */
function decodeChunked(parts: readonly Buffer[], limit?: number): Result {
  const d = new ChunkedDecoder();
  const data: Buffer[] = [];
  let consumed = 0;
  try {
    for (const part of parts) {
      let rest = part;
      while (rest.length > 0 && !d.done) {
        const r = limit === undefined ? d.decode(rest) : d.decode(rest, limit);
        if (r.consumed === 0) throw new Error("decode() made no progress");
        data.push(...r.data);
        consumed += r.consumed;
        rest = rest.subarray(r.consumed);
      }
      if (d.done) break;
    }
  } catch (e) {
    if (e instanceof ProtocolError) return { error: `${e.status} ${e.code} ${e.reason}` };
    throw e;
  }
  return { data: Buffer.concat(data).toString("latin1"), consumed, done: d.done };
}

/** Feeds `parts` to one HeaderReader, then signals EOF if asked; only ProtocolError is caught. */
function readHead(parts: readonly Buffer[], eof: boolean): { error: string } | { items: [string, string][] | null; left: number } {
  const rb = new ReceiveBuffer();
  const reader = new HeaderReader(new HTTPMessage());
  try {
    let m: HTTPMessage | null = null;
    for (const part of parts) {
      rb.push(part); // parts after the head stay buffered, so `left` counts them
      if (m === null) m = reader.read(rb);
    }
    if (m === null && eof) m = reader.read(rb, true);
    return { items: m === null ? null : m.items(), left: rb.length };
  } catch (e) {
    if (e instanceof ProtocolError) return { error: `${e.status} ${e.code} ${e.reason}` };
    throw e;
  }
}

// ---- (a) only ProtocolError escapes ----------------------------------------------

test("HeaderReader throws nothing but ProtocolError on random bytes", () => {
  fc.assert(
    fc.property(soup(HEAD_TOKENS, 40), cutsArb, fc.boolean(), (input, points, eof) => {
      readHead(cut(input, points), eof);
    }),
    PARAMS,
  );
});

test("HeaderReader gives the same result however random bytes are cut", () => {
  fc.assert(
    fc.property(soup(HEAD_TOKENS, 40), cutsArb, fc.boolean(), (input, points, eof) => {
      const whole = readHead([input], eof);
      const split = readHead(cut(input, points), eof);
      assert.deepEqual(split, whole, `input ${show(input)}`);
    }),
    PARAMS,
  );
});

test("ChunkedDecoder throws nothing but ProtocolError on random bytes", () => {
  fc.assert(
    fc.property(soup(CHUNK_TOKENS, 40), cutsArb, fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }), (input, points, limit) => {
      decodeChunked(cut(input, points), limit);
    }),
    PARAMS,
  );
});

test("parseRequestLine() throws nothing on random lines and refuses what it must", () => {
  fc.assert(
    fc.property(soup(LINE_TOKENS, 12), fc.constantFrom("HTTP/1.0", "HTTP/1.1"), (input, protocol) => {
      const line = stripLineEnd(input.toString("latin1"));
      const r = parseRequestLine(line, protocol);
      if (r.error === undefined) {
        assert.ok(r.words.length === 2 || r.words.length === 3, `accepted ${r.words.length} words`);
        for (const w of r.words) assert.ok(!/[\x00-\x1f\x7f]/.test(w), `accepted a control byte in ${show(w)}`);
        if (r.words.length === 2) assert.equal(r.words[0], "GET");
      }
      assert.deepEqual(r.words, pySplit(line));
    }),
    PARAMS,
  );
});

// ---- (b) split invariance of chunked bodies -----------------------------------

test("ChunkedDecoder gives the same result however random bytes are cut", () => {
  fc.assert(
    fc.property(soup(CHUNK_TOKENS, 40), cutsArb, (input, points) => {
      const whole = decodeChunked([input]);
      const split = decodeChunked(cut(input, points));
      assert.deepEqual(split, whole, `input ${show(input)}`);
    }),
    PARAMS,
  );
});

const tokenArb = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
// BWS in chunk lines is refused (chunked.ts), so generated valid bodies carry none.
const bwsArb = fc.constant("");
/** qdtext and quoted-pair bytes: HTAB, SP, VCHAR except `"` and `\`, obs-text. */
const qdtextArb = fc.string({
  unit: fc.integer({ min: 0x09, max: 0xff }).filter((c) => c === 0x09 || (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x7f)).map((c) => String.fromCharCode(c)),
  maxLength: 12,
});
const extArb = fc
  .array(
    fc.tuple(bwsArb, tokenArb, fc.option(fc.tuple(bwsArb, fc.oneof(tokenArb, qdtextArb.map((q) => `"${q}"`))), { nil: undefined })),
    { minLength: 1, maxLength: 3 },
  )
  .map((exts) => exts.map(([bws, name, v]) => `${bws};${bws}${name}${v === undefined ? "" : `${v[0]}=${v[0]}${v[1]}`}`).join(""));

/** A field value as the header parser returns it: no surrounding OWS, no control bytes. */
const vcharArb = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c));
const fieldValueArb = fc
  .array(fc.tuple(fc.constantFrom(" ", "\t", "  ", " \t"), fc.string({ unit: vcharArb, minLength: 1, maxLength: 8 })), { maxLength: 4 })
  .map((words) => words.map(([sep, w], i) => (i === 0 ? "" : sep) + w).join(""));

const chunkArb = fc.record({
  data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  zeros: fc.integer({ min: 0, max: 3 }),
  upper: fc.boolean(),
  ext: fc.option(extArb, { nil: undefined }),
});

const chunkedBodyArb = fc.record({
  chunks: fc.array(chunkArb, { maxLength: 6 }),
  lastZeros: fc.integer({ min: 1, max: 3 }),
  lastExt: fc.option(extArb, { nil: undefined }),
  trailers: fc.array(fc.tuple(tokenArb, fieldValueArb), { maxLength: 3 }),
});

type ChunkedBody = typeof chunkedBodyArb extends fc.Arbitrary<infer T> ? T : never;

/** Serialises a generated body; returns the wire bytes and the data they carry. */
function serialiseChunked(body: ChunkedBody): { wire: Buffer; data: Buffer } {
  const parts: Buffer[] = [];
  for (const c of body.chunks) {
    let size = "0".repeat(c.zeros) + c.data.length.toString(16);
    if (c.upper) size = size.toUpperCase();
    parts.push(latin1(`${size}${c.ext ?? ""}\r\n`), Buffer.from(c.data), latin1("\r\n"));
  }
  parts.push(latin1(`${"0".repeat(body.lastZeros)}${body.lastExt ?? ""}\r\n`));
  for (const [name, value] of body.trailers) parts.push(latin1(`${name}: ${value}\r\n`));
  parts.push(latin1("\r\n"));
  return { wire: Buffer.concat(parts), data: Buffer.concat(body.chunks.map((c) => Buffer.from(c.data))) };
}

test("ChunkedDecoder decodes generated valid bodies the same however they are cut", () => {
  fc.assert(
    fc.property(chunkedBodyArb, cutsArb, fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }), (body, points, limit) => {
      const { wire, data } = serialiseChunked(body);
      const want: Result = { data: data.toString("latin1"), consumed: wire.length, done: true };
      assert.deepEqual(decodeChunked([wire]), want, `whole: ${show(wire)}`);
      assert.deepEqual(decodeChunked(cut(wire, points), limit), want, `cut, limit ${String(limit)}: ${show(wire)}`);
    }),
    PARAMS,
  );
});

test("ChunkedDecoder never consumes what follows a generated valid body", () => {
  fc.assert(
    fc.property(chunkedBodyArb, fc.uint8Array({ minLength: 1, maxLength: 40 }), cutsArb, (body, next, points) => {
      const { wire, data } = serialiseChunked(body);
      const input = Buffer.concat([wire, next]);
      const got = decodeChunked(cut(input, points));
      assert.deepEqual(got, { data: data.toString("latin1"), consumed: wire.length, done: true }, `${show(input)}`);
    }),
    PARAMS,
  );
});

// ---- (c) HTTPMessage round trip -----------------------------------------------

const fieldArb = fc.record({
  name: tokenArb,
  value: fieldValueArb,
  colon: fc.constantFrom(":", ": ", ":\t", ": \t "),
  trailingOws: fc.constantFrom("", " ", "\t", " \t"),
  eol: fc.constantFrom("\r\n", "\n"),
});

test("HeaderReader reads back a serialised field list as the same items", () => {
  fc.assert(
    fc.property(fc.array(fieldArb, { maxLength: 30 }), fc.constantFrom("\r\n", "\n"), cutsArb, (fields, blank, points) => {
      const head = latin1(fields.map((f) => `${f.name}${f.colon}${f.value}${f.value === "" ? "" : f.trailingOws}${f.eol}`).join("") + blank);
      const got = readHead(cut(head, points), false);
      assert.deepEqual(got, { items: fields.map((f) => [f.name, f.value]), left: 0 }, `head ${show(head)}`);
    }),
    PARAMS,
  );
});

test("HTTPMessage.get() and get_all() match a case-insensitive scan of the items", () => {
  const nameArb = fc.constantFrom("Host", "host", "HOST", "Accept", "accept", "X-A", "x-a");
  fc.assert(
    fc.property(fc.array(fc.tuple(nameArb, fieldValueArb), { maxLength: 10 }), nameArb, (fields, query) => {
      const m = new HTTPMessage();
      for (const [n, v] of fields) m.add_header(n, v);
      const matches = fields.filter(([n]) => n.toLowerCase() === query.toLowerCase()).map(([, v]) => v);
      assert.equal(m.get(query), matches[0]);
      assert.deepEqual(m.get_all(query), matches.length > 0 ? matches : undefined);
      assert.equal(m.has(query), matches.length > 0);
      assert.deepEqual(m.items(), fields);
    }),
    PARAMS,
  );
});

// ---- (d) requestFraming -----------------------------------------------------------

const framingNameArb = fc.constantFrom("Transfer-Encoding", "transfer-encoding", "TRANSFER-ENCODING", "Content-Length", "content-length", "Host");
const framingValueArb = fc.oneof(
  fc.constantFrom("chunked", "Chunked", " chunked ", "gzip, chunked", "chunked, chunked", "chunked,", "identity", "0", "5", "007", "9007199254740991", "9007199254740992", "-1", "1e3", " 5", "5, 5", ""),
  fc.string({ unit: fc.constantFrom(..."0123456789 ,;chunkedgzip\t"), maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

test("requestFraming() throws nothing but ProtocolError and refuses ambiguous framing", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(framingNameArb, framingValueArb), { maxLength: 4 }),
      fc.oneof(fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0"), fc.string({ maxLength: 10 })),
      (fields, version) => {
        const m = new HTTPMessage();
        for (const [n, v] of fields) m.add_header(n, v);
        const te = fields.filter(([n]) => n.toLowerCase() === "transfer-encoding").length;
        const cl = fields.filter(([n]) => n.toLowerCase() === "content-length").length;
        let framing;
        try {
          framing = requestFraming(m, version);
        } catch (e) {
          if (e instanceof ProtocolError) return;
          throw e;
        }
        const where = `${JSON.stringify(fields)} ${JSON.stringify(version)}`;
        assert.ok(!(te > 0 && cl > 0), `TE and CL together were accepted: ${where}`);
        assert.ok(cl <= 1, `repeated Content-Length was accepted: ${where}`);
        switch (framing.kind) {
          case "none":
            assert.equal(te, 0, `TE present but no body: ${where}`);
            break;
          case "chunked":
            assert.ok(te > 0, where);
            break;
          case "length":
            assert.ok(Number.isSafeInteger(framing.length) && framing.length > 0, `length ${framing.length}: ${where}`);
            assert.equal(String(framing.length), m.get("content-length")!.replace(/^0+/, ""), where);
            break;
        }
      },
    ),
    PARAMS,
  );
});

// ---- (e) ReceiveBuffer against a model ----------------------------------------------

type Op =
  | { op: "push"; bytes: number[] }
  | { op: "pushBig"; size: number; byte: number }
  | { op: "takeLine"; limit: number; window: number | undefined }
  | { op: "take"; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("push" as const), bytes: fc.array(fc.oneof(fc.constant(0x0a), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("pushBig" as const), size: fc.integer({ min: 1, max: 40_000 }), byte: fc.constantFrom(0x0a, 0x61) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("takeLine" as const), limit: fc.integer({ min: 0, max: 100 }), window: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("take" as const), n: fc.integer({ min: 0, max: 80 }) }) },
);

/** Python's `readline(limit)` over the first `window` bytes of `model`; `null` when incomplete. */
function modelTakeLine(model: Buffer, limit: number, window: number): number | null {
  const visible = Math.min(window, model.length);
  const lf = model.subarray(0, Math.min(visible, limit)).indexOf(0x0a);
  if (lf !== -1) return lf + 1;
  return limit <= visible ? limit : null;
}

test("ReceiveBuffer behaves as a byte-string model and never rewrites a handed-out slice", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const rb = new ReceiveBuffer();
      let model = Buffer.alloc(0);
      const handedOut: [Buffer, Buffer][] = [];
      for (const [i, o] of ops.entries()) {
        const where = `op ${i} ${JSON.stringify(o.op === "push" ? { ...o, bytes: o.bytes.length } : o)}`;
        switch (o.op) {
          case "push":
          case "pushBig": {
            const chunk = o.op === "push" ? Buffer.from(o.bytes) : Buffer.alloc(o.size, o.byte);
            rb.push(chunk);
            model = Buffer.concat([model, chunk]);
            break;
          }
          case "takeLine": {
            const got = o.window === undefined ? rb.takeLine(o.limit) : rb.takeLine(o.limit, o.window);
            const n = modelTakeLine(model, o.limit, o.window ?? model.length);
            if (n === null) {
              assert.equal(got, null, `${where}: got ${got === null ? "null" : show(got)}, want null`);
            } else {
              assert.ok(got !== null && got.equals(model.subarray(0, n)), `${where}: got ${got === null ? "null" : show(got)}, want ${show(model.subarray(0, n))}`);
              handedOut.push([got, Buffer.from(got)]);
              model = model.subarray(n);
            }
            break;
          }
          case "take": {
            const got = rb.take(o.n);
            const n = Math.min(o.n, model.length);
            assert.ok(got.equals(model.subarray(0, n)), `${where}: got ${show(got)}`);
            handedOut.push([got, Buffer.from(got)]);
            model = model.subarray(n);
            break;
          }
        }
        assert.equal(rb.length, model.length, `${where}: length`);
        assert.ok(rb.peek().equals(model), `${where}: contents`);
      }
      for (const [slice, copy] of handedOut) assert.ok(slice.equals(copy), `a handed-out slice changed: ${show(slice)} was ${show(copy)}`);
    }),
    PARAMS,
  );
});

// ---- (f) random request lines side by side with CPython -----------------------------

test("parseRequestLine() decides random lines as CPython's parse_request does", (t) => {
  const seed = Number(process.env["FUZZ_SEED"] ?? "") || Date.now() % 2 ** 31;
  const samples = fc.sample(
    fc.tuple(soup(LINE_TOKENS, 10), fc.constantFrom("", "\r\n", "\n"), fc.constantFrom("HTTP/1.0", "HTTP/1.1")),
    { numRuns: RUNS * 2, seed },
  );
  const rows = samples.map(([body, eol, protocol]) => ({ line: body.toString("latin1") + eol, protocol }));
  const theirs = cpythonRequestLines(rows);
  if (typeof theirs === "string") {
    t.skip(theirs);
    return;
  }
  rows.forEach((row, i) => {
    const ours = decideRequestLine(row.line, row.protocol);
    const cpython = theirs[i]!;
    const where = `seed ${seed} (FUZZ_SEED), line ${show(row.line)} on ${row.protocol}`;
    // Our control-byte rule: with two or three words, "syntax" only comes from
    // a control byte inside a word, which CPython accepts.
    const words = pySplit(stripLineEnd(row.line)).length;
    if (!ours.accept && ours.kind === "syntax" && (words === 2 || words === 3)) return;
    assert.deepEqual(ours, cpython.decision, `${where}: ours ${describeDecision(ours)}, CPython ${describeDecision(cpython.decision)} (${show(cpython.message)})`);
  });
});
