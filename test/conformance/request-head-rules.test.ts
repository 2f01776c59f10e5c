/**
 * The request-head rules of RFC 9112 that a strict server enforces and
 * CPython does not: request-target forms (§3.2), `Host` (§3.2, RFC 9110
 * §7.2), `Connection: close` anywhere (RFC 9110 §7.6.1), empty lines before
 * a request line (§2.2), bytes that cannot start a request, and the head
 * deadline (`header_timeout`, 30 s by default).
 *
 * Strategy: raw-socket tables. Each row is the bytes sent on a fresh
 * connection, the status lines expected back, and whether the server closes
 * at once; a handler echoes `path`, `origin_path` and `request_host` so the
 * accepted rows show what a handler sees. The file server rows check that
 * absolute-form serves its path and that its redirect keeps scheme and
 * authority (CPython's test for gh-87389). Each row failed before the rules
 * (CPython's behaviour: served, or left waiting).
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { HEADER_TIMEOUT } from "../../src/protocol/limits.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { buildFileTree, type FileTree } from "../fixtures/file-tree.js";
import { servingDir } from "../helpers/handlers.js";
import { closed, LogCapture, open, readUntil, serve, splitResponse, type Running } from "../helpers/net.js";

/** Echoes what the handler sees, as `key=value` lines. */
class Echo extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override header_timeout = 0.4;
  do_GET(): void {
    const body = Buffer.from(`path=${this.path}\norigin_path=${this.origin_path}\nrequest_host=${String(this.request_host)}\n`, "latin1");
    this.send_response(200);
    this.send_header("Content-Length", body.length);
    this.end_headers();
    void this.wfile.write(body);
  }
  do_OPTIONS(): void {
    this.do_GET();
  }
}

/**
 * Sends `data` on a fresh connection; resolves once the server has closed,
 * or (unless a close is expected) `expected` responses have arrived and no
 * close followed within 200 ms, or 10 s have passed (a busy machine). The summary: each status, then `closed` or `open`.
 */
async function exchangeSummary(port: number, data: string | Buffer, expected: number, expectClose: boolean): Promise<{ summary: string; raw: string }> {
  const socket = await open(port);
  socket.on("error", () => {});
  const parts: Buffer[] = [];
  const statusesOf = (): string[] => [...Buffer.concat(parts).toString("latin1").matchAll(/(?:^|\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => m[1]!);
  let isClosed = false;
  const done = new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, 10_000);
    let settle: NodeJS.Timeout | null = null;
    const check = (): void => {
      if (!expectClose && settle === null && statusesOf().length >= expected) settle = setTimeout(resolve, 200);
    };
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      check();
    });
    socket.on("close", () => {
      isClosed = true;
      clearTimeout(deadline);
      if (settle !== null) clearTimeout(settle);
      resolve();
    });
    check();
  });
  socket.write(data);
  await done;
  socket.destroy();
  const raw = Buffer.concat(parts).toString("latin1");
  return { summary: `${statusesOf().join(" ")} ${isClosed ? "closed" : "open"}`.trim(), raw };
}

interface Row {
  name: string;
  send: string | Buffer;
  /** Statuses, then `closed` (the server closed within the wait) or `open`. */
  want: string;
  /** For accepted rows: lines the echo must contain. */
  sees?: string[];
}

const H = "Host: x\r\n";
const get = (target: string, extra = H): string => `GET ${target} HTTP/1.1\r\n${extra}\r\n`;

