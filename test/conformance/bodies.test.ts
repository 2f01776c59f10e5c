/**
 * Request bodies nobody reads, and responses that say `Connection: close`
 * when the server will close after them (RFC 9112 §6.3, §9.6).
 *
 * Strategy: raw-socket tables over HTTP/1.1 keep-alive, each row the bytes
 * sent (a request with a body, usually followed by a pipelined GET) and the
 * status lines that must come back, whether they say `Connection: close`, and
 * whether the server then closes. Servers: the file server (GET/HEAD discard
 * a body before answering) and a handler that never reads its body (the
 * server drains it afterwards), both with `max_drain_bytes` lowered to 1 KiB
 * so "past the limit" is a small input. Before the fixes, a valid unread
 * chunked body closed the connection (the pipelined GET was never answered),
 * the file server sent 200 and then closed on a malformed chunked body, and
 * no response said `Connection: close` before a close of the server's own.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { buildFileTree, type FileTree } from "../fixtures/file-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { closed, exchange, LogCapture, open, readUntil, serve, type Running } from "../helpers/net.js";

const DRAIN = 1024;

/** Each response of `raw`: status code and whether it said `Connection: close`. */
function responses(raw: Buffer): { status: number; close: boolean }[] {
  const out: { status: number; close: boolean }[] = [];
  const text = raw.toString("latin1");
  let at = 0;
  while (at < text.length && text.startsWith("HTTP/", at)) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) break;
    const head = text.slice(at, end);
    out.push({ status: Number(head.split(" ")[1]), close: /\r\nConnection: close(\r\n|$)/i.test(head) });
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (m === null) break;
    // A response to HEAD has a length but no body: the next status line follows at once.
    at = end + 4 + (text.startsWith("HTTP/1.", end + 4) ? 0 : Number(m[1]));
  }
  return out;
}

const NEXT = "GET /ten.txt HTTP/1.1\r\nHost: x\r\n\r\n";
const chunked = (body: string): string => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

interface Row {
  name: string;
  send: string;
  /** Status of each response, and `c` after one that says Connection: close. */
  want: string;
}

/** `"200 200"`, `"400c"`: statuses in order, `c` marking `Connection: close`. */
function summary(raw: Buffer): string {
  return responses(raw)
    .map((r) => `${r.status}${r.close ? "c" : ""}`)
    .join(" ");
}

/**
 * Sends `row.send` on a keep-alive connection and reads until the server
 * closes, or until it has been idle for a moment with the connection open
 * (then `open` is appended to the summary).
 */
async function run(port: number, send: string): Promise<string> {
  const socket = await open(port);
  socket.on("error", () => {});
  socket.write(send);
  const parts: Buffer[] = [];
  socket.on("data", (d: Buffer) => parts.push(d));
  const ended = closed(socket).then(() => "closed" as const);
  // The handler answers within milliseconds; a keep-alive connection is idle after.
  let settled: "closed" | "open" = "open";
  for (let i = 0; i < 40 && settled === "open"; i++) {
    settled = await Promise.race([ended, new Promise<"open">((r) => setTimeout(() => r("open"), 25))]);
    if (settled === "open" && parts.length > 0) {
      const before = Buffer.concat(parts).length;
      await new Promise((r) => setTimeout(r, 100));
      if (Buffer.concat(parts).length === before && !socket.destroyed) break;
    }
  }
  const raw = Buffer.concat(parts);
  const state = socket.destroyed || socket.readableEnded ? "closed" : "open";
  socket.destroy();
  return `${summary(raw)} ${state}`;
}

