/**
 * A client that half-closes after sending (`shutdown(SHUT_WR)`, `nc -N`,
 * HTTP/0.9 tools, a TLS `close_notify`) still gets every response it asked
 * for, in full, and the access log says what was sent.
 *
 * Strategy: one table of raw requests, each sent and followed at once by a
 * FIN (or, over TLS, `close_notify` + FIN); the client then reads until the
 * server closes. Each row runs against the file server (small file twice, so
 * the second comes from the cache; a 5 MiB streamed file; a listing; a 404),
 * a CGI script and a plain handler, for HTTP/0.9, 1.0, 1.1 and pipelined
 * batches. Before the fix (Node's default `allowHalfOpen: false`) the socket
 * ended itself on the client's FIN and every one of these got 0 bytes.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as tlsConnect } from "node:tls";
import { readFileSync } from "node:fs";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { CGIHTTPRequestHandler } from "../../src/cgi/cgi-handler.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { ThreadingHTTPSServer } from "../../src/server/https-server.js";
import { buildFileTree, BIG_SIZE, type FileTree } from "../fixtures/file-tree.js";
import { makeCgiSite } from "../cgi/fixture.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { servingDir } from "../helpers/handlers.js";
import { exchange, LogCapture, serve, type Running } from "../helpers/net.js";

/** Statuses of the responses in `raw`, in order (bodies skipped by Content-Length). */
function statuses(raw: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  const text = raw.toString("latin1");
  while (at < text.length) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1 || !text.startsWith("HTTP/", at)) break;
    const head = text.slice(at, end);
    out.push(head.slice(0, head.indexOf("\r\n")).split(" ")[1]!);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (m === null) break; // unframed: runs to the close
    at = end + 4 + Number(m[1]);
  }
  return out;
}

/** Content-Length framed body size of the first response. */
function firstBodyLength(raw: Buffer): number {
  const text = raw.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  return raw.length - (end + 4);
}

interface Row {
  name: string;
  request: string;
  /** Checks on everything received before the server closed. */
  expect: (raw: Buffer) => void;
}

const get = (path: string, version: string, extra = ""): string =>
  version === "0.9" ? `GET ${path}\r\n` : `GET ${path} HTTP/${version}\r\nHost: localhost\r\n${extra}\r\n`;

describe("half-close after the request: the response still arrives", () => {
  let tree: FileTree;
  let files: Running<never>;
  let log: LogCapture;
  before(async () => {
    tree = await buildFileTree();
    log = new LogCapture().start();
    files = (await serve(servingDir(tree.root, SimpleHTTPRequestHandler, "HTTP/1.1"))) as Running<never>;
  });
  after(async () => {
    await files.close();
    log.stop();
    await tree.remove();
  });

  const small = "hello, world\n";
  const rows: Row[] = [];
  for (const v of ["1.0", "1.1"]) {
    rows.push(
      { name: `HTTP/${v} small file`, request: get("/a.txt", v), expect: (r) => assert.ok(r.toString("latin1").endsWith("\r\n\r\n" + small)) },
      { name: `HTTP/${v} small file again (cached)`, request: get("/a.txt", v), expect: (r) => assert.ok(r.toString("latin1").endsWith("\r\n\r\n" + small)) },
      { name: `HTTP/${v} 5 MiB file (streamed)`, request: get("/movie.mp4", v), expect: (r) => assert.equal(firstBodyLength(r), BIG_SIZE) },
      { name: `HTTP/${v} listing`, request: get("/sub/", v), expect: (r) => assert.match(r.toString("latin1"), /alpha\.txt[\s\S]*<\/html>\n$/) },
      { name: `HTTP/${v} 404 error page`, request: get("/nope", v), expect: (r) => assert.match(r.toString("latin1"), /^HTTP\/1\.1 404 [\s\S]*<\/html>\n$/) },
      { name: `HTTP/${v} 301 directory redirect`, request: get("/sub", v), expect: (r) => assert.deepEqual(statuses(r), ["301"]) },
      { name: `HTTP/${v} HEAD`, request: `HEAD /a.txt HTTP/${v}\r\nHost: x\r\n\r\n`, expect: (r) => assert.match(r.toString("latin1"), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/) },
    );
  }
  rows.push(
    { name: "HTTP/0.9 small file", request: get("/a.txt", "0.9"), expect: (r) => assert.equal(r.toString("latin1"), small) },
    { name: "HTTP/0.9 5 MiB file", request: get("/movie.mp4", "0.9"), expect: (r) => assert.equal(r.length, BIG_SIZE) },
    { name: "HTTP/0.9 404 (bare page)", request: get("/nope", "0.9"), expect: (r) => assert.match(r.toString("latin1"), /^<!DOCTYPE HTML>[\s\S]*404/) },
    {
      name: "HTTP/1.1 pipelined batch of four",
      request: get("/a.txt", "1.1") + get("/sub/b.txt", "1.1") + get("/nope", "1.1") + get("/ten.txt", "1.1"),
      expect: (r) => {
        assert.deepEqual(statuses(r), ["200", "200", "404"]); // the 404 closes: the fourth is not answered
      },
    },
    {
      name: "HTTP/1.1 pipelined batch with the 5 MiB file first",
      request: get("/movie.mp4", "1.1") + get("/a.txt", "1.1") + get("/ten.txt", "1.1"),
      expect: (r) => {
        assert.deepEqual(statuses(r), ["200", "200", "200"]);
        assert.ok(r.toString("latin1").endsWith("0123456789"));
      },
    },
    {
      name: "HTTP/1.0 keep-alive pipelined pair",
      request: get("/a.txt", "1.0", "Connection: keep-alive\r\n") + get("/ten.txt", "1.0"),
      expect: (r) => assert.deepEqual(statuses(r), ["200", "200"]),
    },
    {
      name: "malformed request: the 400 arrives",
      request: "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
      expect: (r) => assert.match(r.toString("latin1"), /^HTTP\/1\.1 400 /),
    },
  );

  for (const row of rows) {
    test(row.name, async () => {
      const raw = await exchange(files.port, row.request, { end: true });
      assert.ok(raw.length > 0, "no response at all");
      row.expect(raw);
    });
  }

  test("the access log records the 200 the client received", async () => {
    const marker = `/a.txt?half-close-${process.pid}`;
    const raw = await exchange(files.port, get(marker, "1.0"), { end: true });
    assert.match(raw.toString("latin1"), /^HTTP\/1\.1 200 OK\r\n/);
    const line = await log.waitFor(new RegExp(`"GET ${marker.replace(/[?.]/g, "\\$&")} HTTP/1\\.0" 200 `));
    assert.ok(line.length > 0);
  });
});

