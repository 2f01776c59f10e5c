/**
 * Tests for src/server/linger-wheel.ts without sockets or real time: the wheel
 * is ticked by hand. That a lingering connection still gets its response and is
 * closed over real sockets: test/server/http-server.test.ts and the
 * conformance tests (half-close, Connection: close).
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { test } from "node:test";
import { LingerWheel } from "../../src/server/linger-wheel.js";

const fake = (): Socket => new EventEmitter() as unknown as Socket;

test("linger wheel: a socket expires on the third tick after add(), not before", (t) => {
  const expired: Socket[] = [];
  const wheel = new LingerWheel((s) => expired.push(s), 60_000);
  t.after(() => {
    while (wheel.size > 0) wheel.tick();
  });
  const a = fake();
  wheel.add(a);
  wheel.add(a); // twice is once
  assert.equal(wheel.size, 1);
  wheel.tick();
  wheel.tick();
  assert.deepEqual(expired, []);
  const b = fake();
  wheel.add(b);
  wheel.tick();
  assert.ok(expired.length === 1 && expired[0] === a);
  assert.equal(a.listenerCount("close"), 0, "the shared close listener is removed on expiry");
  wheel.tick(); // b's second
  assert.equal(expired.length, 1);
  wheel.tick(); // b's third
  assert.equal(expired.length, 2);
  assert.ok(expired[0] === a && expired[1] === b);
  assert.equal(wheel.size, 0);
});

test("linger wheel: a socket that closes by itself leaves the wheel and never expires", () => {
  const expired: Socket[] = [];
  const wheel = new LingerWheel((s) => expired.push(s), 60_000);
  const sockets = [fake(), fake(), fake()];
  for (const s of sockets) wheel.add(s);
  assert.equal(sockets[0]!.listenerCount("close"), 1);
  sockets[1]!.emit("close");
  assert.equal(wheel.size, 2);
  assert.equal(sockets[1]!.listenerCount("close"), 0);
  for (let i = 0; i < 3; i++) wheel.tick();
  assert.ok(expired.length === 2 && expired[0] === sockets[0] && expired[1] === sockets[2]);
  sockets[0]!.emit("close"); // after expiry: nothing left to remove
  assert.equal(wheel.size, 0);
});

test("linger wheel: the interval runs only while a socket lingers and never holds the process", (t) => {
  const wheel = new LingerWheel(() => {}, 60_000);
  const s = fake();
  wheel.add(s);
  t.after(() => s.emit("close"));
  // An unref'd interval: this test ends at once although the period is a minute.
  assert.equal(wheel.size, 1);
  s.emit("close");
  assert.equal(wheel.size, 0);
});
