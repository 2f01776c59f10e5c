/**
 * BaseHTTPRequestHandler over real loopback sockets: exact bytes for the
 * status line, headers, error pages and keep-alive decisions.
 */

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { HTTPServer } from "../../src/server/http-server.js";
import { HTTPStatus } from "../../src/protocol/status.js";
import { closed, countResponses, exchange, LogCapture, mask, open, readUntil, serve, splitResponse, type Running } from "../helpers/net.js";

/** Answers every method it knows with `command path version` and the headers it saw. */
class Echo extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";

  reply(): void {
    const names = this.headers.keys().join(",");
    const body = Buffer.from(`${this.command} ${this.path} ${this.request_version} [${names}]`, "latin1");
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    void this.wfile.write(body);
  }
  do_GET(): void {
    this.reply();
  }
  do_HEAD(): void {
    this.send_response(200);
    this.send_header("Content-Length", "5");
    this.end_headers();
  }
  async do_POST(): Promise<void> {
    const body = await this.read_body({ limit: 1000 });
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    this.end_headers();
    await this.wfile.write(body);
  }
  async do_RAW(): Promise<void> {
    // Reads the body through rfile, as a CPython handler does.
    const n = Number(this.headers.get("Content-Length", "0"));
    const body = await this.rfile.read(n);
    const rest = await this.rfile.read();
    const text = `${body.toString("latin1")}|${rest.length}`;
    this.send_response(200);
    this.send_header("Content-Length", String(text.length));
    this.end_headers();
    await this.wfile.write(text);
  }
  do_IGNORE(): void {
    // Answers without reading the body.
    this.send_response(204);
    this.end_headers();
  }
  do_THROW(): void {
    throw new Error("handler bug");
  }
  do_THROWLATE(): void {
    this.send_response(200);
    this.send_header("Content-Length", "100");
    this.end_headers();
    void this.wfile.write("partial");
    throw new Error("late handler bug");
  }
  do_NOLENGTH(): void {
    this.send_response(200);
    this.end_headers();
    void this.wfile.write("until close");
  }
}

let srv: Running<any>;
const log = new LogCapture();
before(async () => {
  log.start();
  srv = await serve(Echo);
});
after(async () => {
  await srv.close();
  log.stop();
});