const rows: Row[] = [
  // Request-target forms (RFC 9112 §3.2).
  { name: "origin-form", send: get("/a?b"), want: "200 open", sees: ["path=/a?b", "origin_path=/a?b", "request_host=x"] },
  { name: "absolute-form: path served, authority is the host", send: get("http://h.example:8080/a?b"), want: "200 open", sees: ["path=http://h.example:8080/a?b", "origin_path=/a?b", "request_host=h.example:8080"] },
  { name: "absolute-form without a path", send: get("http://h.example"), want: "200 open", sees: ["origin_path=/", "request_host=h.example"] },
  { name: "absolute-form overrides Host (§3.2.2)", send: get("http://a.example/", "Host: b.example\r\n"), want: "200 open", sees: ["request_host=a.example"] },
  { name: "absolute-form with userinfo", send: get("http://u@h/"), want: "400 closed" },
  { name: "absolute-form http with an empty host", send: get("http:///a"), want: "400 closed" },
  { name: "scheme without //", send: get("http:/a"), want: "400 closed" },
  { name: "no leading slash", send: get("a/b"), want: "400 closed" },
  { name: "backslash first", send: get("\\a"), want: "400 closed" },
  { name: "asterisk-form with GET", send: get("*"), want: "400 closed" },
  { name: "asterisk-form with OPTIONS", send: `OPTIONS * HTTP/1.1\r\n${H}\r\n`, want: "200 open", sees: ["path=*", "origin_path="] },
  { name: "authority-form with GET", send: get("x.example:80"), want: "400 closed" },
  { name: "CONNECT with origin-form", send: `CONNECT / HTTP/1.1\r\n${H}\r\n`, want: "400 closed" },
  { name: "CONNECT authority-form, no do_CONNECT", send: `CONNECT x.example:443 HTTP/1.1\r\n${H}\r\n`, want: "501 closed" },
  { name: "HTTP/0.9 with a path", send: "GET /a\r\n", want: "closed" },
  { name: "two words, the second not a path: not HTTP/0.9", send: "GET a.txt\r\n", want: "400 closed" },
  // Host (RFC 9112 §3.2: MUST 400).
  { name: "two Host fields", send: get("/", "Host: a\r\nHost: b\r\n"), want: "400 closed" },
  { name: "two Host fields, same value", send: get("/", "Host: a\r\nHost: a\r\n"), want: "400 closed" },
  { name: "Host with a space", send: get("/", "Host: a b\r\n"), want: "400 closed" },
  { name: "Host with userinfo", send: get("/", "Host: u@a\r\n"), want: "400 closed" },
  { name: "Host with a path", send: get("/", "Host: a/b\r\n"), want: "400 closed" },
  { name: "Host with a non-numeric port", send: get("/", "Host: a:b\r\n"), want: "400 closed" },
  { name: "Host with an unclosed IPv6 literal", send: get("/", "Host: [::1\r\n"), want: "400 closed" },
  { name: "Host with obs-text", send: get("/", "Host: \xe9\r\n"), want: "400 closed" },
  { name: "Host [::1]:8000", send: get("/", "Host: [::1]:8000\r\n"), want: "200 open", sees: ["request_host=[::1]:8000"] },
  { name: "Host with a percent-encoded reg-name", send: get("/", "Host: a%2Db.example\r\n"), want: "200 open" },
  { name: "empty Host (RFC 9110 §7.2)", send: get("/", "Host:\r\n"), want: "200 open", sees: ["request_host="] },
  { name: "no Host in HTTP/1.1: served, as CPython (documented leniency)", send: get("/", ""), want: "200 open", sees: ["request_host=null"] },
  // Connection (RFC 9110 §7.6.1).
  { name: "Connection: keep-alive, close", send: get("/", `${H}Connection: keep-alive, close\r\n`), want: "200 closed" },
  { name: "Connection in two field lines", send: get("/", `${H}Connection: keep-alive\r\nConnection: close\r\n`), want: "200 closed" },
  { name: "Connection: CLOSE", send: get("/", `${H}Connection: CLOSE\r\n`), want: "200 closed" },
  { name: "Connection: foo ,  close  ", send: get("/", `${H}Connection: foo ,  close  \r\n`), want: "200 closed" },
  { name: "Connection: closed (not close)", send: get("/", `${H}Connection: closed\r\n`), want: "200 open" },
  { name: "HTTP/1.0 Connection: Keep-Alive, foo", send: `GET / HTTP/1.0\r\nConnection: Keep-Alive, foo\r\n\r\n`, want: "200 open" },
  // Empty lines before a request line (RFC 9112 §2.2).
  { name: "CRLF before the request line", send: "\r\n" + get("/"), want: "200 open" },
  { name: "bare LFs before the request line", send: "\n\n" + get("/"), want: "200 open" },
  { name: "an empty line between pipelined requests", send: get("/1") + "\r\n" + get("/2"), want: "200 200 open" },
  { name: "10,000 empty lines (20 KB) before a request", send: "\r\n".repeat(10_000) + get("/"), want: "200 open" },
  { name: "more than 64 KiB of empty lines", send: "\r\n".repeat(40_000) + get("/"), want: "400 closed" },
  { name: "only empty lines, then nothing", send: "\r\n\r\n", want: "open" },
  // Bytes that cannot start a request: 400 at once, no line end needed.
  { name: "TLS ClientHello", send: Buffer.from("16030100a5010000a10303" + "00".repeat(32), "hex"), want: "400 closed" },
  { name: "NUL byte", send: Buffer.from([0]), want: "400 closed" },
  { name: "binary garbage", send: Buffer.from([0xff, 0xfe, 0x01]), want: "400 closed" },
  { name: "a control byte later in an unfinished line waits for the line end (then 400 with the line quoted)", send: "GET /a\x01", want: "open" },
  { name: "a printable start still waits for its line end", send: "GET /a", want: "open" },
];

