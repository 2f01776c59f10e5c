/**
 * Slow, idle, many and rude clients against a real server on loopback, at a
 * small scale (bench/soak.mjs runs the same cases at full scale): slowloris
 * heads, idle keep-alive crowds, the connection limit, a client that stops
 * reading, pipelining floods, resets mid-request and mid-response, a 1 MB
 * header block, and long keep-alive runs. Each test checks the server's own
 * state (its open-connection count, what it buffers per socket) as well as
 * what clients see, and each fails with its defence disabled (see SECURITY.md).
 *
 * Timeouts are made small through the handler attributes, never waited out
 * at their defaults.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { readFileSync } from "node:fs";
import { ThreadingHTTPSServer } from "../../src/server/https-server.js";
import type { RequestHandlerClass } from "../../src/server/base-server.js";
import { getTestCerts } from "../helpers/certs.js";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { SocketReader } from "../../src/handler/rfile.js";
import { RECEIVE_HIGH_WATER } from "../../src/protocol/limits.js";
import { defaultMaxConnections } from "../../src/server/connection-cap.js";
import { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { closed, exchange, LogCapture, open, readUntil, serve, serveFor, splitResponse, type Running } from "../helpers/net.js";

/** Answers `hello <path>`; `/big` streams `BIG` bytes with awaited writes; `/echo` reads the body. */
class App extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  static BIG = 1024 ** 3;
  async do_GET(): Promise<void> {
    if (this.path === "/big") {
      const size = (this.constructor as typeof App).BIG;
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      this.send_response(200);
      this.send_header("Content-Length", String(size));
      this.end_headers();
      for (let sent = 0; sent < size; sent += chunk.length) await this.wfile.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
      return;
    }
    const body = `hello ${this.path}`;
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    void this.wfile.write(body);
  }
  async do_POST(): Promise<void> {
    const body = await this.read_body();
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    await this.wfile.write(body);
  }
}

