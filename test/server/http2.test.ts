/**
 * HTTP/2 (server/http2.ts, handler/h2-stream.ts): unmodified HTTP/1.1
 * handlers served per stream, over cleartext prior knowledge and TLS ALPN,
 * with foreign clients (curl, Python's h2, h2load) and node:http2's client.
 *
 * Strategy: each test starts its own server on 127.0.0.1:0 (`serveFor`, closed
 * by `t.after`). Attack classes (rapid reset, PING/SETTINGS floods) are sent
 * for real and must end in GOAWAY ENHANCE_YOUR_CALM with the server still
 * answering a new connection. Tools missing on the machine skip their tests
 * with the reason (`.ci/run` and the test setup install them).
 */

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:http2";
import { connect as netConnect } from "node:net";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { CGIHTTPRequestHandler } from "../../src/cgi/cgi-handler.js";
import { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { ThreadingHTTPSServer } from "../../src/server/https-server.js";
import { BrokenPipeError } from "../../src/handler/wfile.js";
import { PREFACE } from "../../src/server/http2.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { run, serveFor } from "../helpers/net.js";
import { client, h2server, quiet, request } from "../helpers/h2.js";

const root = mkdtempSync(join(tmpdir(), "h2-test-"));
chmodSync(root, 0o755); // CGI scripts run as nobody when the tests run as root
writeFileSync(join(root, "a.txt"), "hello\n");
writeFileSync(join(root, "big.bin"), Buffer.alloc(4 * 1024 * 1024, 7));
mkdirSync(join(root, "sub"));
writeFileSync(join(root, "sub", "x.txt"), "x");
mkdirSync(join(root, "cgi-bin"));
writeFileSync(
  join(root, "cgi-bin", "echo.py"),
  "#!/usr/bin/env python3\nimport os, sys\nbody = sys.stdin.read(int(os.environ.get('CONTENT_LENGTH') or 0))\nprint('Content-Type: text/plain')\nprint()\nprint(os.environ['REQUEST_METHOD'], os.environ['SERVER_PROTOCOL'], os.environ.get('HTTP_HOST'), body)\n",
  { mode: 0o755 },
);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function available(cmd: string, args: string[]): Promise<string | false> {
  return run(cmd, args).then(
    () => false,
    (e: Error) => `${cmd} is not available (${e.message.split("\n")[0]})`,
  );
}
const skipCurl = await available("curl", ["--version"]);
const skipH2load = await available("h2load", ["--version"]);
const skipPyH2 = await available("/usr/bin/python3", ["-c", "import h2.connection"]);
const generated = await getTestCerts();

class Files extends SimpleHTTPRequestHandler {
  override directory = root;
}

/** Reports what the handler saw, and echoes the body. */
class Info extends BaseHTTPRequestHandler {
  async do_GET(): Promise<void> {
    const body = Buffer.from(
      JSON.stringify({
        command: this.command,
        path: this.path,
        version: this.request_version,
        requestline: this.requestline,
        host: this.headers.get("Host"),
        ua: this.headers.get("User-Agent"),
      }),
    );
    this.send_response(200);
    this.send_header("Content-Type", "application/json");
    this.send_header("Content-Length", body.length);
    this.send_header("Connection", "keep-alive");
    this.end_headers();
    await this.wfile.write(body);
  }
  async do_POST(): Promise<void> {
    const body = await this.read_body();
    this.send_response(200);
    this.send_header("Content-Length", body.length);
    this.end_headers();
    await this.wfile.write(body);
  }
  async do_PUT(): Promise<void> {
    // A chunked HTTP/1.1 response: de-chunked into DATA, Transfer-Encoding never sent.
    const body = await this.read_body();
    this.send_response(201);
    this.send_header("Transfer-Encoding", "chunked");
    this.end_headers();
    await this.wfile.write(`${body.length.toString(16)}\r\n`);
    await this.wfile.write(body);
    await this.wfile.write("\r\n0\r\n\r\n");
  }
}
Info.prototype.protocol_version = "HTTP/1.1";

describe("HTTP/2 over cleartext (prior knowledge)", () => {
  test("without http2 the preface gets today's HTTP/1 answer", async (t) => {
    quiet(t);
    const s = await serveFor(t, Files);
    const reply = await new Promise<string>((resolve) => {
      const sock = netConnect(s.port, "127.0.0.1", () => sock.write(PREFACE));
      let text = "";
      sock.on("data", (d) => (text += d.toString("latin1")));
      sock.on("close", () => resolve(text));
      sock.on("error", () => {});
    });
    assert.match(reply, /^HTTP\/1\.[01] 505 /);
  });

  test("a handler sees command, path, HTTP/2.0, Host from :authority; connection fields are dropped and logged once", async (t) => {
    const log = quiet(t);
    const s = await h2server(t, Info);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const r = await request(c, { ":path": "/p?q=1", "user-agent": "t" });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.toString()), {
      command: "GET",
      path: "/p?q=1",
      version: "HTTP/2.0",
      requestline: "GET /p?q=1 HTTP/2.0",
      host: `127.0.0.1:${s.port}`,
      ua: "t",
    });
    assert.equal(r.headers["connection"], undefined);
    await log.waitFor(/"GET \/p\?q=1 HTTP\/2\.0" 200 -/);
  });

  test("bodies both ways: POST with and without content-length, PUT answered chunked", async (t) => {
    quiet(t);
    const s = await h2server(t, Info);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const big = Buffer.alloc(300_000, 0x61);
    const a = await request(c, { ":method": "POST", ":path": "/", "content-length": String(big.length) }, big);
    assert.equal(a.status, 200);
    assert.equal(a.body.length, big.length);
    const b = await request(c, { ":method": "POST", ":path": "/" }, "no length");
    assert.equal(b.body.toString(), "no length");
    const p = await request(c, { ":method": "PUT", ":path": "/" }, "put me");
    assert.equal(p.status, 201);
    assert.equal(p.body.toString(), "put me");
    assert.equal(p.headers["transfer-encoding"], undefined);
  });

  test("SimpleHTTPRequestHandler per stream: file, HEAD, range, 304, 404, listing, 50 concurrent streams on one connection", async (t) => {
    quiet(t);
    const s = await h2server(t, Files);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const file = await request(c, { ":path": "/a.txt" });
    assert.equal(file.status, 200);
    assert.equal(file.body.toString(), "hello\n");
    const head = await request(c, { ":method": "HEAD", ":path": "/a.txt" });
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-length"], "6");
    assert.equal(head.body.length, 0);
    const range = await request(c, { ":path": "/a.txt", range: "bytes=1-2" });
    assert.equal(range.status, 206);
    assert.equal(range.body.toString(), "el");
    const etag = String(file.headers["etag"]);
    const cond = await request(c, { ":path": "/a.txt", "if-none-match": etag });
    assert.equal(cond.status, 304);
    assert.equal((await request(c, { ":path": "/nope" })).status, 404);
    const listing = await request(c, { ":path": "/sub/" });
    assert.match(listing.body.toString(), /x\.txt/);
    const many = await Promise.all(Array.from({ length: 50 }, () => request(c, { ":path": "/a.txt" })));
    assert.ok(many.every((r) => r.status === 200 && r.body.toString() === "hello\n"));
    const big = await request(c, { ":path": "/big.bin" });
    assert.equal(big.body.length, 4 * 1024 * 1024);
  });

  test("CGIHTTPRequestHandler per stream: a script reads the body and answers", async (t) => {
    const log = quiet(t);
    class Cgi extends CGIHTTPRequestHandler {
      override directory = root;
    }
    const s = await h2server(t, Cgi);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const r = await request(c, { ":method": "POST", ":path": "/cgi-bin/echo.py", "content-length": "5" }, "hello");
    assert.equal(r.status, 200, `rst ${r.rstCode}; log ${log.lines.join(" | ")}`);
    assert.equal(r.body.toString().trim(), "POST HTTP/1.0 None hello"); // SERVER_PROTOCOL is protocol_version, and no HTTP_HOST, as in CPython
  });

  test("a throwing handler: 500 on that stream before any byte, RST_STREAM after; other streams unaffected", async (t) => {
    quiet(t);
    class Throws extends BaseHTTPRequestHandler {
      async do_GET(): Promise<void> {
        if (this.path === "/early") throw new Error("boom");
        if (this.path === "/late") {
          this.send_response(200);
          this.send_header("Content-Length", 100);
          this.end_headers();
          await this.wfile.write("partial");
          throw new Error("boom late");
        }
        this.send_response(200);
        this.send_header("Content-Length", 2);
        this.end_headers();
        await this.wfile.write("ok");
      }
    }
    const s = await h2server(t, Throws);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const [early, late, fine] = await Promise.all([
      request(c, { ":path": "/early" }),
      request(c, { ":path": "/late" }),
      request(c, { ":path": "/fine" }),
    ]);
    assert.equal(early.status, 500);
    assert.notEqual(late.rstCode, 0);
    assert.equal(fine.status, 200);
    assert.equal(fine.body.toString(), "ok");
  });

  test("a reset stream makes the handler's next write fail (its file is closed)", async (t) => {
    quiet(t);
    let failed: unknown = null;
    const done = deferred();
    class Endless extends BaseHTTPRequestHandler {
      async do_GET(): Promise<void> {
        this.send_response(200);
        this.end_headers();
        try {
          for (let i = 0; i < 100_000; i++) await this.wfile.write(Buffer.alloc(16384));
        } catch (e) {
          failed = e;
        }
        done.resolve();
      }
    }
    const s = await h2server(t, Endless);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const r = c.request({ ":path": "/" });
    r.on("error", () => {});
    r.once("data", () => r.close(constants.NGHTTP2_CANCEL));
    await done.promise;
    assert.ok(failed instanceof BrokenPipeError);
  });

  test("HTTP/1.1 on an http2 server is served as before", async (t) => {
    quiet(t);
    const s = await h2server(t, Files);
    const text = await new Promise<string>((resolve) => {
      const sock = netConnect(s.port, "127.0.0.1", () => sock.write("GET /a.txt HTTP/1.0\r\n\r\n"));
      let out = "";
      sock.on("data", (d) => (out += d.toString("latin1")));
      sock.on("close", () => resolve(out));
    });
    assert.match(text, /^HTTP\/1\.0 200 OK\r\n/);
    assert.ok(text.endsWith("hello\n"));
  });

  test("rapid reset (CVE-2023-44487): GOAWAY ENHANCE_YOUR_CALM, server still serves", async (t) => {
    const log = quiet(t);
    const s = await h2server(t, Files);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const goaway = new Promise<number>((resolve) => c.on("goaway", (code: number) => resolve(code)));
    c.on("connect", () => {
      for (let i = 0; i < 400; i++) {
        const r = c.request({ ":path": "/a.txt" });
        r.on("error", () => {});
        r.close(constants.NGHTTP2_CANCEL);
      }
    });
    assert.equal(await goaway, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await log.waitFor(/stream resets in a second/);
    const c2 = client(t, `http://127.0.0.1:${s.port}`);
    assert.equal((await request(c2, { ":path": "/a.txt" })).status, 200);
  });

  for (const [name, frame] of [
    ["PING", Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])],
    ["SETTINGS", Buffer.from([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100])],
  ] as const) {
    test(`${name} flood: GOAWAY ENHANCE_YOUR_CALM, server still serves`, async (t) => {
      quiet(t);
      const s = await h2server(t, Files);
      const received = await new Promise<Buffer>((resolve) => {
        // The flood follows the server's SETTINGS, as a sustained one would.
        const sock = netConnect(s.port, "127.0.0.1", () => sock.write(Buffer.concat([PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])));
        const parts: Buffer[] = [];
        sock.on("data", (d: Buffer) => {
          if (parts.length === 0) for (let i = 0; i < 10; i++) sock.write(Buffer.concat(Array.from({ length: 200 }, () => frame)));
          parts.push(d);
        });
        sock.on("error", () => {});
        sock.on("close", () => resolve(Buffer.concat(parts)));
      });
      // Walk the frames: one GOAWAY (type 7) whose error code is 0xb.
      const codes: number[] = [];
      for (let i = 0; i + 9 <= received.length; ) {
        const len = received.readUIntBE(i, 3);
        if (received[i + 3] === 7) codes.push(received.readUInt32BE(i + 9 + 4));
        i += 9 + len;
      }
      assert.equal(codes[0], constants.NGHTTP2_ENHANCE_YOUR_CALM, `GOAWAY codes ${codes.join(",")}`);
      const c = client(t, `http://127.0.0.1:${s.port}`);
      assert.equal((await request(c, { ":path": "/a.txt" })).status, 200);
    });
  }

  test("server_close() sends GOAWAY and lets a stream in flight finish", async (t) => {
    quiet(t);
    const started = deferred();
    const release = deferred();
    class Slow extends BaseHTTPRequestHandler {
      async do_GET(): Promise<void> {
        started.resolve();
        await release.promise;
        this.send_response(200);
        this.send_header("Content-Length", 4);
        this.end_headers();
        await this.wfile.write("done");
      }
    }
    const s = await h2server(t, Slow);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const goaway = new Promise<void>((resolve) => c.on("goaway", () => resolve()));
    const pending = request(c, { ":path": "/" });
    await started.promise;
    await s.server.shutdown();
    const closing = s.server.server_close();
    await goaway;
    release.resolve();
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "done");
    await closing;
  });

  test("curl --http2-prior-knowledge", { skip: skipCurl }, async (t) => {
    quiet(t);
    const s = await h2server(t, Files);
    const out = await run("curl", ["-s", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", `http://127.0.0.1:${s.port}/a.txt`]);
    assert.equal(out, "hello\n\n2 200");
    const ranged = await run("curl", ["-s", "--http2-prior-knowledge", "-r", "0-3", `http://127.0.0.1:${s.port}/a.txt`]);
    assert.equal(ranged, "hell");
  });

  test("Python h2: three concurrent streams on one connection", { skip: skipPyH2 }, async (t) => {
    quiet(t);
    const s = await h2server(t, Files);
    const script = `
import socket, sys, h2.connection, h2.events, h2.config
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
for sid, path in ((1, "/a.txt"), (3, "/nope"), (5, "/sub/x.txt")):
    conn.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "localhost")], end_stream=True)
sock.sendall(conn.data_to_send())
status, body, ended = {}, {}, set()
while len(ended) < 3:
    data = sock.recv(65536)
    if not data: break
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.ResponseReceived): status[ev.stream_id] = dict(ev.headers)[b":status"].decode()
        elif isinstance(ev, h2.events.DataReceived):
            body[ev.stream_id] = body.get(ev.stream_id, b"") + ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded): ended.add(ev.stream_id)
    sock.sendall(conn.data_to_send())
print(status[1], body.get(1, b"").decode().strip(), status[3], status[5], body.get(5, b"").decode())
`;
    const out = await run("/usr/bin/python3", ["-c", script, String(s.port)]);
    assert.equal(out.trim(), "200 hello 404 200 x");
  });

  test("h2load: 200 requests, c2 m10, all succeed", { skip: skipH2load }, async (t) => {
    quiet(t);
    const s = await h2server(t, Files);
    const out = await run("h2load", ["-n", "200", "-c", "2", "-m", "10", `http://127.0.0.1:${s.port}/a.txt`]);
    assert.match(out, /200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored/);
    assert.match(out, /status codes: 200 2xx/);
  });
});

