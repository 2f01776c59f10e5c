/**
 * What the file server does for speed and that a client can only feel as
 * latency: a small file leaves with its head in one write, and Nagle's
 * algorithm is off by default (no delayed-ACK stall between head and body).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { exchange, LogCapture, serve } from "../helpers/net.js";

test("disable_nagle_algorithm is true by default (differs from CPython)", () => {
  assert.equal(BaseHTTPRequestHandler.prototype.disable_nagle_algorithm, true);
});

test("a small file's head and body leave in one socket write", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const dir = await mkdtemp(join(tmpdir(), "coalesce-"));
  await writeFile(join(dir, "small.txt"), "x".repeat(1024));
  const writes: number[] = [];
  class Counted extends SimpleHTTPRequestHandler {
    override directory = dir;
    override setup(): void {
      const socket = this.request;
      const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
      socket.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
        writes.push(chunk.length);
        return write(chunk, ...rest);
      }) as typeof socket.write;
      super.setup();
    }
  }
  const s = await serve(Counted);
  t.after(() => s.close());
  const raw = await exchange(s.port, "GET /small.txt HTTP/1.0\r\n\r\n");
  assert.match(raw.toString("latin1"), /^HTTP\/1\.0 200 OK\r\n[\s\S]*\r\n\r\nx{1024}$/);
  assert.deepEqual(writes, [raw.length]);
});
