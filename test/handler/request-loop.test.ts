/**
 * Tests for src/handler/request-loop.ts. The loop's synchronous fast path
 * (issue #7) changes no behaviour: each request still goes through the
 * overridable methods when they are overridden, sync and async `do_*` both
 * work, and pipelined requests already received are answered in one socket
 * write. Then `keepAlive()`'s reasons, one row each, and the loop over a
 * replacement `rfile`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { keepAlive, type Outcome } from "../../src/handler/request-loop.js";
import { BytesReader } from "../helpers/fake-socket.js";
import { countResponses, exchange, LogCapture, serve } from "../helpers/net.js";

const PIPELINED = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n".repeat(7) + "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/** Records the sizes of the socket's writes. */
function countWrites(handler: BaseHTTPRequestHandler, writes: number[]): void {
  const socket = handler.request;
  const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
  socket.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    writes.push(chunk.length);
    return write(chunk, ...rest);
  }) as typeof socket.write;
}

class SyncHello extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  do_GET(): void {
    this.send_response(200);
    this.send_header("Content-Length", "2");
    this.end_headers();
    void this.wfile.write("ok");
  }
}

class AsyncHello extends SyncHello {
  override async do_GET(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Length", "2");
    this.end_headers();
    await this.wfile.write("ok");
  }
}

const HANDLERS: [string, typeof SyncHello][] = [
  ["a sync do_GET()", SyncHello],
  ["an async do_GET()", AsyncHello],
];
for (const [name, Handler] of HANDLERS) {
  test(`8 pipelined requests to ${name} are answered in order in one socket write`, async (t) => {
    const log = new LogCapture().start();
    t.after(() => log.stop());
    const writes: number[] = [];
    class Counted extends Handler {
      override setup(): void {
        countWrites(this, writes);
        super.setup();
      }
    }
    const s = await serve(Counted);
    t.after(() => s.close());
    const raw = await exchange(s.port, PIPELINED);
    assert.equal(countResponses(raw.toString("latin1")), 8);
    assert.deepEqual(writes, [raw.length], `socket writes: ${JSON.stringify(writes)}`);
    assert.equal(log.lines.filter((l) => l.includes('"GET /1 HTTP/1.1" 200 -')).length, 7);
  });
}

test("an overridden handle_one_request() is called for every request", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  let calls = 0;
  class Counting extends SyncHello {
    override async handle_one_request(): Promise<void> {
      calls++;
      await super.handle_one_request();
    }
  }
  const s = await serve(Counting);
  t.after(() => s.close());
  const raw = await exchange(s.port, PIPELINED);
  assert.equal(countResponses(raw.toString("latin1")), 8);
  assert.equal(calls, 8);
});

test("an overridden parse_request() is called and can refuse a request", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const seen: string[] = [];
  class Refusing extends SyncHello {
    override async parse_request(): Promise<boolean> {
      const ok = await super.parse_request();
      seen.push(this.path);
      if (ok && this.path === "/last") {
        this.send_error(403);
        return false;
      }
      return ok;
    }
  }
  const s = await serve(Refusing);
  t.after(() => s.close());
  const text = (await exchange(s.port, PIPELINED)).toString("latin1");
  assert.equal(seen.length, 8);
  assert.equal(seen[7], "/last");
  assert.match(text, /HTTP\/1\.1 403 Forbidden\r\n[\s\S]*$/);
  assert.equal(text.split("HTTP/1.1 200 OK").length - 1, 7);
});