describe("HTTP/2 over TLS (ALPN h2)", { skip: generated.skip }, () => {
  const certs = generated.certs as TestCerts;
  class TLSServer extends ThreadingHTTPSServer {
    constructor(address: [string, number], Handler: never) {
      super(address, Handler, true, { certfile: certs.rsaCert, keyfile: certs.rsaKey, alpn_protocols: ["h2", "http/1.1"] });
    }
  }

  test("node:http2 and curl --http2 negotiate h2; an HTTP/1.1 client still gets HTTP/1.1", async (t) => {
    quiet(t);
    const s = await serveFor(t, Files, { ServerClass: TLSServer as never });
    const c = client(t, `https://localhost:${s.port}`, { ca: [readFileSync(certs.ca)] });
    const r = await request(c, { ":path": "/a.txt" });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "hello\n");
    assert.equal(c.alpnProtocol, "h2");
    if (skipCurl === false) {
      const v2 = await run("curl", ["-s", "--http2", "--cacert", certs.ca, "-w", "%{http_version}", "-o", "/dev/null", `https://localhost:${s.port}/a.txt`]);
      assert.equal(v2, "2");
      const v1 = await run("curl", ["-s", "--http1.1", "--cacert", certs.ca, "-w", "%{http_version}", "-o", "/dev/null", `https://localhost:${s.port}/a.txt`]);
      assert.equal(v1, "1"); // the handler's protocol_version is HTTP/1.0
    }
  });
});

void ThreadingHTTPServer;
