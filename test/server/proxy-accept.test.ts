/**
 * PROXY protocol on real loopback connections: v1 and v2 headers written by
 * hand (IPv4, IPv6, UNKNOWN, LOCAL), malformed, truncated, sent slowly, from
 * an untrusted peer, and before a TLS handshake; each time the address in
 * the log line and in the handler's `client_address`. Plus `TrustedProxies`.
 */

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { BaseHTTPRequestHandler } from "../../src/handler/base-handler.js";
import { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { ThreadingHTTPSServer } from "../../src/server/https-server.js";
import type { RequestHandlerClass } from "../../src/server/base-server.js";
import { TrustedProxies, acceptProxied, unmapIPv4 } from "../../src/server/proxy-accept.js";
import { PROXY_V2_SIGNATURE, formatProxyV1 } from "../../src/server/proxy-header.js";
import { getTestCerts } from "../helpers/certs.js";
import { LogCapture, exchange, open, serve, splitResponse } from "../helpers/net.js";

/** Answers with the client address it was given: `host port`. */
class Who extends BaseHTTPRequestHandler {
  do_GET(): void {
    const body = Buffer.from(`${this.client_address[0]} ${this.client_address[1]}`);
    this.send_response(200);
    this.send_header("Content-Length", body.length);
    this.end_headers();
    this.wfile.write(body);
  }
}

function proxied(trusted: string[] | null = null): new (a: [string, number], h: RequestHandlerClass) => ThreadingHTTPServer {
  class S extends ThreadingHTTPServer {}
  S.prototype.proxy_protocol = true;
  S.prototype.trusted_proxies = trusted;
  return S;
}

function v2(verCmd: number, famProto: number, body: number[]): Buffer {
  return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([verCmd, famProto, body.length >> 8, body.length & 0xff]), Buffer.from(body)]);
}

const GET = "GET / HTTP/1.0\r\n\r\n";

describe("proxy_protocol on a plain server", () => {
  const cases: [string, Buffer | string, string][] = [
    ["v1 TCP4", formatProxyV1(["203.0.113.9", 4242], ["127.0.0.1", 80]), "203.0.113.9 4242"],
    ["v1 TCP6", formatProxyV1(["2001:db8::9", 4343], ["::1", 80]), "2001:db8::9 4343"],
    ["v1 UNKNOWN keeps the peer", "PROXY UNKNOWN\r\n", "127.0.0.1 "],
    ["v2 INET", v2(0x21, 0x11, [198, 51, 100, 7, 127, 0, 0, 1, 0x9c, 0x40, 0, 80]), "198.51.100.7 40000"],
    ["v2 INET6", v2(0x21, 0x21, [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 5, ...Array(15).fill(0), 1, 0x30, 0x39, 0, 80]), "2001:db8::5 12345"],
    ["v2 LOCAL keeps the peer", v2(0x20, 0x00, []), "127.0.0.1 "],
  ];
  for (const [name, header, expected] of cases) {
    test(`${name}: client_address and the log line`, async () => {
      const log = new LogCapture().start();
      const s = await serve(Who, { ServerClass: proxied() });
      try {
        const raw = await exchange(s.port, [header, GET]);
        const r = splitResponse(raw);
        assert.match(r.status, /^HTTP\/1\.0 200/);
        assert.ok(r.body.startsWith(expected), `${r.body} vs ${expected}`);
        const line = await log.waitFor(/"GET \/ HTTP\/1\.0" 200/);
        assert.ok(line.startsWith(expected.split(" ")[0]! + " - - ["), line);
      } finally {
        log.stop();
        await s.close();
      }
    });
  }

  test("the header and the request sent one byte at a time", async () => {
    const log = new LogCapture().start();
    const s = await serve(Who, { ServerClass: proxied() });
    try {
      const bytes = Buffer.concat([formatProxyV1(["192.0.2.77", 1], ["127.0.0.1", 2]), Buffer.from(GET)]);
      const sock = await open(s.port);
      const chunks: Buffer[] = [];
      sock.on("data", (d) => chunks.push(d));
      const done = new Promise((r) => sock.on("close", r));
      for (const b of bytes) {
        sock.write(Buffer.from([b]));
        await new Promise((r) => setImmediate(r));
      }
      await done;
      assert.equal(splitResponse(Buffer.concat(chunks)).body, "192.0.2.77 1");
    } finally {
      log.stop();
      await s.close();
    }
  });

  const refused: [string, string | Buffer, RegExp][] = [
    ["no header (plain HTTP)", GET, /no PROXY protocol header/],
    ["malformed v1", "PROXY TCP4 1.2.3 4.5.6.7 1 2\r\n" + GET, /not IPv4/],
    ["bad v2 version", Buffer.concat([v2(0x31, 0x11, Array(12).fill(0)), Buffer.from(GET)]), /version is not 2/],
    ["truncated, then closed", "PROXY TCP4 1.2.3.4", /closed before the header/],
  ];
  for (const [name, data, why] of refused) {
    test(`${name}: closed without an answer, one log line`, async () => {
      const log = new LogCapture().start();
      const s = await serve(Who, { ServerClass: proxied() });
      try {
        const raw = await exchange(s.port, data, { end: true });
        assert.equal(raw.length, 0);
        const line = await log.waitFor(/PROXY protocol: connection closed/);
        assert.match(line, why);
        assert.match(line, /^127\.0\.0\.1 - - \[/);
      } finally {
        log.stop();
        await s.close();
      }
    });
  }

  test("a peer outside trusted_proxies is closed before anything is read", async () => {
    const log = new LogCapture().start();
    const s = await serve(Who, { ServerClass: proxied(["10.0.0.0/8"]) });
    try {
      const raw = await exchange(s.port, [formatProxyV1(["1.2.3.4", 1], ["5.6.7.8", 2]), GET]);
      assert.equal(raw.length, 0);
      assert.match(await log.waitFor(/PROXY protocol/), /peer is not a trusted proxy/);
    } finally {
      log.stop();
      await s.close();
    }
  });

  test("a header that never completes is cut off after the timeout", async () => {
    const log = new LogCapture().start();
    const { createServer, connect } = await import("node:net");
    const server = createServer({ pauseOnConnect: true }, (sock) => acceptProxied(sock, new TrustedProxies(["127.0.0.1"]), () => assert.fail("accepted"), 0.1));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const c = connect(port, "127.0.0.1");
      c.write("PROXY TCP4 ");
      await new Promise((r) => c.on("close", r));
      assert.match(await log.waitFor(/PROXY protocol/), /no complete header in time/);
    } finally {
      log.stop();
      server.close();
    }
  });

  test("without proxy_protocol a PROXY line is just a bad request (nothing changes)", async () => {
    const log = new LogCapture().start();
    const s = await serve(Who);
    try {
      const raw = await exchange(s.port, [formatProxyV1(["1.2.3.4", 1], ["5.6.7.8", 2]), GET]);
      assert.match(splitResponse(raw).status, /^HTTP\/1\.0 400 /);
    } finally {
      log.stop();
      await s.close();
    }
  });
});