describe("status line and headers", () => {
  test("send_response() sends the status line, Server and Date, then the handler's headers", async () => {
    const raw = await exchange(srv.port, "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const text = raw.toString("latin1");
    assert.match(text, /^HTTP\/1\.1 200 OK\r\nServer: BaseHTTP\/0\.6 Node\.js\/\d+\.\d+\.\d+\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\nContent-Type: text\/plain\r\nContent-Length: 37\r\n\r\n/);
    assert.equal(splitResponse(raw).body, "GET /a?b=1 HTTP/1.1 [Host,Connection]");
  });

  test("protocol_version HTTP/1.0 answers HTTP/1.0 and closes after one request", async () => {
    class Old extends Echo {
      override protocol_version = "HTTP/1.0";
    }
    const s = await serve(Old);
    try {
      const raw = await exchange(s.port, "GET / HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\n\r\n");
      assert.equal(countResponses(raw.toString("latin1")), 1);
      assert.match(raw.toString("latin1"), /^HTTP\/1\.0 200 OK\r\n/);
    } finally {
      await s.close();
    }
  });

  test("HEAD gets headers only", async () => {
    const raw = await exchange(srv.port, "HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal(mask(raw.toString()), "HTTP/1.1 200 OK\r\nServer: <server>\r\nDate: <date>\r\nContent-Length: 5\r\n\r\n");
  });
});

describe("request line", () => {
  const cases: { name: string; send: string; want: RegExp }[] = [
    { name: "unknown method → 501", send: "FOO / HTTP/1.1\r\n\r\n", want: /^HTTP\/1\.1 501 Unsupported method \('FOO'\)\r\n/ },
    { name: "lower-case method is another method → 501", send: "get / HTTP/1.1\r\n\r\n", want: /^HTTP\/1\.1 501 Unsupported method \('get'\)\r\n/ },
    { name: "bad version → 400 with a real status line", send: "GET / HTTP/1.x\r\n\r\n", want: /^HTTP\/1\.1 400 Bad request version \('HTTP\/1\.x'\)\r\n/ },
    { name: "HTTP/2.0 → 505", send: "GET / HTTP/2.0\r\n\r\n", want: /^HTTP\/1\.1 505 Invalid HTTP version \(2\.0\)\r\n/ },
    { name: "four words → 400", send: "GET / x HTTP/1.1\r\n\r\n", want: /^HTTP\/1\.1 400 Bad request syntax \('GET \/ x HTTP\/1\.1'\)\r\n/ },
    { name: "one word → 400", send: "GET\r\n\r\n", want: /^HTTP\/1\.1 400 Bad request syntax \('GET'\)\r\n/ },
    { name: "HTTP/0.9 POST → 400", send: "POST /\r\n", want: /^HTTP\/1\.1 400 Bad HTTP\/0\.9 request type \('POST'\)\r\n/ },
    { name: "control byte in target → 400", send: "GET /\x01 HTTP/1.1\r\n\r\n", want: /^HTTP\/1\.1 400 Bad request syntax \('GET \/\\x01 HTTP\/1\.1'\)\r\n/ },
  ];
  for (const c of cases) {
    test(`parse_request(): ${c.name}`, async () => {
      const raw = (await exchange(srv.port, c.send)).toString("latin1");
      assert.match(raw, c.want);
      const { headers, body } = splitResponse(raw);
      assert.equal(headers["connection"], "close");
      assert.equal(headers["content-type"], "text/html;charset=utf-8");
      assert.equal(Number(headers["content-length"]), Buffer.byteLength(body, "latin1"));
      assert.match(body, /<title>Error response<\/title>/);
    });
  }

  test("a request line over 65536 bytes gets 414 with a status line", async () => {
    const raw = (await exchange(srv.port, "GET /" + "a".repeat(65536) + " HTTP/1.1\r\n\r\n")).toString("latin1");
    assert.match(raw, /^HTTP\/1\.1 414 URI Too Long\r\n/);
  });

  test("a request line of exactly 65536 bytes is accepted", async () => {
    const line = "GET /" + "a".repeat(65536 - 16) + " HTTP/1.1\r\n";
    assert.equal(line.length, 65536);
    const raw = (await exchange(srv.port, line + "Connection: close\r\n\r\n")).toString("latin1");
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
  });

  test("HTTP/0.9 GET gets the bare body without waiting for headers", async () => {
    const socket = await open(srv.port);
    socket.write("GET /nine\r\n");
    const raw = await readUntil(socket, () => false).catch((e: Error) => e.message);
    await closed(socket);
    assert.match(String(raw), /GET \/nine HTTP\/0\.9 \[\]/);
    assert.doesNotMatch(String(raw), /HTTP\/1/);
  });

  test("an empty line before a request line is skipped; end of input after it closes without an answer", async () => {
    const raw = await exchange(srv.port, "\r\n", { end: true });
    assert.equal(raw.length, 0);
    const served = await exchange(srv.port, "\r\n\nGET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.match(splitResponse(served).body, /^GET \/x /);
  });

  test("a path starting with // is reduced to one / (gh-87389)", async () => {
    const raw = await exchange(srv.port, "GET //evil.example//x HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.match(splitResponse(raw).body, /^GET \/evil\.example\/\/x /);
  });
});

describe("headers", () => {
  test("100 header lines → 431 Too many headers", async () => {
    const head = Array.from({ length: 100 }, (_, i) => `X-${i}: y\r\n`).join("");
    const raw = (await exchange(srv.port, "GET / HTTP/1.1\r\n" + head + "\r\n")).toString("latin1");
    assert.match(raw, /^HTTP\/1\.1 431 Too many headers\r\n/);
    assert.match(raw, /got more than 100 headers/);
  });

  test("99 header lines are accepted", async () => {
    const head = Array.from({ length: 98 }, (_, i) => `X-${i}: y\r\n`).join("");
    const raw = (await exchange(srv.port, "GET / HTTP/1.1\r\n" + head + "Connection: close\r\n\r\n")).toString("latin1");
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
  });

  test("a header line over 65536 bytes → 431 Line too long", async () => {
    const raw = (await exchange(srv.port, "GET / HTTP/1.1\r\nX: " + "a".repeat(65540) + "\r\n\r\n")).toString("latin1");
    assert.match(raw, /^HTTP\/1\.1 431 Line too long\r\n/);
    assert.match(raw, /got more than 65536 bytes when reading header line/);
  });

  test("a header block over the total limit → 431", async () => {
    const line = "X: " + "a".repeat(60000) + "\r\n";
    const raw = (await exchange(srv.port, "GET / HTTP/1.1\r\n" + line.repeat(6) + "\r\n")).toString("latin1");
    assert.match(raw, /^HTTP\/1\.1 431 Request header fields too large\r\n/);
  });

  for (const [name, line] of [
    ["space before colon", "Host : x"],
    ["no colon", "Hostx"],
    ["obs-fold", "X: a\r\n  b"],
    ["NUL in value", "X: a\x00b"],
  ] as const) {
    test(`a header line with ${name} → 400`, async () => {
      const raw = (await exchange(srv.port, `GET / HTTP/1.1\r\n${line}\r\n\r\n`)).toString("latin1");
      assert.match(raw, /^HTTP\/1\.1 400 /);
    });
  }
});

describe("persistence", () => {
  test("HTTP/1.1 keeps the connection for pipelined requests in one packet", async () => {
    const raw = await exchange(srv.port, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\nConnection: close\r\n\r\n");
    const text = raw.toString("latin1");
    assert.equal(countResponses(text), 3);
    assert.ok(text.indexOf("GET /1 ") < text.indexOf("GET /2 ") && text.indexOf("GET /2 ") < text.indexOf("GET /3 "));
  });

  test("one request split across many packets", async () => {
    const request = "GET /split HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const raw = await exchange(srv.port, request.split(""));
    assert.match(raw.toString(), /GET \/split HTTP\/1\.1/);
  });

  test("HTTP/1.0 with Connection: keep-alive stays open when protocol_version is HTTP/1.1", async () => {
    const socket = await open(srv.port);
    socket.write("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await readUntil(socket, (r) => r.toString().includes("GET /a HTTP/1.0"));
    socket.write("GET /b HTTP/1.0\r\n\r\n");
    const rest = await readUntil(socket, (r) => r.toString().includes("GET /b HTTP/1.0"));
    await closed(socket);
    assert.match(rest.toString(), /GET \/b/);
  });

  test("a response without a length closes the connection after it", async () => {
    const raw = await exchange(srv.port, "NOLENGTH / HTTP/1.1\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
    const text = raw.toString();
    assert.ok(text.endsWith("until close"), text);
    assert.equal(countResponses(text), 1);
  });
});

describe("request bodies and framing", () => {
  test("read_body() reads a Content-Length body", async () => {
    const raw = await exchange(srv.port, "POST / HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    assert.equal(splitResponse(raw).body, "hello");
  });

  test("read_body() reads a chunked body and keeps the connection", async () => {
    const raw = await exchange(srv.port, [
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
      "GET /after HTTP/1.1\r\nConnection: close\r\n\r\n",
    ]);
    const text = raw.toString();
    assert.match(text, /\r\n\r\nhello world/);
    assert.match(text, /GET \/after/);
  });

  test("read_body() past its limit → 413 and close", async () => {
    const raw = await exchange(srv.port, "POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n" + "x".repeat(1001));
    assert.match(raw.toString(), /^HTTP\/1\.1 413 Content Too Large\r\n/);
  });

  test("read_body() past its limit with chunks → 413", async () => {
    const chunk = "3e8\r\n" + "x".repeat(1000) + "\r\n";
    const raw = await exchange(srv.port, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n");
    assert.match(raw.toString(), /^HTTP\/1\.1 413 /);
  });

  test("malformed chunking → 400", async () => {
    const raw = await exchange(srv.port, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    assert.match(raw.toString(), /^HTTP\/1\.1 400 Bad chunk size\r\n/);
  });

  test("rfile is bounded to the body: a handler cannot read the next request", async () => {
    const raw = await exchange(srv.port, "RAW / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\nConnection: close\r\n\r\n");
    const text = raw.toString();
    assert.match(text, /\r\n\r\nabc\|0/);
    assert.match(text, /GET \/next/);
  });

  test("an unread body within the drain limit is drained and the connection kept", async () => {
    const raw = await exchange(srv.port, "IGNORE / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789GET /next HTTP/1.1\r\nConnection: close\r\n\r\n");
    const text = raw.toString();
    assert.match(text, /^HTTP\/1\.1 204 No Content\r\n/);
    assert.match(text, /GET \/next/);
  });

  test("an unread body over the drain limit closes the connection", async () => {
    const socket = await open(srv.port);
    socket.write("IGNORE / HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n");
    const got = await readUntil(socket, (r) => r.toString().includes("\r\n\r\n"));
    assert.match(got.toString(), /^HTTP\/1\.1 204 /);
    await closed(socket);
  });

  test("an unread chunked body is drained: the next request is answered", async () => {
    const raw = await exchange(srv.port, "IGNORE / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.equal(countResponses(raw.toString()), 2);
  });

  test("an unread malformed chunked body closes the connection", async () => {
    const raw = await exchange(srv.port, "IGNORE / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
    assert.equal(countResponses(raw.toString()), 1);
  });

  const refused: [string, string, RegExp][] = [
    ["Transfer-Encoding with Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 5", /^HTTP\/1\.1 400 /],
    ["two different Content-Lengths", "Content-Length: 5\r\nContent-Length: 6", /^HTTP\/1\.1 400 /],
    ["a non-numeric Content-Length", "Content-Length: 5x", /^HTTP\/1\.1 400 /],
    ["a negative Content-Length", "Content-Length: -5", /^HTTP\/1\.1 400 /],
    ["chunked not last", "Transfer-Encoding: chunked, gzip", /^HTTP\/1\.1 400 /],
    ["an unknown coding alone", "Transfer-Encoding: gzip", /^HTTP\/1\.1 400 /],
    ["an unknown coding before chunked", "Transfer-Encoding: gzip, chunked", /^HTTP\/1\.1 501 /],
    ["chunked twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", /^HTTP\/1\.1 400 /],
  ];
  for (const [name, fields, want] of refused) {
    test(`a request with ${name} is refused and the connection closed`, async () => {
      const raw = await exchange(srv.port, `POST / HTTP/1.1\r\n${fields}\r\n\r\nhelloGET /smuggled HTTP/1.1\r\n\r\n`);
      const text = raw.toString();
      assert.match(text, want);
      assert.equal(countResponses(text), 1, "the rest must not be read as a request");
      assert.match(text, /Connection: close\r\n/);
    });
  }
});

describe("Expect: 100-continue", () => {
  test("handle_expect_100() sends 100 Continue before the body is sent", async () => {
    const socket = await open(srv.port);
    socket.write("POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    const interim = await readUntil(socket, (r) => r.toString().includes("\r\n\r\n"));
    assert.equal(interim.toString(), "HTTP/1.1 100 Continue\r\n\r\n");
    socket.write("data");
    const final = await readUntil(socket, (r) => r.toString().endsWith("data"));
    assert.match(final.toString(), /^HTTP\/1\.1 200 OK\r\n/);
  });

  test("a handle_expect_100() override can refuse with 417", async () => {
    class Refuse extends Echo {
      override handle_expect_100(): boolean {
        this.send_error(HTTPStatus.EXPECTATION_FAILED);
        return false;
      }
    }
    const s = await serve(Refuse);
    try {
      const raw = await exchange(s.port, "POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
      assert.match(raw.toString(), /^HTTP\/1\.1 417 Expectation Failed\r\n/);
    } finally {
      await s.close();
    }
  });
});

describe("errors in handlers", () => {
  test("a handler that throws before answering → 500, reported by handle_error, server keeps serving", async () => {
    const raw = await exchange(srv.port, "THROW / HTTP/1.1\r\n\r\n");
    assert.match(raw.toString(), /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    await log.waitFor(/Exception occurred during processing of request from \('127\.0\.0\.1', \d+\)/);
    await log.waitFor(/Error: handler bug/);
    const again = await exchange(srv.port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert.match(again.toString(), /^HTTP\/1\.1 200 /);
  });

  test("a handler that throws after answering began → the connection is closed", async () => {
    const raw = (await exchange(srv.port, "THROWLATE / HTTP/1.1\r\n\r\n")).toString();
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(raw.endsWith("partial"));
    await log.waitFor(/late handler bug/);
  });
});

describe("logging", () => {
  test("log_request() writes Python's line to stderr", async () => {
    await exchange(srv.port, "GET /logged HTTP/1.1\r\nConnection: close\r\n\r\n");
    const line = await log.waitFor(/"GET \/logged HTTP\/1\.1"/);
    assert.match(line, /^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] "GET \/logged HTTP\/1\.1" 200 -$/);
  });

  test("send_error() logs code and message", async () => {
    await exchange(srv.port, "BREW /pot HTTP/1.1\r\n\r\n");
    await log.waitFor(/\] code 501, message Unsupported method \('BREW'\)$/);
  });

  test("log_message() escapes control characters", async () => {
    await exchange(srv.port, "GET /\x1b[31m HTTP/1.1\r\n\r\n");
    await log.waitFor(/\\x1b\[31m/);
    assert.ok(!log.lines.some((l) => l.includes("\x1b")));
  });
});

describe("send_header()", () => {
  test("refuses CR/LF in names and values", () => {
    const h = new BaseHTTPRequestHandler({} as never, ["127.0.0.1", 0], {});
    assert.throws(() => h.send_header("X", "a\r\nSet-Cookie: evil"), TypeError);
    assert.throws(() => h.send_header("X\n", "a"), TypeError);
    assert.throws(() => h.send_header("X", "\u0100"), RangeError);
  });
});

describe("serial HTTPServer", () => {
  test("serves one connection at a time", async () => {
    const s = await serve(Echo, { ServerClass: HTTPServer as any });
    try {
      const first = await open(s.port);
      first.write("GET /first HTTP/1.1\r\n\r\n");
      await readUntil(first, (r) => r.toString().includes("GET /first"));
      // The first connection is kept alive: a second one waits.
      const second = await open(s.port);
      second.write("GET /second HTTP/1.1\r\nConnection: close\r\n\r\n");
      let answered = false;
      const secondDone = readUntil(second, (r) => r.toString().includes("GET /second")).then(() => (answered = true));
      first.write("GET /again HTTP/1.1\r\n\r\n");
      await readUntil(first, (r) => r.toString().includes("GET /again"));
      assert.equal(answered, false, "the serial server answered a second connection while the first was open");
      first.end();
      await secondDone;
    } finally {
      await s.close();
    }
  });
});
