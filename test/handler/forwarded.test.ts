/**
 * The forwarding-header rules (RFC 7239 `Forwarded`, `X-Forwarded-*`): a
 * table of trusted and untrusted chains under the rightmost-untrusted rule,
 * and malformed values, which make the headers ignored.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseForwarded, resolveForwarding, type Forwarding, type ForwardingHeaders } from "../../src/handler/forwarded.js";
import { TrustedProxies } from "../../src/server/proxy-accept.js";

const trusted = new TrustedProxies(["10.0.0.0/8", "fd00::/8"]);
const isTrusted = (ip: string): boolean => trusted.has(ip);

const ROWS: [string, ForwardingHeaders, Forwarding | null][] = [
  ["no headers", {}, null],
  ["XFF one client", { x_forwarded_for: "203.0.113.1" }, { client: ["203.0.113.1", 0], proto: null, host: null }],
  ["XFF chain: rightmost untrusted wins", { x_forwarded_for: "198.51.100.1, 203.0.113.1, 10.0.0.2" }, { client: ["203.0.113.1", 0], proto: null, host: null }],
  ["XFF spoofed left entries are skipped", { x_forwarded_for: "1.1.1.1, 2.2.2.2, 203.0.113.5" }, { client: ["203.0.113.5", 0], proto: null, host: null }],
  ["XFF all trusted: the leftmost", { x_forwarded_for: "10.0.0.9, 10.0.0.8" }, { client: ["10.0.0.9", 0], proto: null, host: null }],
  ["XFF IPv6 and IPv4 with port", { x_forwarded_for: "2001:db8::1, 192.0.2.1:8080" }, { client: ["192.0.2.1", 8080], proto: null, host: null }],
  ["XFF bracketed IPv6 with port", { x_forwarded_for: "[2001:DB8::1]:443" }, { client: ["2001:db8::1", 443], proto: null, host: null }],
  ["XFF unknown stops the walk: peer kept", { x_forwarded_for: "203.0.113.1, unknown" }, null],
  ["XFF unknown left of a trusted hop", { x_forwarded_for: "unknown, 10.0.0.3" }, { client: ["10.0.0.3", 0], proto: null, host: null }],
  ["XFF garbage: ignored", { x_forwarded_for: "203.0.113.1, evil.example" }, null],
  ["XFF empty entry: ignored", { x_forwarded_for: "203.0.113.1,,10.0.0.1" }, null],
  ["XFF port out of range: ignored", { x_forwarded_for: "203.0.113.1:70000" }, null],
  ["XFP and XFH with the client, lists aligned", { x_forwarded_for: "203.0.113.1, 10.0.0.2", x_forwarded_proto: "https, http", x_forwarded_host: "example.com, internal" }, { client: ["203.0.113.1", 0], proto: "https", host: "example.com" }],
  ["XFP alone: its rightmost value", { x_forwarded_proto: "HTTPS" }, { client: null, proto: "https", host: null }],
  ["XFP invalid: dropped", { x_forwarded_for: "203.0.113.1", x_forwarded_proto: "ht tp" }, { client: ["203.0.113.1", 0], proto: null, host: null }],
  ["XFH with a bad character: dropped", { x_forwarded_host: "a/b" }, null],
  ["Forwarded one element", { forwarded: 'for=192.0.2.60;proto=https;by=203.0.113.43;host="example.com:8443"' }, { client: ["192.0.2.60", 0], proto: "https", host: "example.com:8443" }],
  ["Forwarded IPv6 quoted with port", { forwarded: 'For="[2001:db8:cafe::17]:4711"' }, { client: ["2001:db8:cafe::17", 4711], proto: null, host: null }],
  ["Forwarded chain, proto from the chosen element", { forwarded: "for=198.51.100.1;proto=http, for=203.0.113.7;proto=https, for=10.0.0.1;proto=http" }, { client: ["203.0.113.7", 0], proto: "https", host: null }],
  ["Forwarded wins over XFF", { forwarded: "for=192.0.2.1", x_forwarded_for: "198.51.100.9" }, { client: ["192.0.2.1", 0], proto: null, host: null }],
  ["Forwarded obfuscated rightmost: peer kept", { forwarded: "for=203.0.113.1, for=_hidden" }, { client: null, proto: null, host: null }],
  ["Forwarded unquoted IPv6: malformed", { forwarded: "for=2001:db8::1" }, null],
  ["Forwarded malformed hides XFF too", { forwarded: "for=", x_forwarded_for: "203.0.113.1" }, null],
  ["Forwarded unterminated quote", { forwarded: 'for="192.0.2.1' }, null],
  ["Forwarded duplicate parameter", { forwarded: "for=192.0.2.1;for=192.0.2.2" }, null],
  ["Forwarded trailing garbage", { forwarded: "for=192.0.2.1 x" }, null],
  ["Forwarded element without for", { forwarded: "proto=https" }, { client: null, proto: "https", host: null }],
];

test("resolveForwarding: the rightmost-untrusted table", () => {
  for (const [name, headers, expected] of ROWS) assert.deepEqual(resolveForwarding(headers, isTrusted), expected, name);
});

test("parseForwarded: quoted-pairs, case-insensitive names, whitespace around separators", () => {
  assert.deepEqual(parseForwarded('For="\\"x\\"" ; Proto=https , for=1.2.3.4'), [{ for: '"x"', proto: "https" }, { for: "1.2.3.4" }]);
});

test("property: any string gives a verdict or null, never a throw; a chosen client is an address from the list", () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (f, x) => {
      const r = resolveForwarding({ forwarded: f.length % 2 === 0 ? f : null, x_forwarded_for: x }, isTrusted);
      if (r?.client != null) assert.ok((f + x).toLowerCase().includes(r.client[0]));
    }),
  );
});