const certs = await getTestCerts();
describe("proxy_protocol with TLS: the header precedes the handshake", { skip: certs.skip }, () => {
  test("v2 header then a TLS request", async () => {
    const c = certs.certs!;
    class S extends ThreadingHTTPSServer {
      constructor(a: [string, number], h: RequestHandlerClass) {
        super(a, h, true, { certfile: c.rsaCert, keyfile: c.rsaKey });
      }
    }
    S.prototype.proxy_protocol = true;
    const log = new LogCapture().start();
    const s = await serve(Who, { ServerClass: S });
    try {
      const raw = await open(s.port);
      raw.write(v2(0x21, 0x11, [192, 0, 2, 200, 127, 0, 0, 1, 0x1f, 0x90, 1, 0xbb]));
      const secure = tlsConnect({ socket: raw, ca: readFileSync(c.ca), servername: "localhost" });
      const body = await new Promise<string>((resolve, reject) => {
        const parts: Buffer[] = [];
        secure.on("data", (d: Buffer) => parts.push(d));
        secure.on("error", reject);
        secure.on("end", () => resolve(Buffer.concat(parts).toString()));
        secure.write(GET);
      });
      assert.equal(splitResponse(body).body, "192.0.2.200 8080");
    } finally {
      log.stop();
      await s.close();
    }
  });
});

describe("TrustedProxies", () => {
  test("addresses, CIDRs, IPv4-mapped peers, '*', bad entries", () => {
    const t = new TrustedProxies(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);
    for (const yes of ["10.1.2.3", "::ffff:10.9.9.9", "192.0.2.1", "fd12::1"]) assert.ok(t.has(yes), yes);
    for (const no of ["11.0.0.1", "192.0.2.2", "fe80::1", "::1", "", undefined, "junk"]) assert.ok(!t.has(no), String(no));
    const all = new TrustedProxies(["*"]);
    assert.ok(all.has("8.8.8.8") && all.has("2001:db8::1"));
    for (const bad of ["10.0.0.0/33", "::/129", "host.example", "10.0.0.0/", "10.0.0.0/x", "1.2.3"]) {
      assert.throws(() => new TrustedProxies([bad]), TypeError, bad);
    }
    assert.throws(() => TrustedProxies.parse(" , "), TypeError);
    assert.deepEqual(TrustedProxies.parse("127.0.0.1, ::1").entries, ["127.0.0.1", "::1"]);
    assert.equal(unmapIPv4("::FFFF:1.2.3.4"), "1.2.3.4");
    assert.equal(unmapIPv4("::1"), "::1");
  });
});
