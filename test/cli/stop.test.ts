/**
 * How the command stops (`stop.ts`, through the real command in a child
 * process): SIGINT at once with CPython's message; SIGTERM finishing the
 * downloads in flight, closing idle keep-alive connections at once, and cut
 * short by a second signal.
 */

import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { RawReader, open, site, startServing } from "./cli-process.js";

test("http.server exits 0 with CPython's message on SIGINT", async (t) => {
  const cli = await startServing(t, ["-b", "127.0.0.1", "0"]);
  cli.child.kill("SIGINT");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.ok(cli.stdout.text.endsWith("\nKeyboard interrupt received, exiting.\n"), cli.stdout.text);
  assert.equal(cli.stderr.text, "");
});

test("http.server finishes a download in flight on SIGTERM, then exits 0", async (t) => {
  const { root } = await site(t);
  // Larger than loopback socket buffers, so the response is still being sent while the client waits.
  const data = randomBytes(32 * 1024 * 1024);
  await writeFile(join(root, "big.bin"), data);
  const cli = await startServing(t, ["-b", "127.0.0.1", "0"], { cwd: root });

  const socket = await open(cli.port);
  t.after(() => socket.destroy());
  const firstBytes = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  const reader = new RawReader(socket);
  socket.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  await firstBytes;
  socket.pause(); // a slow client: the server is now blocked on backpressure

  cli.child.kill("SIGTERM");
  await cli.stdout.waitFor(/\nSIGTERM received, finishing requests in flight, exiting\.\n/, "SIGTERM message");
  assert.equal(cli.child.exitCode, null, "exited before the download finished");
  socket.resume();
  const raw = await reader.all();
  const end = raw.indexOf("\r\n\r\n") + 4;
  assert.match(raw.subarray(0, end).toString("latin1"), /^HTTP\/1\.0 200 OK\r\n[^]*\r\nContent-Length: 33554432\r\n/);
  const body = raw.subarray(end);
  assert.equal(body.length, data.length);
  assert.equal(createHash("sha256").update(body).digest("hex"), createHash("sha256").update(data).digest("hex"));
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  await cli.stderr.waitFor(/"GET \/big\.bin HTTP\/1\.1" 200 -\n/, "access log");
});

test("http.server cuts the drain short on a second signal and says so", async (t) => {
  const { root } = await site(t);
  await writeFile(join(root, "big.bin"), Buffer.alloc(32 * 1024 * 1024));
  const cli = await startServing(t, ["-b", "127.0.0.1", "0"], { cwd: root });
  const socket = await open(cli.port);
  t.after(() => socket.destroy());
  const firstBytes = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  const reader = new RawReader(socket);
  socket.write("GET /big.bin HTTP/1.0\r\n\r\n");
  await firstBytes;
  socket.pause(); // never resumed: the download cannot finish

  cli.child.kill("SIGTERM");
  await cli.stdout.waitFor(/SIGTERM received/, "SIGTERM message");
  cli.child.kill("SIGTERM");
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  assert.equal(cli.stderr.text.split("\n").at(-2), "http.server: closed 1 connection(s) still busy after the drain");
  socket.resume();
  assert.ok((await reader.all()).length < 32 * 1024 * 1024, "the whole body arrived");
});

test("http.server closes idle keep-alive connections at once on SIGTERM", async (t) => {
  const { root } = await site(t);
  const cli = await startServing(t, ["-b", "127.0.0.1", "-p", "HTTP/1.1", "0"], { cwd: root });
  const reader = new RawReader(await open(cli.port));
  t.after(() => reader.socket.destroy());
  reader.socket.write("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  await reader.response();
  cli.child.kill("SIGTERM");
  await reader.close();
  assert.deepEqual(await cli.exit(), { code: 0, signal: null });
});
