/**
 * HTTP/2's direct path (handler/h2-stream.ts) and what issue 17 asks of it
 * beyond http2.test.ts: `handle_expect_100` over a stream, the handler's
 * body timeout resetting one stream while the others are served, a large
 * file to a client that stops reading (memory bounded, the file closed when
 * the client resets the stream), handlers that write their own HTTP/1.x head
 * or parse their own request head (the text path), and `--workers N --http2`
 * with and without TLS.
 *
 * Strategy: servers on 127.0.0.1:0 in this process (`serveFor`), node:http2's
 * client; short configured timeouts instead of waits; the CLI run as a child
 * process for `--workers`.
 */

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, readFileSync, ftruncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";
import { getTestCerts } from "../helpers/certs.js";
import { client, collect, h2server, quiet, type Reply } from "../helpers/h2.js";
import { startCli, startServing } from "../cli/cli-process.js";

const root = mkdtempSync(join(tmpdir(), "h2-direct-"));
writeFileSync(join(root, "hello.txt"), "hello, world\n");
// A sparse 4 GiB file: no disk space used, and far more than memory may hold.
const HUGE = join(root, "huge.bin");
const HUGE_SIZE = 4 * 1024 ** 3;
{
  const fd = openSync(HUGE, "w");
  ftruncateSync(fd, HUGE_SIZE);
  closeSync(fd);
}
const generated = await getTestCerts();

function get(c: ClientHttp2Session, path: string): Promise<Reply> {
  return collect(c.request({ ":path": path }));
}

/** Echoes the body; speaks HTTP/1.1 so that `Expect: 100-continue` is answered. */
class Echo extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  async do_POST(): Promise<void> {
    const body = await this.read_body();
    this.send_response(200);
    this.send_header("Content-Length", body.length);
    this.end_headers();
    await this.wfile.write(body);
  }
  do_GET(): void {
    this.send_response(200);
    this.send_header("Content-Length", 2);
    this.end_headers();
    void this.wfile.write("ok");
  }
}