describe("request-head rules (raw sockets)", { concurrency: 4 }, () => {
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    log = new LogCapture().start();
    server = (await serve(Echo)) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
  });

  for (const row of rows) {
    test(row.name, async () => {
      const { summary, raw } = await exchangeSummary(server.port, row.send, row.want.split(" ").length - 1, row.want.endsWith("closed"));
      assert.equal(summary, row.want, raw.slice(0, 300));
      for (const line of row.sees ?? []) assert.ok(raw.includes(`\n${line}\n`) || raw.includes(`\r\n\r\n${line}\n`), `${line} in ${JSON.stringify(raw)}`);
      if (/^400/.test(row.want)) assert.match(raw, /\r\nConnection: close\r\n/);
    });
  }

  test("header_timeout defaults to 30 s", () => {
    assert.equal(HEADER_TIMEOUT, 30);
    assert.equal(BaseHTTPRequestHandler.prototype.header_timeout, 30);
  });

  test("a client trickling its head a byte every 50 ms is cut off at header_timeout (0.4 s here) with 408", async () => {
    const socket = await open(server.port);
    socket.on("error", () => {});
    // 400 bytes: 20 s of dripping, far past the deadline.
    const head = `GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(370)}\r\n\r\n`;
    const started = Date.now();
    let i = 0;
    const drip = setInterval(() => {
      if (i < head.length && !socket.destroyed) socket.write(head[i++]!);
    }, 50);
    try {
      const got = await readUntil(socket, (b) => b.includes("\r\n\r\n"));
      const elapsed = Date.now() - started;
      assert.match(got.toString("latin1"), /^HTTP\/1\.1 408 /);
      assert.ok(elapsed >= 350 && elapsed < 10_000, `cut off after ${elapsed} ms`);
      assert.ok(i < head.length, "still sending when cut off");
      await closed(socket);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });
});

describe("absolute-form at the file server", () => {
  let tree: FileTree;
  let server: Running<never>;
  let log: LogCapture;
  before(async () => {
    tree = await buildFileTree({ big: false });
    log = new LogCapture().start();
    server = (await serve(servingDir(tree.root, SimpleHTTPRequestHandler, "HTTP/1.1"))) as Running<never>;
  });
  after(async () => {
    await server.close();
    log.stop();
    await tree.remove();
  });

  const request = async (target: string): Promise<ReturnType<typeof splitResponse>> => {
    const socket = await open(server.port);
    socket.on("error", () => {});
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => parts.push(d));
    const done = closed(socket);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    await done;
    return splitResponse(Buffer.concat(parts));
  };

  test("GET http://host/a.txt serves /a.txt", async () => {
    const r = await request("http://127.0.0.1/a.txt");
    assert.equal(r.status, "HTTP/1.1 200 OK");
    assert.equal(r.body, "hello, world\n");
  });
  test("GET http://host/sub/b.txt?q serves /sub/b.txt", async () => {
    const r = await request("http://x.example/sub/b.txt?q=1");
    assert.equal(r.body, "in sub\n");
  });
  test("GET http://host (no path) redirects to http://host/, which lists the root", async () => {
    const r = await request("http://x.example");
    assert.equal(r.status, "HTTP/1.1 301 Moved Permanently");
    assert.equal(r.headers["location"], "http://x.example/");
    const listing = await request("http://x.example/");
    assert.equal(listing.status, "HTTP/1.1 200 OK");
    assert.match(listing.body, /a\.txt/);
  });
  test("the directory redirect keeps scheme and authority (CPython's gh-87389 test)", async () => {
    const r = await request("https://pypi.org//python.org/../sub");
    assert.equal(r.status, "HTTP/1.1 301 Moved Permanently");
    assert.ok(r.headers["location"]!.startsWith("https://pypi.org/"), r.headers["location"]);
    assert.equal(r.headers["location"], "https://pypi.org//python.org/../sub/");
  });
  test("absolute-form cannot climb out of the directory", async () => {
    const r = await request("http://x/../../etc/passwd");
    assert.equal(r.status, "HTTP/1.1 404 File not found");
  });
});
