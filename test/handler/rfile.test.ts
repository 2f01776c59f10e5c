/**
 * Tests for src/handler/rfile.ts without sockets: a FakeSocket emits the
 * bytes, the end of stream and the close, and each read is checked against
 * Python's BufferedReader contract, the body framing, the head reading of the
 * request loop, the timeouts and the backpressure.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ProtocolError } from "../../src/protocol/errors.js";
import { RECEIVE_HIGH_WATER } from "../../src/protocol/limits.js";
import { RequestHeadReader, type NoRequest, type RequestHead } from "../../src/protocol/request-head.js";
import { SocketReader, TimeoutError } from "../../src/handler/rfile.js";
import { FakeSocket, settle } from "../helpers/fake-socket.js";

function reader(): { fake: FakeSocket; r: SocketReader } {
  const fake = new FakeSocket();
  const r = new SocketReader(fake.socket);
  return { fake, r };
}

/** The reader's timers are unref'd (a socket holds the process); hold it here instead while a timeout is awaited. */
async function holding<T>(p: Promise<T>): Promise<T> {
  const hold = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(hold);
  }
}

const data = (fake: FakeSocket, s: string): void => void fake.emit("data", Buffer.from(s, "latin1"));
const text = (b: Buffer): string => b.toString("latin1");

test("SocketReader._of() finds the reader of a socket", () => {
  const { fake, r } = reader();
  assert.equal(SocketReader._of(fake.socket), r);
  assert.equal(SocketReader._of(new FakeSocket().socket), undefined);
});

test("a closed socket lets go of its reader (a socket outlives its close in V8's young generation)", async () => {
  const { fake, r } = reader();
  const pending = r.read(1);
  fake.emit("close");
  assert.equal((await pending).length, 0, "a pending read ends");
  assert.equal(SocketReader._of(fake.socket), undefined);
  assert.equal((await r.read(1)).length, 0, "later reads find end of stream");
});

test("read(n) returns n bytes, waiting for them; read() reads to the end of stream", async () => {
  const { fake, r } = reader();
  data(fake, "abc");
  const five = r.read(5);
  data(fake, "defg");
  assert.equal(text(await five), "abcde");
  const rest = r.read();
  data(fake, "hi");
  fake.emit("end");
  assert.equal(text(await rest), "fghi");
  assert.equal((await r.read(3)).length, 0, "end of stream: empty");
  assert.equal((await r.read(0)).length, 0);
});

test("read1(n) returns what is there after at most one wait", async () => {
  const { fake, r } = reader();
  data(fake, "abcdef");
  assert.equal(text(await r.read1(4)), "abcd");
  assert.equal(text(await r.read1()), "ef");
  const next = r.read1(10);
  data(fake, "xy");
  assert.equal(text(await next), "xy");
  fake.emit("end");
  assert.equal((await r.read1(10)).length, 0);
});

test("readline(limit) gives a line with its LF, `limit` bytes without one, the rest at end of stream", async () => {
  const { fake, r } = reader();
  data(fake, "one\ntwo and more\nlast");
  assert.equal(text(await r.readline()), "one\n");
  assert.equal(text(await r.readline(3)), "two");
  assert.equal(text(await r.readline()), " and more\n");
  const pending = r.readline();
  fake.emit("end");
  assert.equal(text(await pending), "last");
  assert.equal((await r.readline()).length, 0);
  assert.equal((await r.readline(0)).length, 0);
});

test("readlines() and async iteration read every remaining line", async () => {
  const { fake, r } = reader();
  data(fake, "a\nb\nc\n");
  fake.emit("end");
  assert.deepEqual((await r.readlines()).map(text), ["a\n", "b\n", "c\n"]);
  const { fake: f2, r: r2 } = reader();
  data(f2, "x\ny");
  f2.emit("end");
  const lines: string[] = [];
  for await (const line of r2) lines.push(text(line));
  assert.deepEqual(lines, ["x\n", "y"]);
  const { fake: f3, r: r3 } = reader();
  data(f3, "a\nb\nc\n");
  assert.deepEqual((await r3.readlines(3)).map(text), ["a\n", "b\n"], "stops once the hint is reached");
});