test("a sync do_GET() that throws before answering gets a 500 and handle_error's report", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  class Throwing extends SyncHello {
    override do_GET(): void {
      throw new Error("boom");
    }
  }
  const s = await serve(Throwing);
  t.after(() => s.close());
  const text = (await exchange(s.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).toString("latin1");
  assert.match(text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
  await log.waitFor(/Error: boom/);
});

test("send_response() still calls overridden version_string(), date_time_string() and send_header()", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const sent: string[] = [];
  class Versions extends SyncHello {
    override version_string(): string {
      return "Mine/1";
    }
  }
  class Dates extends SyncHello {
    override date_time_string(): string {
      return "a fixed date";
    }
  }
  class Recorded extends SyncHello {
    override send_header(keyword: string, value: string | number): void {
      sent.push(keyword);
      super.send_header(keyword, value);
    }
  }
  class Renamed extends SyncHello {
    override do_GET(): void {
      this.server_version = this.path === "/b" ? "Second/2" : "First/1";
      super.do_GET();
    }
  }
  const head = async (Handler: typeof SyncHello, request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"): Promise<string> => {
    const s = await serve(Handler);
    try {
      return (await exchange(s.port, request)).toString("latin1");
    } finally {
      await s.close();
    }
  };
  assert.match(await head(Versions), /\r\nServer: Mine\/1\r\nDate: [A-Z]/);
  assert.match(await head(Dates), /\r\nServer: BaseHTTP\/0\.6 Node\.js\/[^\r]+\r\nDate: a fixed date\r\n/);
  await head(Recorded);
  assert.deepEqual(sent.slice(0, 2), ["Server", "Date"]);
  // A per-instance server_version is used for each response, not a cached one.
  const two = await head(Renamed, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(two, /Server: First\/1 Node\.js[^]*Server: Second\/2 Node\.js/);
});

const ANSWERED: Outcome = {
  closeConnection: false,
  switched: false,
  serverClosing: false,
  answered: true,
  status: 200,
  headRequest: false,
  delimited: true,
  bodyRead: true,
};

test("keepAlive() keeps a connection only when no reason to close applies, in order", () => {
  const rows: readonly { name: string; change: Partial<Outcome>; want: ReturnType<typeof keepAlive> }[] = [
    { name: "a delimited answer, body read", change: {}, want: "keep" },
    { name: "1. close_connection set", change: { closeConnection: true }, want: "close" },
    { name: "2. switched protocols", change: { switched: true }, want: "close" },
    { name: "3. the server is closing", change: { serverClosing: true }, want: "close" },
    { name: "4. nothing answered", change: { answered: false }, want: "close" },
    { name: "5. a body without a length", change: { delimited: false }, want: "close" },
    { name: "5. no length, but 204", change: { delimited: false, status: 204 }, want: "keep" },
    { name: "5. no length, but 304", change: { delimited: false, status: 304 }, want: "keep" },
    { name: "5. no length, but HEAD", change: { delimited: false, headRequest: true }, want: "keep" },
    { name: "5. no length, only 100 Continue sent", change: { delimited: false, status: 0 }, want: "keep" },
    { name: "6. body left unread", change: { bodyRead: false }, want: "drain" },
    { name: "1 before 6", change: { closeConnection: true, bodyRead: false }, want: "close" },
  ];
  for (const row of rows) {
    assert.equal(keepAlive({ ...ANSWERED, ...row.change }), row.want, row.name);
  }
});

test("a replacement rfile is read line by line: heads, HTTP/0.9 and refusals as from the socket", async (t) => {
  const log = new LogCapture().start();
  t.after(() => log.stop());
  const input = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b\r\n";
  class Replaced extends SyncHello {
    override setup(): void {
      super.setup();
      this.rfile = new BytesReader(input);
    }
  }
  const s = await serve(Replaced);
  t.after(() => s.close());
  const text = (await exchange(s.port, "")).toString("latin1");
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nokok$/, "/a with a head, then /b as HTTP/0.9 (a bare body)");
  class Refused extends SyncHello {
    override setup(): void {
      super.setup();
      this.rfile = new BytesReader("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n");
    }
  }
  const s2 = await serve(Refused);
  t.after(() => s2.close());
  assert.match((await exchange(s2.port, "")).toString("latin1"), /^HTTP\/1\.1 400 Bad header name\r\n/);
});