describe("file server: GET/HEAD discard a request body before answering", () => {
  let tree: FileTree;
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    tree = await buildFileTree({ big: false });
    log = new LogCapture().start();
    const Base = servingDir(tree.root, SimpleHTTPRequestHandler, "HTTP/1.1");
    server = (await serve(
      class extends Base {
        override max_drain_bytes = DRAIN;
      },
    )) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
    await tree.remove();
  });

  const rows: Row[] = [
    { name: "GET with a Content-Length body, then a pipelined GET", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello${NEXT}`, want: "200 200 open" },
    { name: "GET with a chunked body, then a pipelined GET", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked("hello")}${NEXT}`, want: "200 200 open" },
    { name: "HEAD with a chunked body, then a pipelined GET", send: `HEAD /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked("hello")}${NEXT}`, want: "200 200 open" },
    { name: "GET of a directory listing with a chunked body", send: `GET /sub/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked("x")}${NEXT}`, want: "200 200 open" },
    { name: "GET of a 404 with a chunked body (the error closes)", send: `GET /nope HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked("x")}${NEXT}`, want: "404c closed" },
    { name: "GET with a malformed chunked body: 400, no 200", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n${NEXT}`, want: "400c closed" },
    { name: "GET with chunk data longer than its size: 400, no 200", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n`, want: "400c closed" },
    { name: "HEAD with a malformed chunked body: 400, no 200", send: `HEAD /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n`, want: "400c closed" },
    { name: "GET with a Content-Length body past max_drain_bytes: 200 saying close", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: ${DRAIN + 1}\r\n\r\n${"x".repeat(DRAIN + 1)}${NEXT}`, want: "200c closed" },
    { name: "GET with a chunked body past max_drain_bytes: 200 saying close", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked("x".repeat(DRAIN))}${NEXT}`, want: "200c closed" },
    { name: "GET with a body of exactly max_drain_bytes (Content-Length)", send: `GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: ${DRAIN}\r\n\r\n${"x".repeat(DRAIN)}${NEXT}`, want: "200 200 open" },
  ];
  for (const row of rows) {
    test(row.name, async () => assert.equal(await run(server.port, row.send), row.want));
  }

  test("a chunked body that arrives slowly is read before the answer", async () => {
    const socket = await open(server.port);
    socket.write("GET /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    const early = await Promise.race([readUntil(socket, () => true).then(() => "answered"), new Promise((r) => setTimeout(() => r("waiting"), 150))]);
    assert.equal(early, "waiting", "no answer before the body is complete");
    socket.write("lo\r\n0\r\n\r\n" + NEXT);
    const raw = await readUntil(socket, (b) => responses(b).length === 2 && b.toString("latin1").endsWith("0123456789"));
    assert.equal(summary(raw), "200 200");
    socket.destroy();
  });
});

describe("a handler that never reads its body: the server drains it (chunked too)", () => {
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    log = new LogCapture().start();
    server = (await serve(
      class extends BaseHTTPRequestHandler {
        override protocol_version = "HTTP/1.1";
        override max_drain_bytes = DRAIN;
        do_GET(): void {
          const body = Buffer.from(this.path === "/nolength" ? "unframed" : "ok");
          this.send_response(200);
          if (this.path !== "/nolength") this.send_header("Content-Length", body.length);
          this.end_headers();
          void this.wfile.write(body);
        }
        do_POST(): void {
          this.do_GET();
        }
      },
    )) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
  });

  const post = (headers: string, body: string): string => `POST /p HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`;
  const rows: Row[] = [
    { name: "unread chunked body, then a pipelined GET: both answered", send: post("Transfer-Encoding: chunked\r\n", chunked("hello")) + NEXT, want: "200 200 open" },
    { name: "unread chunked body with extensions and trailers", send: post("Transfer-Encoding: chunked\r\n", `5;a=b;c="d"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`) + NEXT, want: "200 200 open" },
    { name: "unread chunked body of many chunks", send: post("Transfer-Encoding: chunked\r\n", "1\r\na\r\n".repeat(100) + "0\r\n\r\n") + NEXT, want: "200 200 open" },
    { name: "unread chunked body past max_drain_bytes: closed", send: post("Transfer-Encoding: chunked\r\n", chunked("x".repeat(DRAIN))) + NEXT, want: "200 closed" },
    { name: "unread malformed chunked body: closed after the answer", send: post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\nzz\r\n") + NEXT, want: "200 closed" },
    { name: "unread Content-Length body, then a pipelined GET", send: post("Content-Length: 5\r\n", "hello") + NEXT, want: "200 200 open" },
    { name: "unread Content-Length body past max_drain_bytes: closed", send: post(`Content-Length: ${DRAIN + 1}\r\n`, "x".repeat(DRAIN + 1)) + NEXT, want: "200 closed" },
    // Connection: close announced when the server knows it will close.
    { name: "a response without a length says Connection: close", send: "GET /nolength HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT, want: "200c closed" },
    { name: "HTTP/1.0 without keep-alive: no Connection header (as CPython)", send: "GET /nolength HTTP/1.0\r\n\r\n", want: "200 closed" },
    { name: "the client's own Connection: close is not echoed (as CPython)", send: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", want: "200 closed" },
    { name: "an error page says Connection: close", send: "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", want: "400c closed" },
  ];
  for (const row of rows) {
    test(row.name, async () => assert.equal(await run(server.port, row.send), row.want));
  }

  test("a half-closed client with an unread chunked body still gets both answers", async () => {
    const raw = await exchange(server.port, post("Transfer-Encoding: chunked\r\n", chunked("hello")) + NEXT, { end: true });
    assert.equal(summary(raw), "200 200");
  });
});
