/**
 * HTTPServer and ThreadingHTTPServer: socketserver's lifecycle on real
 * loopback sockets — binding, the serve_forever loop, shutdown, one-shot
 * handle_request, verification, concurrency and closing.
 */

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { HTTPServer, ThreadingHTTPServer } from "../../src/server/http-server.js";
import { closed, exchange, LogCapture, open, python, readUntil, run, serve } from "../helpers/net.js";

class Hello extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  do_GET(): void {
    const body = `hello ${this.path}`;
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    void this.wfile.write(body);
  }
}

const quietLog = (): LogCapture => new LogCapture().start();

describe("binding", () => {
  test("ready resolves with the real port, server_port and server_name", async () => {
    const server = new HTTPServer(["127.0.0.1", 0], Hello);
    await server.ready;
    try {
      const [host, port] = server.server_address;
      assert.equal(host, "127.0.0.1");
      assert.ok(port > 0);
      assert.equal(server.server_port, port);
      const want = spawnSync("python3", ["-c", "import socket; print(socket.getfqdn('127.0.0.1'))"]).stdout.toString().trim();
      assert.equal(server.server_name, want);
      assert.equal(server.address_family, "AF_INET");
    } finally {
      await server.server_close();
    }
  });

  test('"" binds all IPv4 interfaces as 0.0.0.0', async () => {
    const server = new HTTPServer(["", 0], Hello);
    await server.ready;
    try {
      assert.equal(server.server_address[0], "0.0.0.0");
    } finally {
      await server.server_close();
    }
  });

  test("an IPv6 address binds AF_INET6 and serves", async () => {
    const log = quietLog();
    const s = await serve(Hello, { host: "::1" });
    try {
      assert.equal((s.server as ThreadingHTTPServer).address_family, "AF_INET6");
      const raw = await exchange(s.port, "GET /six HTTP/1.1\r\nConnection: close\r\n\r\n", { host: "::1" });
      assert.match(raw.toString(), /hello \/six$/);
      await log.waitFor(/^::1 - - .*"GET \/six HTTP\/1\.1" 200 -/);
    } finally {
      await s.close();
      log.stop();
    }
  });

  test("a port in use rejects ready and serve_forever with EADDRINUSE", async () => {
    const first = new HTTPServer(["127.0.0.1", 0], Hello);
    await first.ready;
    try {
      const second = new HTTPServer(["127.0.0.1", first.server_port], Hello);
      await assert.rejects(second.ready, { code: "EADDRINUSE" });
      await assert.rejects(second.serve_forever(), { code: "EADDRINUSE" });
    } finally {
      await first.server_close();
    }
  });

  test("bind_and_activate = false leaves binding to server_bind()", async () => {
    const server = new HTTPServer(["127.0.0.1", 0], Hello, false);
    assert.equal(server.socket.listening, false);
    await server.server_bind();
    server.server_activate();
    await server.ready;
    try {
      assert.equal(server.socket.listening, true);
    } finally {
      await server.server_close();
    }
  });

  test("subclass fields are in place before binding", async () => {
    class Custom extends HTTPServer {
      override request_queue_size = 7;
      bound_with = 0;
      override async server_bind(): Promise<void> {
        this.bound_with = this.request_queue_size;
        await super.server_bind();
      }
    }
    const server = new Custom(["127.0.0.1", 0], Hello);
    await server.ready;
    await server.server_close();
    assert.equal(server.bound_with, 7);
  });
});

