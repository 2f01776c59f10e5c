/**
 * The handler's documented attributes and helper methods, each changed the way
 * a Python subclass would change it, and rfile/wfile's stream semantics.
 */

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { HTTPMessage } from "../../src/protocol/headers.js";
import { HTTPStatus } from "../../src/protocol/status.js";
import { closed, exchange, LogCapture, open, readUntil, serve, splitResponse } from "../helpers/net.js";

const log = new LogCapture();
before(() => log.start());
after(() => log.stop());

const fake = (): BaseHTTPRequestHandler => new BaseHTTPRequestHandler({} as never, ["10.1.2.3", 4567], {});

describe("helper methods", () => {
  test("date_time_string() formats an IMF-fixdate, now or for a timestamp", () => {
    const h = fake();
    assert.equal(h.date_time_string(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert.equal(h.date_time_string(1700000000.9), "Tue, 14 Nov 2023 22:13:20 GMT");
    assert.match(h.date_time_string(), /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
  });

  test("log_date_time_string() formats local time like CPython", () => {
    assert.match(fake().log_date_time_string(), /^\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d$/);
  });

  test("version_string() joins server_version and sys_version", () => {
    const h = fake();
    assert.equal(h.version_string(), `BaseHTTP/0.6 Node.js/${process.versions.node}`);
  });

  test("address_string() is the client's host", () => {
    assert.equal(fake().address_string(), "10.1.2.3");
  });

  test("responses holds every status's phrase and description", () => {
    const r = fake().responses;
    assert.deepEqual(r[404], ["Not Found", "Nothing matches the given URI"]);
    assert.deepEqual(r[413], ["Content Too Large", "Content is too large"]);
    assert.equal(Object.keys(r).length >= 60, true);
  });

  test("monthname and weekdayname are CPython's", () => {
    const h = fake();
    assert.equal(h.monthname[1], "Jan");
    assert.equal(h.weekdayname[0], "Mon");
  });
});

class Configurable extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  do_GET(): void {
    const body = `${this.headers.constructor.name}:${this.headers.get("x-a")}`;
    this.send_response(HTTPStatus.OK);
    this.send_header("Content-Length", body.length);
    this.end_headers();
    void this.wfile.write(body);
  }
  do_ONLY(): void {
    this.send_response_only(202, "Fine");
    this.send_header("Content-Length", "0");
    this.end_headers();
  }
  do_PARTS(): void {
    // flush_headers() sends what is buffered without the blank line.
    this.send_response(200);
    this.send_header("Content-Length", "2");
    this.flush_headers();
    void this.wfile.write("\r\nok");
  }
  do_CUSTOM(): void {
    this.send_error(418);
  }
  do_MISSING(): void {
    this.send_error(599);
  }
  do_EXPLAIN(): void {
    this.send_error(400, "<b>bold</b>", "why & how");
  }
  do_NOBODY(): void {
    this.send_error(304);
  }
}

describe("class attributes", () => {
  test("server_version, error_message_format and error_content_type are used by send_error()", async () => {
    class Custom extends Configurable {
      override server_version = "Custom/1.0";
      override sys_version = "";
      override error_message_format = "E%(code)d:%(message)s:%(explain)s";
      override error_content_type = "text/plain";
    }
    const s = await serve(Custom);
    try {
      const raw = (await exchange(s.port, "CUSTOM / HTTP/1.1\r\n\r\n")).toString();
      const { status, headers, body } = splitResponse(raw);
      assert.equal(status, "HTTP/1.1 418 I'm a Teapot");
      assert.equal(headers["server"], "Custom/1.0");
      assert.equal(headers["content-type"], "text/plain");
      assert.equal(body, "E418:I'm a Teapot:Server refuses to brew coffee because it is a teapot");
    } finally {
      await s.close();
    }
  });

  test("a prototype assignment changes every handler, as a Python class attribute does", async () => {
    class Shared extends Configurable {}
    Shared.prototype.server_version = "Shared/2";
    const s = await serve(Shared);
    try {
      const raw = (await exchange(s.port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).toString();
      assert.match(raw, /\r\nServer: Shared\/2 Node\.js\//);
    } finally {
      await s.close();
    }
  });

  test("MessageClass decides the class of headers", async () => {
    class MyMessage extends HTTPMessage {}
    class WithMessage extends Configurable {
      override MessageClass = MyMessage;
    }
    const s = await serve(WithMessage);
    try {
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\nX-A: 1\r\nConnection: close\r\n\r\n");
      assert.equal(splitResponse(raw).body, "MyMessage:1");
    } finally {
      await s.close();
    }
  });

  test("default_request_version decides the reply before the version is known", async () => {
    class Default10 extends Configurable {
      override default_request_version = "HTTP/1.0";
    }
    const s = await serve(Default10);
    try {
      // An HTTP/0.9 request now counts as 1.0: it gets a status line.
      const raw = (await exchange(s.port, "GET /\r\n")).toString();
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    } finally {
      await s.close();
    }
  });

  test("disable_nagle_algorithm sets TCP_NODELAY without changing the bytes", async () => {
    class NoDelay extends Configurable {
      override disable_nagle_algorithm = true;
    }
    const s = await serve(NoDelay);
    try {
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\nX-A: 2\r\nConnection: close\r\n\r\n");
      assert.equal(splitResponse(raw).body, "HTTPMessage:2");
    } finally {
      await s.close();
    }
  });
});

describe("send_* methods", () => {
  let port = 0;
  let close: () => Promise<void>;
  before(async () => {
    const s = await serve(Configurable);
    port = s.port;
    close = () => s.close();
  });
  after(() => close());

  test("send_response() accepts an HTTPStatus member", async () => {
    const raw = (await exchange(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).toString();
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
  });

  test("send_response_only() sends no Server or Date and logs nothing", async () => {
    const raw = (await exchange(port, "ONLY / HTTP/1.1\r\nConnection: close\r\n\r\n")).toString();
    assert.equal(raw, "HTTP/1.1 202 Fine\r\nContent-Length: 0\r\n\r\n");
    assert.ok(!log.lines.some((l) => l.includes('"ONLY / HTTP/1.1"')));
  });

  test("flush_headers() writes the buffered head as is", async () => {
    const raw = (await exchange(port, "PARTS / HTTP/1.1\r\nConnection: close\r\n\r\n")).toString();
    assert.match(raw, /Content-Length: 2\r\n\r\nok$/);
  });

  test("send_error() with an unknown code uses ???", async () => {
    const raw = (await exchange(port, "MISSING / HTTP/1.1\r\n\r\n")).toString();
    assert.match(raw, /^HTTP\/1\.1 599 \?\?\?\r\n/);
    assert.match(raw, /Error code explanation: 599 - \?\?\?\./);
  });

  test("send_error() escapes message and explain in the page", async () => {
    const raw = (await exchange(port, "EXPLAIN / HTTP/1.1\r\n\r\n")).toString();
    assert.match(raw, /<p>Message: &lt;b&gt;bold&lt;\/b&gt;\.<\/p>/);
    assert.match(raw, /why &amp; how/);
  });

  test("send_error() sends no body for 304", async () => {
    const raw = (await exchange(port, "NOBODY / HTTP/1.1\r\n\r\n")).toString();
    const { headers, body } = splitResponse(raw);
    assert.equal(body, "");
    assert.equal(headers["content-length"], undefined);
  });

  test("send_error() sends headers only for HEAD", async () => {
    class HeadError extends Configurable {
      do_HEAD(): void {
        this.send_error(404);
      }
    }
    const s = await serve(HeadError);
    try {
      const raw = (await exchange(s.port, "HEAD / HTTP/1.1\r\n\r\n")).toString();
      const { headers, body } = splitResponse(raw);
      assert.equal(body, "");
      assert.ok(Number(headers["content-length"]) > 0);
    } finally {
      await s.close();
    }
  });
});

class Streams extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  async do_POST(): Promise<void> {
    const parts: string[] = [];
    const first = await this.rfile.readline(4);
    parts.push(JSON.stringify(first.toString()));
    parts.push(JSON.stringify((await this.rfile.readline()).toString()));
    parts.push(JSON.stringify((await this.rfile.read(3)).toString()));
    parts.push(JSON.stringify((await this.rfile.read1(3)).toString()));
    const lines = await this.rfile.readlines();
    parts.push(JSON.stringify(lines.map((l) => l.toString())));
    parts.push(JSON.stringify((await this.rfile.read()).toString()));
    const body = parts.join(" ");
    this.send_response(200);
    this.send_header("Content-Length", String(Buffer.byteLength(body)));
    this.end_headers();
    await this.wfile.write(body);
  }
  async do_GET(): Promise<void> {
    // 64 MiB in 64 KiB writes, each awaited: backpressure must hold them.
    this.send_response(200);
    this.send_header("Content-Length", String(64 * 1024 * 1024));
    this.end_headers();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 1024; i++) {
      await this.wfile.write(chunk);
      written = (i + 1) * chunk.length;
    }
  }
}
let written = 0;

describe("rfile and wfile", () => {
  test("rfile reads: readline(limit), read(n) blocks until n bytes, read1, readlines, read()", async () => {
    const s = await serve(Streams);
    try {
      const socket = await open(s.port);
      socket.write("POST / HTTP/1.1\r\nContent-Length: 25\r\nConnection: close\r\n\r\nabcdef\nx");
      // read(3) must wait for the rest of its bytes: send them in another packet.
      await new Promise((r) => setImmediate(r));
      socket.write("yz12\nline2\nline3\n");
      const raw = await readUntil(socket, (r) => r.toString().includes("\r\n\r\n") && r.toString().endsWith('""'));
      assert.equal(splitResponse(raw).body, '"abcd" "ef\\n" "xyz" "12\\n" ["line2\\n","line3\\n"] ""');
      await closed(socket);
    } finally {
      await s.close();
    }
  });

  test("awaited wfile.write() stops while the client does not read (backpressure)", async () => {
    const s = await serve(Streams);
    try {
      const socket = await open(s.port);
      socket.pause();
      socket.write("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
      // Wait until the writer is blocked: written stops growing.
      let last = -1;
      while (written !== last) {
        last = written;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(written < 16 * 1024 * 1024, `wrote ${written} bytes to a client that reads nothing`);
      socket.destroy();
    } finally {
      await s.close();
    }
  });

  test("a write to a connection the client closed does not crash the server", async () => {
    const s = await serve(Streams);
    try {
      const socket = await open(s.port);
      socket.write("GET / HTTP/1.1\r\n\r\n");
      await readUntil(socket, (r) => r.length > 100_000);
      socket.destroy();
      const raw = await exchange(s.port, "POST / HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      assert.match(raw.toString(), /^HTTP\/1\.1 200 /);
    } finally {
      await s.close();
    }
  });
});

describe("accept errors", () => {
  test("an EMFILE on accept is logged and the server keeps serving", async () => {
    const s = await serve(Configurable);
    try {
      const server = s.server as unknown as { socket: import("node:net").Server };
      server.socket.emit("error", Object.assign(new Error("accept EMFILE"), { code: "EMFILE" }));
      await log.waitFor(/accept failed: accept EMFILE/);
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
      assert.match(raw.toString(), /^HTTP\/1\.1 200 /);
    } finally {
      await s.close();
    }
  });
});

describe("coalescing", () => {
  test("a small response leaves in one socket write: status line, headers and body", async () => {
    const writes: number[] = [];
    class Counted extends Configurable {
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
    try {
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\nX-A: 1\r\nConnection: close\r\n\r\n");
      assert.equal(writes.length, 1, `socket writes: ${JSON.stringify(writes)}`);
      assert.equal(writes[0], raw.length);
    } finally {
      await s.close();
    }
  });
});