describe("half-close: CGI output and a plain handler", () => {
  let site: { root: string; cleanup: () => Promise<void> };
  let cgi: Running<never>;
  let plain: Running<never>;
  let log: LogCapture;
  before(async () => {
    site = await makeCgiSite();
    log = new LogCapture().start();
    cgi = (await serve(servingDir(site.root, CGIHTTPRequestHandler))) as Running<never>;
    plain = (await serve(
      class extends BaseHTTPRequestHandler {
        override protocol_version = "HTTP/1.1";
        async do_GET(): Promise<void> {
          // Answers a tick later, after the FIN has certainly been seen.
          await new Promise((r) => setTimeout(r, 20));
          const body = Buffer.from(`path ${this.path}\n`);
          this.send_response(200);
          this.send_header("Content-Length", body.length);
          this.end_headers();
          await this.wfile.write(body);
        }
      },
    )) as Running<never>;
  });
  after(async () => {
    await cgi.close();
    await plain.close();
    log.stop();
    await site.cleanup();
  });

  test("CGI script output (HTTP/1.0)", async () => {
    const raw = await exchange(cgi.port, "GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n", { end: true });
    assert.match(raw.toString("latin1"), /^HTTP\/1\.0 200 Script output follows\r\n[\s\S]*REQUEST_METHOD=GET\n[\s\S]*argc=1\n/);
  });

  test("CGI error page (missing script)", async () => {
    const raw = await exchange(cgi.port, "GET /cgi-bin/none.sh HTTP/1.0\r\n\r\n", { end: true });
    assert.match(raw.toString("latin1"), /^HTTP\/1\.0 404 No such CGI script/);
  });

  for (const [name, request, count] of [
    ["HTTP/0.9", "GET /x\r\n", 0],
    ["HTTP/1.0", "GET /x HTTP/1.0\r\n\r\n", 1],
    ["HTTP/1.1", "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", 1],
    ["HTTP/1.1 three pipelined", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n", 3],
  ] as const) {
    test(`async handler answering after the FIN: ${name}`, async () => {
      const raw = await exchange(plain.port, request, { end: true });
      const text = raw.toString("latin1");
      if (count === 0) assert.equal(text, "path /x\n");
      else assert.equal(text.split("HTTP/1.1 200 OK\r\n").length - 1, count, text);
    });
  }
});

const generated = await getTestCerts();
describe("half-close over TLS (close_notify from the client)", { skip: generated.skip }, () => {
  const certs = generated.certs as TestCerts;
  let tree: FileTree;
  let server: Running<ThreadingHTTPSServer>;
  let log: LogCapture;
  before(async () => {
    tree = await buildFileTree();
    log = new LogCapture().start();
    const Handler = servingDir(tree.root, SimpleHTTPRequestHandler, "HTTP/1.1");
    server = await serve(Handler, {
      ServerClass: class extends ThreadingHTTPSServer {
        constructor(address: [string, number], H: never) {
          super(address, H, true, { certfile: certs.rsaCert, keyfile: certs.rsaKey });
        }
      } as never,
    });
  });
  after(async () => {
    await server.close();
    log.stop();
    await tree.remove();
  });

  /** Sends `request` over TLS, then close_notify + FIN; resolves with all that comes back. */
  function tlsExchange(request: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      const s = tlsConnect({ port: server.port, host: "127.0.0.1", ca: readFileSync(certs.ca), servername: "localhost" }, () => {
        s.end(request);
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error("no close within 10 s"));
      }, 10_000);
      s.on("data", (d: Buffer) => parts.push(d));
      s.on("error", () => {});
      s.on("close", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(parts));
      });
    });
  }

  test("small file", async () => {
    const raw = await tlsExchange(get("/a.txt", "1.1"));
    assert.ok(raw.toString("latin1").endsWith("\r\n\r\nhello, world\n"), raw.toString("latin1"));
  });
  test("5 MiB file", async () => {
    const raw = await tlsExchange(get("/movie.mp4", "1.0"));
    assert.equal(firstBodyLength(raw), BIG_SIZE);
  });
  test("pipelined pair", async () => {
    const raw = await tlsExchange(get("/a.txt", "1.1") + get("/ten.txt", "1.1"));
    assert.deepEqual(statuses(raw), ["200", "200"]);
  });
});