describe("serve_forever and shutdown", () => {
  for (const ServerClass of [HTTPServer, ThreadingHTTPServer]) {
    test(`${ServerClass.name}: shutdown() awaited from inside a handler stops serve_forever`, async () => {
      const log = quietLog();
      class Stopper extends Hello {
        async do_STOP(): Promise<void> {
          this.send_response(200);
          this.send_header("Content-Length", "0");
          this.end_headers();
          await (this.server as HTTPServer).shutdown();
        }
      }
      const server = new ServerClass(["127.0.0.1", 0], Stopper);
      await server.ready;
      const served = server.serve_forever(0.05);
      const raw = await exchange(server.server_port, "STOP / HTTP/1.1\r\nConnection: close\r\n\r\n");
      assert.match(raw.toString(), /^HTTP\/1\.1 200 OK/);
      await served;
      await server.server_close();
      log.stop();
    });
  }

  test("service_actions() is called on every turn of the loop", async () => {
    let calls = 0;
    class Counting extends HTTPServer {
      override service_actions(): void {
        if (++calls === 3) void this.shutdown();
      }
    }
    const server = new Counting(["127.0.0.1", 0], Hello);
    await server.serve_forever(0.01);
    await server.server_close();
    assert.equal(calls, 3);
  });

  test("shutdown() resolves at once when serve_forever is not running", async () => {
    const server = new HTTPServer(["127.0.0.1", 0], Hello);
    await server.ready;
    await server.shutdown();
    await server.server_close();
  });

  test("await using closes the server", async () => {
    let port = 0;
    {
      await using server = new HTTPServer(["127.0.0.1", 0], Hello);
      await server.ready;
      port = server.server_port;
    }
    await assert.rejects(open(port), { code: "ECONNREFUSED" });
  });
});

describe("handle_request", () => {
  test("serves exactly one connection", async () => {
    const log = quietLog();
    const server = new HTTPServer(["127.0.0.1", 0], Hello);
    await server.ready;
    try {
      const pending = exchange(server.server_port, "GET /once HTTP/1.1\r\nConnection: close\r\n\r\n");
      await server.handle_request();
      assert.match((await pending).toString(), /hello \/once$/);
    } finally {
      await server.server_close();
      log.stop();
    }
  });

  test("calls handle_timeout() when no connection comes within timeout", async () => {
    let timedOut = false;
    class Timing extends HTTPServer {
      override timeout = 0.05;
      override handle_timeout(): void {
        timedOut = true;
      }
    }
    const server = new Timing(["127.0.0.1", 0], Hello);
    await server.ready;
    await server.handle_request();
    await server.server_close();
    assert.equal(timedOut, true);
  });
});

describe("verify_request and errors", () => {
  test("verify_request() returning false closes the connection unanswered", async () => {
    class Refusing extends ThreadingHTTPServer {
      override verify_request(): boolean {
        return false;
      }
    }
    const s = await serve(Hello, { ServerClass: Refusing as never });
    try {
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\n\r\n");
      assert.equal(raw.length, 0);
    } finally {
      await s.close();
    }
  });

  test("a client that resets mid-request does not disturb the server", async () => {
    const log = quietLog();
    const s = await serve(Hello);
    try {
      const socket = await open(s.port);
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
      socket.resetAndDestroy();
      const raw = await exchange(s.port, "GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n");
      assert.match(raw.toString(), /hello \/ok$/);
    } finally {
      await s.close();
      log.stop();
    }
  });
});