/** Polls `cond` every 10 ms; rejects after `ms` naming `what`. Waits for an event the server causes, not for time. */
async function eventually(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everything the server sends on `socket` until the connection closes (reset included). */
function collect(socket: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  socket.on("data", (d: Buffer) => parts.push(d));
  socket.on("error", () => {});
  return new Promise((resolve) => socket.once("close", () => resolve(Buffer.concat(parts))));
}

/** One GET on a fresh connection; resolves with the parsed response. */
async function get(port: number, path = "/"): Promise<ReturnType<typeof splitResponse>> {
  const raw = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  return splitResponse(raw);
}

const quiet = (): LogCapture => new LogCapture().start();

/** The server-side socket of the only connection being served. */
function onlySocket(s: Running<ThreadingHTTPServer>): Socket {
  const sockets = s.server._activeSockets;
  assert.equal(sockets.length, 1, "one connection being served");
  return sockets[0]!;
}

describe("slow clients", { timeout: 60_000 }, () => {
  test("slowloris: 40 connections dripping a head get 408 and are closed by header_timeout; a normal client is served meanwhile", async () => {
    const log = quiet();
    class Impatient extends App {
      override header_timeout = 0.5;
    }
    const s = await serve(Impatient);
    const drips: NodeJS.Timeout[] = [];
    try {
      const slow: { socket: Socket; got: Promise<Buffer> }[] = [];
      // Connect all 40 first (header_timeout counts from a head's first byte), then start the heads.
      const sockets = await Promise.all(Array.from({ length: 40 }, () => open(s.port)));
      await eventually(() => s.server._connectionCount === 40, "40 slow connections open");
      for (const socket of sockets) {
        socket.on("error", () => {});
        slow.push({ socket, got: collect(socket) });
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
        // One header byte every 20 ms, forever: only the server can end this.
        const timer = setInterval(() => {
          if (!socket.destroyed && socket.writable) socket.write("X");
        }, 20);
        drips.push(timer);
      }
      const r = await get(s.port, "/normal");
      assert.equal(r.status, "HTTP/1.1 200 OK");
      assert.equal(r.body, "hello /normal");
      const answers = await Promise.all(slow.map((c) => c.got));
      for (const a of answers) assert.match(a.toString("latin1"), /HTTP\/1\.1 408 Request Timeout\r\n/);
      await eventually(() => s.server._connectionCount === 0, "every slow connection closed");
    } finally {
      for (const t of drips) clearInterval(t);
      await s.close();
      log.stop();
    }
  });

  test("a body that stops arriving is cut off after body_timeout; the server keeps serving", async (t) => {
    const log = quiet();
    class Impatient extends App {
      override body_timeout = 0.3;
    }
    const s = await serveFor(t, Impatient);
    t.after(() => log.stop());
    const socket = await open(s.port);
    socket.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
    await closed(socket);
    await log.waitFor(/Request timed out/);
    await eventually(() => s.server._connectionCount === 0, "the connection is gone");
    assert.equal((await get(s.port)).status, "HTTP/1.1 200 OK");
  });

  test("a client that stops reading a 1 GB response: the server buffers a bounded amount and closes after send_timeout", async (t) => {
    const log = quiet();
    class Brief extends App {
      override send_timeout = 0.5;
    }
    const s = await serveFor(t, Brief);
    t.after(() => log.stop());
    const socket = await open(s.port);
    socket.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, (b) => b.length > 0);
    socket.pause(); // stop reading: the kernel buffers fill, then the server's
    const server = onlySocket(s);
    let maxPending = 0;
    const done = closed(server);
    // Sample what the server holds for this socket until it gives up.
    while (!server.destroyed) {
      maxPending = Math.max(maxPending, server.writableLength);
      await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    assert.ok(maxPending <= 1024 * 1024, `the server held ${maxPending} bytes for one connection`);
    assert.ok(server.bytesWritten < 256 * 1024 ** 2, `only what the kernel took left: ${server.bytesWritten}`);
    socket.destroy();
    await eventually(() => s.server._connectionCount === 0, "the connection is gone");
    assert.equal((await get(s.port)).status, "HTTP/1.1 200 OK");
  });
});

describe("idle and many clients", { timeout: 60_000 }, () => {
  test("300 idle keep-alive connections are held while a normal request succeeds; all are closed after keep_alive_timeout", async () => {
    const log = quiet();
    // Long enough that opening 300 connections (at once) on a loaded machine cannot outlast it.
    class Patient extends App {
      override keep_alive_timeout = 4;
    }
    const s = await serve(Patient);
    const sockets: Socket[] = [];
    const answered: Promise<Buffer>[] = [];
    try {
      // All at once: opening them one after another could outlast keep_alive_timeout on a busy machine.
      await Promise.all(
        Array.from({ length: 300 }, async () => {
          const socket = await open(s.port);
          socket.on("error", () => {});
          sockets.push(socket);
          const answer = readUntil(socket, (b) => b.toString().endsWith("hello /"));
          answered.push(answer);
          socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          await answer;
        }),
      );
      await Promise.all(answered);
      assert.equal(s.server._connectionCount, 300);
      const r = await get(s.port, "/normal");
      assert.equal(r.body, "hello /normal");
      await Promise.all(sockets.map(closed));
      await eventually(() => s.server._connectionCount === 0, "the idle connections are closed");
    } finally {
      for (const c of sockets) c.destroy();
      await s.close();
      log.stop();
    }
  });

  test("max_connections: one connection past the limit gets 503 with Connection: close; a slot freed is a slot served", async () => {
    const log = quiet();
    class Capped extends ThreadingHTTPServer {
      override max_connections = 5;
    }
    const s = await serve(App, { ServerClass: Capped });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 5; i++) held.push(await open(s.port));
      await eventually(() => s.server._connectionCount === 5, "5 connections admitted");
      const refused = splitResponse(await exchange(s.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.equal(refused.status, "HTTP/1.1 503 Service Unavailable");
      assert.equal(refused.headers["connection"], "close");
      assert.equal(refused.headers["retry-after"], "1");
      assert.equal(refused.body, "Too many connections.\n");
      await log.waitFor(/connection refused: 5 connections open \(max_connections\)/);
      assert.equal(s.server._connectionCount, 5, "the refused one was never counted");
      held.pop()!.destroy();
      await eventually(() => s.server._connectionCount === 4, "a slot is freed");
      assert.equal((await get(s.port)).status, "HTTP/1.1 200 OK");
    } finally {
      for (const c of held) c.destroy();
      await s.close();
      log.stop();
    }
  });

  test("max_connections: a flood of 200 past the limit: each is answered 503 or dropped, none is served, the count stays at the limit", async () => {
    const log = quiet();
    class Capped extends ThreadingHTTPServer {
      override max_connections = 2;
    }
    const s = await serve(App, { ServerClass: Capped });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) held.push(await open(s.port));
      // 200 connections that never read: each answered or dropped, none served.
      const flood = await Promise.all(Array.from({ length: 200 }, () => open(s.port).catch(() => null)));
      const answers = await Promise.all(
        flood.map((c) => (c === null ? Promise.resolve("") : collect(c).then(String))),
      );
      assert.ok(answers.some((a) => a.includes("503 Service Unavailable")), "some are told 503");
      assert.ok(answers.every((a) => a === "" || a.startsWith("HTTP/1.1 503 ")), "none is served");
      assert.equal(s.server._connectionCount, 2);
    } finally {
      for (const c of held) c.destroy();
      await s.close();
      log.stop();
    }
  });

  test("max_connections over TLS: counted from the TCP accept; past the limit the connection is closed before any handshake", async (t) => {
    const got = await getTestCerts();
    if (got.skip !== false) return t.skip(got.skip);
    const certs = got.certs;
    const log = quiet();
    class Capped extends ThreadingHTTPSServer {
      override max_connections = 2;
      constructor(address: [string, number], Handler: RequestHandlerClass) {
        super(address, Handler, true, { certfile: certs.rsaCert, keyfile: certs.rsaKey });
      }
    }
    const s = await serve(App, { ServerClass: Capped });
    const held: Socket[] = [];
    try {
      // Two raw TCP connections that never start a handshake hold both slots.
      for (let i = 0; i < 2; i++) held.push(await open(s.port));
      await eventually(() => s.server._connectionCount === 2, "2 connections admitted before any handshake");
      const outcome = await new Promise<string>((resolve) => {
        const c = tlsConnect({ host: "127.0.0.1", port: s.port, servername: "localhost", ca: readFileSync(certs.ca) }, () => resolve("handshake"));
        c.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
        c.on("close", () => resolve("closed"));
      });
      assert.notEqual(outcome, "handshake");
      await log.waitFor(/connection refused: max_connections reached/);
      held.pop()!.destroy();
      await eventually(() => s.server._connectionCount === 1, "a slot is freed");
      const ok = await new Promise<string>((resolve, reject) => {
        const c = tlsConnect({ host: "127.0.0.1", port: s.port, servername: "localhost", ca: readFileSync(certs.ca) }, () => {
          c.write("GET /tls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        });
        let text = "";
        c.on("data", (d: Buffer) => (text += d.toString("latin1")));
        c.on("error", reject);
        c.on("close", () => resolve(text));
      });
      assert.match(ok, /^HTTP\/1\.1 200 OK\r\n[^]*hello \/tls$/);
    } finally {
      for (const c of held) c.destroy();
      await s.close();
      log.stop();
    }
  });

  test("max_connections defaults to half the soft open-file limit", async () => {
    const limits = await import("node:fs").then((fs) => fs.readFileSync("/proc/self/limits", "latin1"));
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    assert.equal(defaultMaxConnections(), Math.max(16, Math.floor((soft - 64) / 2)));
    assert.equal(ThreadingHTTPServer.prototype.max_connections, null);
  });
});

describe("rude clients", { timeout: 60_000 }, () => {
  test("resets mid-head, mid-body and mid-response: no connection is left behind and the server keeps serving", async (t) => {
    const log = quiet();
    const s = await serveFor(t, App);
    t.after(() => log.stop());
    for (const [what, bytes, waitForResponse] of [
      ["mid-head", "GET / HTTP/1.1\r\nHost: x\r\nX-Partial: ab", false],
      ["mid-body", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc", false],
      ["mid-response", "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", true],
    ] as const) {
      for (let i = 0; i < 10; i++) {
        const socket = await open(s.port);
        socket.on("error", () => {});
        socket.write(bytes);
        if (waitForResponse) await readUntil(socket, (b) => b.length >= 1024 * 1024);
        else await eventually(() => s.server._activeSockets.some((c) => (SocketReader._of(c)?._buffered ?? 0) > 0 || SocketReader._of(c)?._phase === "body"), `${what}: the server has the bytes`);
        socket.resetAndDestroy();
        await eventually(() => s.server._connectionCount === 0, `${what} #${i}: the server let go of the connection`);
      }
      assert.equal((await get(s.port, "/after")).body, "hello /after", what);
    }
    assert.ok(!log.lines.some((l) => l.includes("Exception occurred")), log.lines.join("\n"));
  });

  test("a 1 MB header block gets 431 once the limit is passed, without waiting for (or buffering) the rest", async (t) => {
    const log = quiet();
    const s = await serveFor(t, App);
    t.after(() => log.stop());
    const socket = await open(s.port);
    socket.on("error", () => {});
    const line = `X-Fill: ${"a".repeat(16_000)}\r\n`;
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    // 300 KB of a 1 MB head: past the 256 KiB limit, with no end in sight.
    let sent = 0;
    const answer = readUntil(socket, (b) => b.includes("\r\n\r\n"));
    while (sent < 300 * 1024) {
      socket.write(line);
      sent += line.length;
    }
    const got = (await answer).toString("latin1");
    assert.match(got, /^HTTP\/1\.1 431 Request header fields too large\r\n/);
    assert.match(got, /\r\nConnection: close\r\n/);
    // What the server still receives is read and discarded, never buffered.
    for (let i = 0; i < 44 && !socket.destroyed; i++) socket.write(line);
    const reader = s.server._activeSockets.map((c) => SocketReader._of(c)).find((r) => r !== undefined);
    assert.ok((reader?._buffered ?? 0) <= RECEIVE_HIGH_WATER + 64 * 1024, `buffered ${reader?._buffered}`);
    socket.end();
    await closed(socket);
    await eventually(() => s.server._connectionCount === 0, "the connection is closed");
  });

  test("a pipelining flood from a client that does not read: input and output buffered per connection stay bounded", async (t) => {
    const log = quiet();
    class Brief extends App {
      override send_timeout = 0.5;
    }
    const s = await serveFor(t, Brief);
    t.after(() => log.stop());
    const socket = await open(s.port);
    socket.on("error", () => {});
    socket.pause();
    const one = `GET /${"p".repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const flood = Buffer.from(one.repeat(Math.ceil((16 * 1024 ** 2) / one.length)));
    socket.write(flood);
    await eventually(() => s.server._activeSockets.length === 1, "served");
    const server = onlySocket(s);
    const reader = SocketReader._of(server)!;
    let maxIn = 0;
    let maxOut = 0;
    while (!server.destroyed) {
      maxIn = Math.max(maxIn, reader._buffered);
      maxOut = Math.max(maxOut, server.writableLength);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(maxIn <= RECEIVE_HIGH_WATER + 128 * 1024, `input buffered: ${maxIn}`);
    assert.ok(maxOut <= 1024 * 1024, `output buffered: ${maxOut}`);
    assert.ok(server.bytesRead < flood.length, "the server stopped reading the flood");
    socket.destroy();
    await eventually(() => s.server._connectionCount === 0, "the connection is gone");
  });

  test("2,000 sequential keep-alive requests on one connection: one connection, no listener or buffer growth", async (t) => {
    const log = quiet();
    const s = await serveFor(t, App);
    t.after(() => log.stop());
    const socket = await open(s.port);
    const ask = async (i: number): Promise<void> => {
      socket.write(`GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await readUntil(socket, (b) => b.toString().endsWith(`hello /${i}`));
    };
    await ask(0);
    const server = onlySocket(s);
    const listeners = (): number[] => ["data", "end", "close", "error", "drain"].map((e) => server.listenerCount(e));
    const before = listeners();
    for (let i = 1; i < 2000; i++) await ask(i);
    assert.deepEqual(listeners(), before, "listeners per event, before and after");
    assert.equal(s.server._connectionCount, 1);
    assert.equal(SocketReader._of(server)!._buffered, 0);
    socket.destroy();
    await eventually(() => s.server._connectionCount === 0, "the connection is gone");
  });
});
