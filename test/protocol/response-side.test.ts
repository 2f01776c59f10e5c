/**
 * The response side of issue #6, end to end: what a client sends can never
 * split a response, reach a terminal unescaped through the log, or run as
 * markup in an error page. (Unit tests of the same defences live in
 * test/handler/; these go through a real server and a raw socket.)
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { exchange, LogCapture, serve, type Running } from "../helpers/net.js";
import { statusLines } from "./strictness-cases.js";

class Reflect extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";

  /** Puts the percent-decoded path into a header: the classic response-splitting bug. */
  do_GET(): void {
    this.send_response(200);
    this.send_header("X-Path", decodeURIComponent(this.path));
    this.send_header("Content-Length", "0");
    this.end_headers();
  }
}

describe("response side", () => {
  let srv: Running<never>;
  const log = new LogCapture();
  before(async () => {
    srv = (await serve(Reflect)) as unknown as Running<never>;
    log.start();
  });
  after(async () => {
    log.stop();
    await srv.close();
  });

  test("send_header() refuses a bare CR, a bare LF and CR/LF, in names and in values", () => {
    const h = new BaseHTTPRequestHandler({} as never, ["127.0.0.1", 0], {});
    for (const bad of ["a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "\r", "\n"]) {
      assert.throws(() => h.send_header("X", bad), TypeError, `value ${JSON.stringify(bad)}`);
      assert.throws(() => h.send_header(`X${bad}`, "v"), TypeError, `name ${JSON.stringify(bad)}`);
    }
  });

  test("a handler that puts a decoded CR/LF into a header gets a 500, never a split response", async () => {
    const raw = await exchange(srv.port, "GET /a%0d%0aSet-Cookie:%20owned=1 HTTP/1.1\r\nHost: x\r\n\r\n", { end: true });
    const text = raw.toString("latin1");
    assert.deepEqual(statusLines(raw), ["HTTP/1.1 500 Internal Server Error"]);
    assert.doesNotMatch(text, /^Set-Cookie/im);
    assert.doesNotMatch(text, /^X-Path/im);
    await log.waitFor(/"GET \/a%0d%0aSet-Cookie:%20owned=1 HTTP\/1\.1" 500/);
  });

  test("log lines escape C0 and C1 control characters from the request line", async () => {
    // \x1b[ is a 7-bit CSI, \x9b the 8-bit one; \x07 rings the bell.
    await exchange(srv.port, Buffer.from("GET /\x1b[2J\x9b31m\x07 HTTP/1.1\r\nHost: x\r\n\r\n", "latin1"), { end: true });
    const line = await log.waitFor(/\\x1b\[2J/);
    assert.match(line, /\\x9b31m\\+x07/);
    for (const l of log.lines) assert.doesNotMatch(l, /[\x00-\x1f\x7f-\x9f]/, `raw control byte in ${JSON.stringify(l)}`);
  });

  test("the error page escapes a hostile method it echoes", async () => {
    const raw = await exchange(srv.port, "<svg/onload=alert(1)>&x / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = raw.toString("latin1");
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    assert.match(statusLines(raw)[0]!, /^HTTP\/1\.1 501 /);
    assert.match(body, /&lt;svg\/onload=alert\(1\)&gt;&amp;x/);
    assert.doesNotMatch(body, /<svg/);
  });

  test("the error page escapes a hostile target it echoes", async () => {
    const raw = await exchange(srv.port, "GET /<script>alert(1)</script> x HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = raw.toString("latin1");
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    assert.match(statusLines(raw)[0]!, /^HTTP\/1\.1 400 Bad request syntax/);
    assert.match(body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(body, /<script>/);
  });
});
