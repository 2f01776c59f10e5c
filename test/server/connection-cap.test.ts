/**
 * Tests for src/server/connection-cap.ts without sockets: the count of open
 * connections against the limit, and what a connection past it gets. The
 * same over real connections: test/security/connections.test.ts
 * ("max_connections …").
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { test } from "node:test";
import { MAX_REFUSING } from "../../src/protocol/limits.js";
import { ConnectionCap } from "../../src/server/connection-cap.js";
import { LogCapture } from "../helpers/net.js";

/** Just enough of a Socket: records what was written and whether it was destroyed. */
class FakeSocket extends EventEmitter {
  remoteAddress = "127.0.0.1";
  written: Buffer[] = [];
  destroyed = false;
  resumed = false;
  end(data?: Buffer): this {
    if (data !== undefined) this.written.push(data);
    return this;
  }
  resume(): this {
    this.resumed = true;
    return this;
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit("close");
    }
    return this;
  }
}
const fake = (): FakeSocket & Socket => new FakeSocket() as FakeSocket & Socket;

test("admit() counts each connection until it closes and refuses at the limit", () => {
  const cap = new ConnectionCap();
  const a = fake();
  const b = fake();
  assert.equal(cap.admit(a, 2), true);
  assert.equal(cap.admit(b, 2), true);
  assert.equal(cap.open, 2);
  assert.equal(cap.admit(fake(), 2), false, "a third past a limit of 2");
  assert.equal(cap.open, 2, "a refused connection is not counted");
  a.destroy();
  assert.equal(cap.open, 1);
  assert.equal(cap.admit(fake(), 2), true, "a slot freed is a slot given");
});

test("refuse() answers a fixed 503 with Connection: close, logs it, and reads what the client sends", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const cap = new ConnectionCap();
  const s = fake();
  cap.refuse(s, 7);
  const sent = Buffer.concat(s.written).toString("latin1");
  assert.equal(
    sent,
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 22\r\n\r\nToo many connections.\n",
  );
  assert.equal(s.resumed, true);
  assert.equal(s.listenerCount("data") > 0, true, "what the client sends is read and discarded");
  await log.waitFor(/^127\.0\.0\.1 - - \[.+\] connection refused: 7 connections open \(max_connections\)$/);
  s.destroy();
});

test("refuse() closes connections unanswered while MAX_REFUSING are being answered", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const cap = new ConnectionCap();
  const answering = Array.from({ length: MAX_REFUSING }, () => {
    const s = fake();
    cap.refuse(s, 1);
    return s;
  });
  assert.ok(answering.every((s) => s.written.length === 1 && !s.destroyed));
  const extra = fake();
  cap.refuse(extra, 1);
  assert.deepEqual([extra.written.length, extra.destroyed], [0, true]);
  answering[0]!.destroy(); // one answer done: room for the next
  const next = fake();
  cap.refuse(next, 1);
  assert.deepEqual([next.written.length, next.destroyed], [1, false]);
  for (const s of [...answering, next]) s.destroy();
  await log.waitFor(/connection refused: 1 connections open/); // the log is written after this turn
});