test("a Content-Length body: reads end at the body's end and leave the next request buffered", async () => {
  const { fake, r } = reader();
  data(fake, "hello\nworldGET / HTTP/1.1\r\n");
  r._beginBody({ kind: "length", length: 11 });
  assert.equal(r._bodyDone, false);
  assert.equal(text(await r.readline()), "hello\n");
  assert.equal(text(await r.read1(100)), "world");
  assert.equal((await r.read()).length, 0, "end of the body");
  assert.equal(r._bodyDone, true);
  assert.equal(r._buffered, "GET / HTTP/1.1\r\n".length);
  r._beginRequest(false);
  assert.equal(text(await r.readline()), "GET / HTTP/1.1\r\n", "the next request is intact");
});

test("a chunked body: raw reads see the chunked bytes up to the body's end; _readDecoded() decodes", async () => {
  const body = "5\r\nhello\r\n0\r\n\r\n";
  const { fake, r } = reader();
  data(fake, body + "NEXT");
  r._beginBody({ kind: "chunked" });
  assert.equal(text(await r.read()), body);
  assert.equal(r._bodyDone, true);
  const { fake: f2, r: r2 } = reader();
  data(f2, "3\r\nabc\r\n");
  r2._beginBody({ kind: "chunked" });
  assert.equal(text(await r2._readDecoded(100)), "abc");
  const last = r2._readDecoded(100);
  data(f2, "0\r\n\r\nNEXT");
  assert.equal((await last).length, 0);
  assert.equal(r2._bodyDone, true);
  assert.equal(r2._buffered, 4);
});

test("_readDecoded() refuses a body cut short with 400, and reads nothing of a request without one", async () => {
  const { fake, r } = reader();
  data(fake, "abc");
  r._beginBody({ kind: "length", length: 10 });
  assert.equal(text(await r._readDecoded(100)), "abc");
  fake.emit("end");
  await assert.rejects(r._readDecoded(100), (e: unknown) => e instanceof ProtocolError && e.status === 400 && e.code === "ERR_INCOMPLETE_BODY");
  const { r: r2 } = reader();
  r2._beginBody({ kind: "none" });
  assert.equal((await r2._readDecoded(100)).length, 0);
});

test("_drainBody() discards a small unread body (Content-Length or chunked), and refuses a large or malformed one", async () => {
  const rows: readonly { name: string; framing: Parameters<SocketReader["_beginBody"]>[0]; input: string; max: number; want: boolean }[] = [
    { name: "no body", framing: { kind: "none" }, input: "", max: 0, want: true },
    { name: "length within max", framing: { kind: "length", length: 5 }, input: "hello", max: 5, want: true },
    { name: "length over max", framing: { kind: "length", length: 6 }, input: "hello!", max: 5, want: false },
    { name: "chunked, unread, within max", framing: { kind: "chunked" }, input: "5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n", max: 100, want: true },
    { name: "chunked, exactly max wire bytes", framing: { kind: "chunked" }, input: "5\r\nhello\r\n0\r\n\r\n", max: 15, want: true },
    { name: "chunked, over max", framing: { kind: "chunked" }, input: "5\r\nhello\r\n0\r\n\r\n", max: 14, want: false },
    { name: "chunked, malformed", framing: { kind: "chunked" }, input: "zz\r\n", max: 100, want: false },
  ];
  for (const row of rows) {
    const { fake, r } = reader();
    data(fake, row.input);
    r._beginBody(row.framing);
    assert.equal(await r._drainBody(row.max), row.want, row.name);
  }
  const { fake, r } = reader();
  r._beginBody({ kind: "length", length: 4 });
  const drained = r._drainBody(10);
  data(fake, "ab");
  fake.emit("end");
  assert.equal(await drained, false, "the client left before the body ended");
  const { r: raw } = reader();
  assert.equal(await raw._drainBody(10), false, "a raw (unframed) connection cannot be drained");
});