describe("concurrency", () => {
  test("ThreadingHTTPServer serves connections concurrently", async () => {
    const log = quietLog();
    // Two requests that each wait for the other: only concurrent handling answers both.
    let release!: () => void;
    const bothArrived = new Promise<void>((r) => (release = r));
    let arrived = 0;
    class Barrier extends Hello {
      override async do_GET(): Promise<void> {
        if (++arrived === 2) release();
        await bothArrived;
        super.do_GET();
      }
    }
    const s = await serve(Barrier);
    try {
      const [a, b] = await Promise.all([
        exchange(s.port, "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n"),
        exchange(s.port, "GET /b HTTP/1.1\r\nConnection: close\r\n\r\n"),
      ]);
      assert.match(a.toString(), /hello \/a$/);
      assert.match(b.toString(), /hello \/b$/);
    } finally {
      await s.close();
      log.stop();
    }
  });

  test("server_close() waits for requests in flight when daemon_threads is false", async () => {
    const log = quietLog();
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    let started!: () => void;
    const inHandler = new Promise<void>((r) => (started = r));
    class Slow extends Hello {
      override async do_GET(): Promise<void> {
        started();
        await gate;
        super.do_GET();
      }
    }
    class Blocking extends ThreadingHTTPServer {
      override daemon_threads = false;
    }
    const s = await serve(Slow, { ServerClass: Blocking as never });
    const pending = exchange(s.port, "GET /slow HTTP/1.1\r\n\r\n");
    await inHandler;
    await s.server.shutdown();
    let closedYet = false;
    const closing = s.server.server_close().then(() => (closedYet = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(closedYet, false);
    finish();
    await closing;
    // The request in flight was answered, then the connection closed (server closing).
    assert.match((await pending).toString(), /hello \/slow$/);
    log.stop();
  });

  test("server_close() closes idle keep-alive connections", async () => {
    const log = quietLog();
    const s = await serve(Hello);
    const socket = await open(s.port);
    socket.write("GET / HTTP/1.1\r\n\r\n");
    await readUntil(socket, (r) => r.toString().endsWith("hello /"));
    await s.close();
    await closed(socket);
    log.stop();
  });
});

describe("timeouts", () => {
  test("the handler's timeout closes an idle connection and logs like CPython", async () => {
    const log = quietLog();
    class Timed extends Hello {
      override timeout = 0.1;
    }
    const s = await serve(Timed);
    try {
      const socket = await open(s.port);
      await closed(socket);
      await log.waitFor(/Request timed out: TimeoutError\('timed out'\)$/);
    } finally {
      await s.close();
      log.stop();
    }
  });

  test("a request head not completed within header_timeout gets 408", async () => {
    const log = quietLog();
    class Impatient extends Hello {
      override header_timeout = 0.1;
    }
    const s = await serve(Impatient);
    try {
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\nHost: slow");
      assert.match(raw.toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      await s.close();
      log.stop();
    }
  });

  test("an idle keep-alive connection is closed after keep_alive_timeout, silently", async () => {
    const log = quietLog();
    class Brief extends Hello {
      override keep_alive_timeout = 0.1;
    }
    const s = await serve(Brief);
    try {
      const socket = await open(s.port);
      socket.write("GET / HTTP/1.1\r\n\r\n");
      const got = await readUntil(socket, (r) => r.toString().endsWith("hello /"));
      await closed(socket);
      assert.match(got.toString(), /^HTTP\/1\.1 200/);
      assert.ok(!log.lines.some((l) => l.includes("timed out")), log.lines.join("\n"));
    } finally {
      await s.close();
      log.stop();
    }
  });
});

describe("foreign clients", () => {
  test("Python's http.client keeps one connection for several requests", async () => {
    const log = quietLog();
    const s = await serve(Hello);
    try {
      const out = await python(
        [
          "import http.client, sys",
          "c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))",
          "for p in ('/a', '/b', '/c'):",
          "    c.request('GET', p)",
          "    r = c.getresponse()",
          "    print(r.status, r.read().decode(), r.version)",
          "print(c.sock is not None)",
        ].join("\n"),
        [String(s.port)],
      );
      assert.equal(out, "200 hello /a 11\n200 hello /b 11\n200 hello /c 11\nTrue\n");
    } finally {
      await s.close();
      log.stop();
    }
  });

  test("curl sees the same response", async () => {
    const log = quietLog();
    const s = await serve(Hello);
    try {
      const stdout = await run("curl", ["-sS", "-i", `http://127.0.0.1:${s.port}/curl`]);
      assert.match(stdout, /^HTTP\/1\.1 200 OK\r\nServer: BaseHTTP\/0\.6 Node\.js\/[\d.]+\r\nDate: .+ GMT\r\nContent-Length: 11\r\n\r\nhello \/curl$/);
    } finally {
      await s.close();
      log.stop();
    }
  });

  test("fetch (undici) reads the response", async () => {
    const log = quietLog();
    const s = await serve(Hello);
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/fetch`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "hello /fetch");
    } finally {
      await s.close();
      log.stop();
    }
  });
});

test("handle_request() with a timeout and no connection calls handle_timeout() and leaves no timer behind", async () => {
  let timeouts = 0;
  class Timing extends HTTPServer {
    override handle_timeout(): void {
      timeouts++;
    }
  }
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const server = new Timing(["127.0.0.1", 0], Hello);
  server.timeout = 0.02;
  await server.ready;
  const before = timers();
  await server.handle_request();
  await server.handle_request();
  assert.equal(timeouts, 2);
  // The loop's poll timer is reused between waits; once handle_request() returns it must be gone.
  assert.equal(timers(), before, "no timer left behind by handle_request()");
  await server.server_close();
});
