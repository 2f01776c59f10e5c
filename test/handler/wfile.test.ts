/**
 * Tests for src/handler/wfile.ts without sockets: a FakeSocket records each
 * write and can be made full, drained or closed, and each write is checked
 * against the contract: order, one socket write per turn, backpressure,
 * Python's BrokenPipeError, the send timeout.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { TimeoutError } from "../../src/handler/rfile.js";
import { BrokenPipeError, RESOLVED, SocketWriter } from "../../src/handler/wfile.js";
import { FakeSocket, settle } from "../helpers/fake-socket.js";

function writer(): { fake: FakeSocket; w: SocketWriter } {
  const fake = new FakeSocket();
  return { fake, w: new SocketWriter(fake.socket) };
}

test("writes of one turn leave in one socket write on the next tick, in order", async () => {
  const { fake, w } = writer();
  void w.write("HTTP/1.1 200 OK\r\n");
  void w.write(Buffer.from("\r\n"));
  void w.write("body");
  assert.equal(fake.writes.length, 0, "nothing sent synchronously");
  assert.equal(w._pending, 23);
  await settle();
  assert.deepEqual(fake.writes.map((b) => b.toString()), ["HTTP/1.1 200 OK\r\n\r\nbody"]);
  assert.equal(w._bytesWritten, 23);
  assert.equal(w._pending, 0);
});

test("flush() sends at once; an empty write sends nothing", async () => {
  const { fake, w } = writer();
  void w.write("a");
  assert.equal(w.flush(), RESOLVED);
  assert.deepEqual(fake.writes.map(String), ["a"]);
  assert.equal(w.write(""), RESOLVED);
  await settle();
  assert.equal(fake.writes.length, 1);
});

test("64 KiB queued are sent at once; more than that goes out corked, piece by piece", () => {
  const { fake, w } = writer();
  void w.write(Buffer.alloc(40 * 1024));
  void w.write(Buffer.alloc(40 * 1024));
  assert.equal(fake.writes.length, 2, "past 64 KiB: two writes under cork");
  assert.equal(fake.corked, 1);
});

test("a full socket: writes resolve on 'drain', and _congested says so meanwhile", async () => {
  const { fake, w } = writer();
  fake.full = true;
  let resolved = false;
  void w.write("a");
  const p = w.flush().then(() => (resolved = true));
  assert.equal(w._congested, true);
  await settle();
  assert.equal(resolved, false);
  fake.drain();
  await p;
  assert.equal(w._congested, false);
});

test("a write to a closed connection rejects with BrokenPipeError (handled: ignoring it never crashes)", async () => {
  const { fake, w } = writer();
  fake.destroyed = true;
  const p = w.write("x");
  await assert.rejects(p, BrokenPipeError);
  const { fake: f2, w: w2 } = writer();
  f2.full = true;
  void w2.write("x");
  const waiting = w2.flush();
  f2.emit("close");
  await assert.rejects(waiting, (e: unknown) => e instanceof BrokenPipeError && e.code === "EPIPE");
});

test("a client that takes nothing for send_timeout is cut off with TimeoutError", async () => {
  const { fake, w } = writer();
  w._timeouts = { timeout: null, send: 0.01 };
  fake.full = true;
  void w.write("x");
  await assert.rejects(w.flush(), TimeoutError);
  assert.equal(fake.destroyed, true);
});

test("_held queues writes without scheduling; _schedule() sends them on the next tick", async () => {
  const { fake, w } = writer();
  w._held = true;
  void w.write("a");
  await settle();
  assert.equal(fake.writes.length, 0);
  w._schedule();
  assert.equal(w._held, false);
  await settle();
  assert.deepEqual(fake.writes.map(String), ["a"]);
});
