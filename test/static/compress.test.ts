/**
 * `compress.ts`: which types are compressed, the coded ETag, whole-body
 * coding (decoded by node:zlib's own decoders here; foreign decoders run in
 * webapp.test.ts), the streaming source's framing and backpressure, and the
 * encoded-bytes cache.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import {
  COMPRESS_CODINGS,
  COMPRESS_MIN_SIZE,
  EncodingSource,
  _clearEncodedCache,
  cachedEncoding,
  compressionApplies,
  encodeWhole,
  encodedEtag,
  isCompressible,
  rememberEncoding,
} from "../../src/static/compress.js";

const TEXT = Buffer.from("compress me, compress me again\n".repeat(5000));

function decode(coding: string, data: Buffer): Buffer {
  if (coding === "gzip") return zlib.gunzipSync(data);
  if (coding === "br") return zlib.brotliDecompressSync(data);
  const z = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
  assert.ok(z !== undefined);
  return z(data);
}

test("isCompressible() follows mime-db's flag, else text-like types", () => {
  const rows: [string, boolean][] = [
    ["text/html; charset=utf-8", true],
    ["text/plain", true],
    ["application/javascript", true],
    ["application/json", true],
    ["image/svg+xml", true],
    ["application/wasm", true],
    ["application/vnd.api+json", true],
    ["text/x-unknown-thing", true],
    ["image/png", false],
    ["image/jpeg", false],
    ["video/mp4", false],
    ["application/zip", false],
    ["application/gzip", false],
    ["font/woff2", false],
    ["application/octet-stream", false],
  ];
  for (const [type, want] of rows) assert.equal(isCompressible(type), want, type);
  assert.equal(compressionApplies("text/plain", COMPRESS_MIN_SIZE - 1), false);
  assert.equal(compressionApplies("text/plain", COMPRESS_MIN_SIZE), true);
});

test("encodedEtag() puts the coding inside the quotes", () => {
  assert.equal(encodedEtag('W/"a-b"', "br"), 'W/"a-b-br"');
  assert.equal(encodedEtag('"x"', "gzip"), '"x-gzip"');
});

test("encodeWhole() output decodes to the input, for every coding this Node has", async () => {
  assert.ok(COMPRESS_CODINGS.includes("gzip") && COMPRESS_CODINGS.includes("br"));
  for (const coding of COMPRESS_CODINGS) {
    const out = await encodeWhole(coding, TEXT);
    assert.ok(out.length < TEXT.length / 10, coding);
    assert.ok(decode(coding, out).equals(TEXT), coding);
  }
  await assert.rejects(encodeWhole("deflate", TEXT));
});

/** A source handing out `data` in `size`-byte pieces, counting reads. */
function pieces(data: Buffer, size: number) {
  let pos = 0;
  const s = {
    reads: 0,
    closed: false,
    async read(): Promise<Buffer> {
      s.reads++;
      const b = data.subarray(pos, pos + size);
      pos += b.length;
      return b;
    },
    async close(): Promise<void> {
      s.closed = true;
    },
  };
  return s;
}

async function drain(src: EncodingSource): Promise<Buffer> {
  const out: Buffer[] = [];
  for (;;) {
    const b = await src.read(65536);
    if (b.length === 0) return Buffer.concat(out);
    out.push(b);
  }
}

test("EncodingSource streams a coded body, chunk-framed when asked", async () => {
  for (const coding of COMPRESS_CODINGS) {
    const plain = await drain(new EncodingSource(pieces(TEXT, 4096), coding, false));
    assert.ok(decode(coding, plain).equals(TEXT), coding);
    const framed = await drain(new EncodingSource(pieces(TEXT, 4096), coding, true));
    assert.ok(framed.subarray(-5).equals(Buffer.from("0\r\n\r\n")), "ends with the last chunk");
    // Undo the framing.
    const body: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const eol = framed.indexOf("\r\n", pos);
      const n = parseInt(framed.subarray(pos, eol).toString(), 16);
      assert.ok(n >= 0);
      if (n === 0) break;
      body.push(framed.subarray(eol + 2, eol + 2 + n));
      pos = eol + 2 + n + 2;
    }
    assert.ok(decode(coding, Buffer.concat(body)).equals(TEXT), `${coding} chunked`);
  }
});

test("EncodingSource pulls its input only as its output is taken (backpressure)", async () => {
  // Incompressible bytes: output keeps pace with input, so one output chunk
  // means little input read (all-equal bytes could all be read before the
  // first output chunk fills).
  const big = Buffer.allocUnsafe(8 * 1024 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < big.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    big[i] = x & 0xff;
  }
  const src = pieces(big, 65536);
  const e = new EncodingSource(src, "gzip", false);
  await e.read(1);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(src.reads < big.length / 65536, `read ${src.reads} of ${big.length / 65536} pieces after one output chunk`);
  await e.close();
  assert.equal(src.closed, true);
});

test("EncodingSource rejects with the input's error", async () => {
  const failing = {
    async read(): Promise<Buffer> {
      throw new Error("disk on fire");
    },
    async close(): Promise<void> {},
  };
  await assert.rejects(drain(new EncodingSource(failing, "br", true)), /disk on fire/);
});

test("the encoded-bytes cache keys on the file version and the coding", () => {
  _clearEncodedCache();
  const f = { dev: 1, ino: 2, size: 3, mtimeMs: 4, ctimeMs: 5 };
  rememberEncoding(f, "br", Buffer.from("x"));
  assert.deepEqual(cachedEncoding(f, "br"), Buffer.from("x"));
  assert.equal(cachedEncoding(f, "gzip"), undefined);
  assert.equal(cachedEncoding({ ...f, mtimeMs: 6 }, "br"), undefined);
  assert.equal(cachedEncoding({ ...f, ctimeMs: 6 }, "br"), undefined);
  _clearEncodedCache();
  assert.equal(cachedEncoding(f, "br"), undefined);
});
