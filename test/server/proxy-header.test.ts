/**
 * The sans-IO PROXY header parser: a table of v1 and v2 headers written by
 * hand from HAProxy's specification (doc/proxy-protocol.txt), each fed whole,
 * one byte at a time, split at every offset and with HTTP bytes after it;
 * then fast-check properties (round trip, prefix = incomplete, never throws).
 */

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PROXY_V2_SIGNATURE, formatProxyV1, ipv6, parseProxyHeader, type ProxyParse } from "../../src/server/proxy-header.js";

/** A v2 header: version/command byte, family/transport byte, then `body`. */
function v2(verCmd: number, famProto: number, body: number[] | Buffer): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([verCmd, famProto, b.length >> 8, b.length & 0xff]), b]);
}
const ip4 = (a: string): number[] => a.split(".").map(Number);
const port = (p: number): number[] => [p >> 8, p & 0xff];
const v6bytes = (groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 0xff]);
const tlv = (type: number, value: string): number[] => [type, 0, value.length, ...Buffer.from(value)];

type Expect = { source: [string, number] | null; command?: "PROXY" | "LOCAL"; family: string; version: 1 | 2 } | { invalid: RegExp };

const VALID: [string, Buffer, Expect][] = [
  ["v1 TCP4", Buffer.from("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"), { source: ["192.0.2.1", 56324], family: "TCP4", version: 1 }],
  ["v1 TCP6", Buffer.from("PROXY TCP6 2001:db8::1 2001:db8::2 65535 80\r\n"), { source: ["2001:db8::1", 65535], family: "TCP6", version: 1 }],
  ["v1 TCP4 port 0", Buffer.from("PROXY TCP4 10.0.0.1 10.0.0.2 0 0\r\n"), { source: ["10.0.0.1", 0], family: "TCP4", version: 1 }],
  ["v1 UNKNOWN bare", Buffer.from("PROXY UNKNOWN\r\n"), { source: null, family: "UNKNOWN", version: 1 }],
  ["v1 UNKNOWN with ignored rest", Buffer.from("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), { source: null, family: "UNKNOWN", version: 1 }],
  [
    "v1 longest TCP6 (107 bytes)",
    Buffer.from("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
    { source: ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535], family: "TCP6", version: 1 },
  ],
  ["v2 PROXY INET", v2(0x21, 0x11, [...ip4("203.0.113.7"), ...ip4("10.0.0.1"), ...port(51000), ...port(8000)]), { source: ["203.0.113.7", 51000], family: "INET", version: 2 }],
  [
    "v2 PROXY INET6",
    v2(0x21, 0x21, [...v6bytes([0x2001, 0xdb8, 0, 0, 0, 0, 0, 7]), ...v6bytes([0, 0, 0, 0, 0, 0, 0, 1]), ...port(1234), ...port(443)]),
    { source: ["2001:db8::7", 1234], family: "INET6", version: 2 },
  ],
  [
    "v2 PROXY INET with TLVs skipped (ALPN, authority, NOOP)",
    v2(0x21, 0x11, [...ip4("198.51.100.9"), ...ip4("10.0.0.1"), ...port(40000), ...port(80), ...tlv(0x01, "h2"), ...tlv(0x02, "example.com"), ...tlv(0x04, "")]),
    { source: ["198.51.100.9", 40000], family: "INET", version: 2 },
  ],
  ["v2 LOCAL (health check)", v2(0x20, 0x00, []), { source: null, command: "LOCAL", family: "UNSPEC", version: 2 }],
  ["v2 LOCAL with INET addresses ignored", v2(0x20, 0x11, [...ip4("1.2.3.4"), ...ip4("5.6.7.8"), ...port(1), ...port(2)]), { source: null, command: "LOCAL", family: "INET", version: 2 }],
  ["v2 PROXY UNIX", v2(0x21, 0x31, Buffer.alloc(216)), { source: null, family: "UNIX", version: 2 }],
  ["v2 PROXY UNSPEC", v2(0x21, 0x00, []), { source: null, family: "UNSPEC", version: 2 }],
  ["v2 PROXY INET over DGRAM: no address used", v2(0x21, 0x12, [...ip4("1.2.3.4"), ...ip4("5.6.7.8"), ...port(1), ...port(2)]), { source: null, family: "INET", version: 2 }],
];

const INVALID: [string, Buffer, RegExp][] = [
  ["plain HTTP", Buffer.from("GET / HTTP/1.1\r\n\r\n"), /no PROXY/],
  ["TLS ClientHello", Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5]), /no PROXY/],
  ["lower-case proxy", Buffer.from("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), /no PROXY/],
  ["v1 TCP5", Buffer.from("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), /unknown protocol family/],
  ["v1 TCP4 with IPv6 address", Buffer.from("PROXY TCP4 ::1 ::1 1 2\r\n"), /not IPv4/],
  ["v1 TCP6 with IPv4 address", Buffer.from("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"), /not IPv6/],
  ["v1 bad octet", Buffer.from("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), /not IPv4/],
  ["v1 double space", Buffer.from("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), /4 fields/],
  ["v1 missing port", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), /4 fields/],
  ["v1 trailing space", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"), /4 fields/],
  ["v1 port 65536", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), /bad port/],
  ["v1 port with leading zero", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"), /bad port/],
  ["v1 negative port", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), /bad port/],
  ["v1 bare LF", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), /bare LF/],
  ["v1 CR without LF", Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"), /CR not followed/],
  ["v1 NUL byte", Buffer.from("PROXY TCP4 1.2.3.4\x005.6.7.8 1 2\r\n"), /printable/],
  ["v1 no CRLF in 107 bytes", Buffer.from("PROXY UNKNOWN " + "x".repeat(100)), /longer than 107/],
  ["v2 version 1", v2(0x11, 0x11, Buffer.alloc(12)), /version is not 2/],
  ["v2 command 2", v2(0x22, 0x11, Buffer.alloc(12)), /unknown command/],
  ["v2 family 4", v2(0x21, 0x41, Buffer.alloc(12)), /unknown address family/],
  ["v2 transport 3", v2(0x21, 0x13, Buffer.alloc(12)), /unknown address family/],
  ["v2 INET length too short", v2(0x21, 0x11, Buffer.alloc(11)), /shorter than the addresses/],
  ["v2 INET6 length too short", v2(0x21, 0x21, Buffer.alloc(35)), /shorter than the addresses/],
  ["v2 UNIX length too short", v2(0x21, 0x31, Buffer.alloc(215)), /shorter than the addresses/],
];

function check(name: string, result: ProxyParse, bytes: Buffer, expect: Expect): void {
  if ("invalid" in expect) {
    assert.equal(result.kind, "invalid", name);
    assert.match((result as { reason: string }).reason, expect.invalid, name);
    return;
  }
  assert.equal(result.kind, "header", `${name}: ${JSON.stringify(result)}`);
  if (result.kind !== "header") return;
  assert.equal(result.length, bytes.length, name);
  assert.deepEqual(result.source, expect.source, name);
  assert.equal(result.family, expect.family, name);
  assert.equal(result.version, expect.version, name);
  assert.equal(result.command, expect.command ?? "PROXY", name);
}

describe("parseProxyHeader", () => {
  const trailing = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  for (const [name, bytes, expect] of VALID) {
    test(`${name}: whole, with HTTP after it, and every prefix incomplete`, () => {
      check(name, parseProxyHeader(bytes), bytes, expect);
      const withRest = parseProxyHeader(Buffer.concat([bytes, trailing]));
      check(`${name} + HTTP`, withRest, bytes, expect);
      // Sent byte by byte: every strict prefix asks for more.
      for (let i = 0; i < bytes.length; i++) {
        assert.deepEqual(parseProxyHeader(bytes.subarray(0, i)), { kind: "incomplete" }, `${name}: prefix ${i}`);
      }
    });
  }
  for (const [name, bytes, reason] of INVALID) {
    test(`${name} is invalid, whole and as soon as it can be told`, () => {
      check(name, parseProxyHeader(bytes), bytes, { invalid: reason });
      // No prefix is a valid header; once invalid, every longer prefix stays invalid.
      let seenInvalid = false;
      for (let i = 1; i <= bytes.length; i++) {
        const r = parseProxyHeader(bytes.subarray(0, i));
        assert.notEqual(r.kind, "header", `${name}: prefix ${i}`);
        if (seenInvalid) assert.equal(r.kind, "invalid", `${name}: prefix ${i} after invalid`);
        seenInvalid ||= r.kind === "invalid";
      }
    });
  }
  test("truncated headers are incomplete, not invalid", () => {
    assert.equal(parseProxyHeader(Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r")).kind, "incomplete");
    assert.equal(parseProxyHeader(Buffer.from("PRO")).kind, "incomplete");
    assert.equal(parseProxyHeader(PROXY_V2_SIGNATURE.subarray(0, 5)).kind, "incomplete");
    assert.equal(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(12)).subarray(0, 20)).kind, "incomplete");
  });
  test("a subarray at a non-zero offset parses the same", () => {
    const bytes = VALID[6]![1];
    const big = Buffer.concat([Buffer.from("junk"), bytes]).subarray(4);
    check("offset", parseProxyHeader(big), bytes, VALID[6]![2]);
  });
  test("ipv6() writes RFC 5952 text", () => {
    const cases: [number[], string][] = [
      [[0, 0, 0, 0, 0, 0, 0, 0], "::"],
      [[0, 0, 0, 0, 0, 0, 0, 1], "::1"],
      [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"],
      [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"],
      [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], "::ffff:192.0.2.1"],
      [[0xfe80, 0, 0, 0, 0, 0, 0, 0], "fe80::"],
    ];
    for (const [g, text] of cases) assert.equal(ipv6(Buffer.from(v6bytes(g)), 0), text);
  });
});

describe("parseProxyHeader properties", () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
  const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => ipv6(Buffer.from(v6bytes(g)), 0));
  const portArb = fc.nat(65535);
  test("v1 round trip, split anywhere, with any bytes after it", () => {
    fc.assert(
      fc.property(fc.boolean(), v4, v4, v6, v6, portArb, portArb, fc.uint8Array({ maxLength: 40 }), (six, a4, b4, a6, b6, sp, dp, rest) => {
        const src: [string, number] = [six ? a6 : a4, sp];
        const header = formatProxyV1(src, [six ? b6 : b4, dp]);
        const r = parseProxyHeader(Buffer.concat([header, rest]));
        assert.equal(r.kind, "header");
        if (r.kind === "header") {
          assert.equal(r.length, header.length);
          assert.deepEqual(r.source, src);
        }
      }),
    );
  });
  test("v2 INET/INET6 round trip with random TLV bytes", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 32, maxLength: 32 }), portArb, portArb, fc.uint8Array({ maxLength: 64 }), (six, addr, sp, dp, tlvs) => {
        const a = Buffer.from(addr);
        const body = six ? [...a, ...port(sp), ...port(dp)] : [...a.subarray(0, 8), ...port(sp), ...port(dp)];
        const header = v2(0x21, six ? 0x21 : 0x11, Buffer.concat([Buffer.from(body), tlvs]));
        const r = parseProxyHeader(header);
        assert.equal(r.kind, "header");
        if (r.kind === "header") {
          assert.equal(r.length, header.length);
          assert.deepEqual(r.source, [six ? ipv6(a, 0) : `${a[0]}.${a[1]}.${a[2]}.${a[3]}`, sp]);
        }
      }),
    );
  });
  test("arbitrary bytes never throw, and a header's length never exceeds the input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 60 }).map((u) => Buffer.concat([PROXY_V2_SIGNATURE, u])), fc.string().map((s) => Buffer.from("PROXY " + s))), (bytes) => {
        const r = parseProxyHeader(bytes);
        if (r.kind === "header") assert.ok(r.length <= bytes.length);
      }),
    );
  });
});