test("_readHead() reads a head from the buffer; _awaitHead() calls back once it is complete", async () => {
  const { fake, r } = reader();
  const options = { protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9" };
  data(fake, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HT");
  const first = r._readHead(new RequestHeadReader(options));
  assert.equal(first?.line.path, "/a");
  r._beginRequest(false);
  const head = new RequestHeadReader(options);
  assert.equal(r._readHead(head), null, "incomplete");
  assert.equal(r._awaitingRequest, true, "the request line is not complete yet");
  const got = await new Promise<RequestHead | NoRequest>((resolve, reject) => {
    r._awaitHead(head, resolve, reject);
    data(fake, "TP/1.1\r\n");
    assert.equal(r._awaitingRequest, false, "the request line was taken");
    data(fake, "Host: y\r\n\r\n");
  });
  assert.equal(got.line.path, "/b");
  assert.equal(got.headers?.get("host"), "y");
});

test("_awaitHead() reports a refused head to its failure callback", async () => {
  const { fake, r } = reader();
  const err = await new Promise<unknown>((resolve) => {
    r._awaitHead(new RequestHeadReader({ protocolVersion: "HTTP/1.1", defaultVersion: "HTTP/0.9" }), () => resolve("done"), resolve);
    data(fake, "GET / HTTP/7.0\r\n\r\n");
  });
  assert.ok(err instanceof ProtocolError && err.status === 505);
});

test("an idle wait times out after keep_alive_timeout, a started head after header_timeout", async () => {
  const { r } = reader();
  r._timeouts = { timeout: null, keepAlive: 0.01, header: 60, body: 60 };
  r._beginRequest(false);
  assert.equal(r._phase, "idle");
  assert.equal(r._idle, true);
  await holding(assert.rejects(r.readline(), TimeoutError));
  const { fake, r: r2 } = reader();
  r2._timeouts = { timeout: null, keepAlive: 60, header: 0.02, body: 60 };
  r2._beginRequest(false);
  data(fake, "GET /");
  assert.equal(r2._phase, "head", "the first byte starts the head's deadline");
  assert.equal(r2._idle, false);
  await holding(assert.rejects(r2.readline(), TimeoutError));
});

test("Python's timeout replaces the body's inactivity timeout", async () => {
  const { r } = reader();
  r._timeouts = { timeout: 0.01, keepAlive: 60, header: 60, body: 60 };
  r._beginBody({ kind: "length", length: 3 });
  await holding(assert.rejects(r.read(3), TimeoutError));
});

test("the socket is paused while more than RECEIVE_HIGH_WATER bytes wait unread, and resumed by a read", async () => {
  const { fake, r } = reader();
  fake.emit("data", Buffer.alloc(RECEIVE_HIGH_WATER - 1));
  assert.equal(fake.paused, false);
  fake.emit("data", Buffer.alloc(1));
  assert.equal(fake.paused, true);
  assert.equal((await r.read(RECEIVE_HIGH_WATER)).length, RECEIVE_HIGH_WATER);
  const next = r.read(1);
  assert.equal(fake.paused, false, "a read that waits resumes the socket");
  data(fake, "x");
  assert.equal(text(await next), "x");
});

test("_close() ends pending and later reads; a reset is an end of stream", async () => {
  const { r } = reader();
  const pending = r.read(5);
  r._close();
  assert.equal((await pending).length, 0);
  assert.equal(r._eof, true);
  const { fake, r: r2 } = reader();
  const p2 = r2.readline();
  fake.emit("error", new Error("ECONNRESET"));
  assert.equal((await p2).length, 0);
  await settle();
});

test("_unframe() lets reads see the raw connection again (101, CONNECT)", async () => {
  const { fake, r } = reader();
  data(fake, "tunnel bytes");
  r._beginBody({ kind: "none" });
  assert.equal((await r.read(3)).length, 0);
  r._unframe();
  assert.equal(text(await r.read(6)), "tunnel");
});

test("the socket's listeners are shared: a second reader on the same socket takes its bytes, once", async () => {
  const { fake, r } = reader();
  const listeners = fake.listenerCount("data");
  const r2 = new SocketReader(fake.socket);
  assert.equal(fake.listenerCount("data"), listeners, "no second set of listeners");
  assert.equal(SocketReader._of(fake.socket), r2);
  data(fake, "abc\n");
  assert.equal(r2._buffered, 4);
  assert.equal(r._buffered, 0);
  assert.equal((await r2.readline()).toString(), "abc\n");
});