describe("HTTP/2 direct path", () => {
  test("handle_expect_100: expect: 100-continue gets 100 before the body; a refusal answers without it", async (t) => {
    quiet(t);
    class Refuses extends Echo {
      override handle_expect_100(): boolean {
        this.send_error(417);
        return false;
      }
    }
    for (const [Handler, want] of [
      [Echo, 200],
      [Refuses, 417],
    ] as const) {
      const s = await h2server(t, Handler);
      const c = client(t, `http://127.0.0.1:${s.port}`);
      const r = c.request({ ":method": "POST", ":path": "/", expect: "100-continue", "content-length": "5" }, { endStream: false });
      let continued = false;
      r.on("continue", () => {
        continued = true;
        r.end("hello");
      });
      const reply = collect(r);
      r.on("response", () => {
        if (!continued) r.close(constants.NGHTTP2_NO_ERROR);
      });
      const got = await reply;
      assert.equal(got.status, want, Handler.name);
      assert.equal(continued, want === 200, `${Handler.name}: 100 Continue received`);
      if (want === 200) assert.equal(got.body.toString(), "hello");
    }
  });

  test("body_timeout: a stream whose body stalls is reset after it; other streams on the connection are served", async (t) => {
    const log = quiet(t);
    class Short extends Echo {
      override body_timeout = 0.2;
    }
    const s = await h2server(t, Short);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const stalled = c.request({ ":method": "POST", ":path": "/", "content-length": "10" }, { endStream: false });
    stalled.write("abc"); // 3 of 10 bytes, then nothing
    const stalledReply = collect(stalled);
    const started = Date.now();
    const other = await get(c, "/");
    assert.equal(other.status, 200);
    assert.equal(other.body.toString(), "ok");
    const got = await stalledReply;
    assert.equal(got.status, 0, "no response on the stalled stream");
    assert.equal(got.rstCode, constants.NGHTTP2_INTERNAL_ERROR);
    assert.ok(Date.now() - started < 5000);
    await log.waitFor(/Request timed out/);
    const after = await get(c, "/");
    assert.equal(after.status, 200, "the connection lives on");
  });

  test("a 4 GiB file to a client that stops reading: memory stays bounded, the file is closed when the client resets", async (t) => {
    quiet(t);
    class Files extends SimpleHTTPRequestHandler {
      override directory = root;
    }
    const s = await h2server(t, Files);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const r = c.request({ ":path": "/huge.bin" });
    r.on("error", () => {});
    const headers = await new Promise<IncomingHttpHeaders>((resolve) => r.once("response", resolve));
    assert.equal(headers[":status"], 200);
    assert.equal(headers["content-length"], String(HUGE_SIZE));
    const openFds = (): number => readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === HUGE;
      } catch {
        return false;
      }
    }).length;
    // Read a little, slowly: 1 MiB at most, in pauses.
    const before = process.memoryUsage().rss;
    let received = 0;
    r.pause();
    for (let i = 0; i < 8 && received < 1024 * 1024; i++) {
      const chunk = r.read() as Buffer | null;
      if (chunk !== null) received += chunk.length;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(received < 64 * 1024 * 1024, `received ${received}`);
    assert.equal(openFds(), 1, "the file is open while the response is in flight");
    const growth = process.memoryUsage().rss - before;
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${growth} bytes while the client did not read`);
    r.close(constants.NGHTTP2_CANCEL);
    for (let i = 0; i < 100 && openFds() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(openFds(), 0, "the file is closed once the client reset the stream");
    const next = await get(c, "/hello.txt");
    assert.equal(next.status, 200);
  });

  test("a handler that writes its own HTTP/1.x head to wfile: the head is parsed into HEADERS", async (t) => {
    quiet(t);
    class Raw extends BaseHTTPRequestHandler {
      async do_GET(): Promise<void> {
        this.log_request(200);
        await this.wfile.write("HTTP/1.0 203 Non-Authoritative\r\nX-Raw: yes\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbodyEXTRA");
      }
    }
    class Partial extends BaseHTTPRequestHandler {
      async do_GET(): Promise<void> {
        // CGI's way: the status line flushed, the rest of the head written raw.
        this.send_response(200, "Script output follows");
        this.flush_headers();
        await this.wfile.write("Content-Type: text/x-test\n\nfrom the script");
      }
    }
    for (const [Handler, status, header, body] of [
      [Raw, 203, ["x-raw", "yes"], "body"],
      [Partial, 200, ["content-type", "text/x-test"], "from the script"],
    ] as const) {
      const s = await h2server(t, Handler);
      const c = client(t, `http://127.0.0.1:${s.port}`);
      const got = await get(c, "/");
      assert.equal(got.status, status, Handler.name);
      assert.equal(got.headers[header[0]], header[1], Handler.name);
      assert.equal(got.headers["connection"], undefined);
      assert.equal(got.body.toString(), body, Handler.name);
    }
  });

  test("handlers overriding send_header/end_headers, or parsing their own head (text path), serve h2 unchanged", async (t) => {
    const log = quiet(t);
    class Renames extends BaseHTTPRequestHandler {
      override send_header(keyword: string, value: string | number): void {
        super.send_header(keyword === "X-Old" ? "X-New" : keyword, value);
      }
      override end_headers(): void {
        this.send_header("X-Added", "1");
        super.end_headers();
      }
      do_GET(): void {
        this.send_response(200);
        this.send_header("X-Old", "v");
        this.send_header("Content-Length", 2);
        this.end_headers();
        void this.wfile.write("ok");
      }
    }
    class OwnParse extends BaseHTTPRequestHandler {
      override parse_request(): Promise<boolean> {
        return super.parse_request();
      }
      do_GET(): void {
        this.send_response(200);
        this.send_header("Content-Length", this.request_version.length);
        this.end_headers();
        void this.wfile.write(this.request_version);
      }
    }
    const a = await h2server(t, Renames);
    const ra = await get(client(t, `http://127.0.0.1:${a.port}`), "/x");
    assert.equal(ra.headers["x-new"], "v");
    assert.equal(ra.headers["x-added"], "1");
    assert.equal(ra.body.toString(), "ok");
    const b = await h2server(t, OwnParse);
    const rb = await get(client(t, `http://127.0.0.1:${b.port}`), "/y");
    assert.equal(rb.status, 200);
    assert.equal(rb.body.toString(), "HTTP/2.0");
    await log.waitFor(/"GET \/y HTTP\/2\.0" 200 -/);
  });

  test("log_format combined: the body's bytes, HTTP/2.0", async (t) => {
    const log = quiet(t);
    class Combined extends Echo {
      override log_format = "combined" as const;
    }
    const s = await h2server(t, Combined);
    const got = await get(client(t, `http://127.0.0.1:${s.port}`), "/c");
    assert.equal(got.body.toString(), "ok");
    await log.waitFor(/"GET \/c HTTP\/2\.0" 200 2 /);
  });

  test("a bad :authority gets Python's 400 on that stream", async (t) => {
    quiet(t);
    const s = await h2server(t, Echo);
    const c = client(t, `http://127.0.0.1:${s.port}`);
    const got = await collect(c.request({ ":path": "/", ":authority": "a b" }));
    // nghttp2 may refuse it first (RST_STREAM PROTOCOL_ERROR); when it passes, ours answers 400.
    assert.ok(got.status === 400 || got.rstCode === constants.NGHTTP2_PROTOCOL_ERROR, JSON.stringify(got));
  });
});

describe("--workers N --http2", () => {
  const hello = (c: ClientHttp2Session): Promise<Reply> => get(c, "/hello.txt");

  test("two workers serve h2c prior-knowledge clients", async (t) => {
    const cli = await startServing(t, ["--workers", "2", "--http2", "-b", "127.0.0.1", "-d", root, "0"]);
    for (let i = 0; i < 4; i++) {
      const c = client(t, `http://127.0.0.1:${cli.port}`);
      const got = await hello(c);
      assert.equal(got.status, 200);
      assert.equal(got.body.toString(), "hello, world\n");
      c.close();
    }
    await cli.stderr.waitFor(/("GET \/hello\.txt HTTP\/2\.0" 200 -\n[^]*){4}/, "four access lines");
    cli.child.kill("SIGTERM");
    assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  });

  test("two workers serve h2 by ALPN over TLS", { skip: generated.skip }, async (t) => {
    const certs = generated.certs!;
    const cli = startCli(t, ["--workers", "2", "--http2", "--tls-cert", certs.rsaCert, "--tls-key", certs.rsaKey, "-b", "127.0.0.1", "-d", root, "0"]);
    const m = await cli.stdout.waitFor(/^Serving HTTPS on \S+ port (\d+) /m, "HTTPS banner");
    for (let i = 0; i < 4; i++) {
      const c = client(t, `https://localhost:${m[1]}`, { ca: [readFileSync(certs.ca)] });
      const got = await hello(c);
      assert.equal(c.alpnProtocol, "h2");
      assert.equal(got.status, 200);
      assert.equal(got.body.toString(), "hello, world\n");
      c.close();
    }
    cli.child.kill("SIGTERM");
    assert.deepEqual(await cli.exit(), { code: 0, signal: null });
  });
});
