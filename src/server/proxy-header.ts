/**
 * HAProxy's PROXY protocol header (versions 1 and 2), sans-IO: bytes in, a
 * verdict out. A load balancer (nginx `proxy_protocol on`, HAProxy
 * `send-proxy` / `send-proxy-v2`) sends it once, first on each connection,
 * to say who the real client is.
 *
 * Strategy: `parseProxyHeader(bytes)` looks at what has arrived so far and
 * answers "need more" (every prefix of a valid header), "invalid" (with a
 * reason, as soon as no continuation could be valid) or the parsed header
 * with its length, so the caller hands the bytes after it to HTTP (or TLS).
 * Version 1 is one text line of at most 107 bytes ending in CRLF; version 2
 * is a 16-byte binary preamble (12-byte signature, version/command,
 * family/transport, big-endian length) then that many bytes: the addresses,
 * then TLVs, which are skipped. Strict where the specification is exact
 * (single spaces, ports without leading zeros, addresses of the announced
 * family); a `LOCAL` (v2) or `UNKNOWN` (v1) header, and any v2 family other
 * than IPv4/IPv6, carry no client address: the connection's own peer stands.
 * The specification: haproxy/haproxy, doc/proxy-protocol.txt.
 */

import { isIPv4, isIPv6 } from "node:net";

/** The 12 bytes that open a version 2 header. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** The bytes that open a version 1 header. */
const V1_PREFIX = Buffer.from("PROXY ", "latin1");
/** A version 1 line is at most 107 bytes, CRLF included (the specification's worst case). */
export const PROXY_V1_MAX = 107;
/** Largest version 2 header: 16 bytes then a 16-bit length. */
export const PROXY_V2_MAX = 16 + 0xffff;

/** An address from the header: `[host, port]`, as `client_address` holds it. */
export type ProxyAddress = [host: string, port: number];

/** What `parseProxyHeader()` found. */
export type ProxyParse =
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  | {
      kind: "header";
      /** Bytes the header took; what follows belongs to HTTP (or TLS). */
      length: number;
      version: 1 | 2;
      /** `PROXY` relays a client; `LOCAL` (v2) is the balancer's own connection (health checks). */
      command: "PROXY" | "LOCAL";
      /** `TCP4`, `TCP6`, `UNKNOWN` (v1); `INET`, `INET6`, `UNIX`, `UNSPEC` (v2). */
      family: string;
      /** The real client, or `null` when the header carries none (LOCAL, UNKNOWN, UNIX, UNSPEC). */
      source: ProxyAddress | null;
      /** The address the client connected to, or `null` likewise. */
      destination: ProxyAddress | null;
    };

const INCOMPLETE: ProxyParse = { kind: "incomplete" };

function invalid(reason: string): ProxyParse {
  return { kind: "invalid", reason };
}

/** Whether `data` (shorter than `whole`) agrees with its beginning. */
function startsLike(data: Uint8Array, whole: Uint8Array): boolean {
  const n = Math.min(data.length, whole.length);
  for (let i = 0; i < n; i++) if (data[i] !== whole[i]) return false;
  return true;
}

/**
 * Parses the PROXY header at the start of `data` (everything received on
 * the connection so far).
 */
export function parseProxyHeader(data: Uint8Array): ProxyParse {
  if (data.length === 0) return INCOMPLETE;
  if (startsLike(data, PROXY_V2_SIGNATURE)) return data.length < 16 ? INCOMPLETE : parseV2(data);
  if (startsLike(data, V1_PREFIX)) return data.length < V1_PREFIX.length ? INCOMPLETE : parseV1(data);
  return invalid("no PROXY protocol header");
}

/** `0`–`65535` in decimal without leading zeros, or `null`. */
function port(text: string): number | null {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

function parseV1(data: Uint8Array): ProxyParse {
  const limit = Math.min(data.length, PROXY_V1_MAX);
  let end = -1;
  for (let i = V1_PREFIX.length; i < limit; i++) {
    const b = data[i]!;
    if (b === 0x0d) {
      if (i + 1 >= data.length) return INCOMPLETE;
      if (data[i + 1] !== 0x0a) return invalid("v1: CR not followed by LF");
      end = i;
      break;
    }
    if (b === 0x0a) return invalid("v1: bare LF");
    if (b < 0x20 || b > 0x7e) return invalid("v1: byte outside printable ASCII");
  }
  if (end < 0) return data.length >= PROXY_V1_MAX ? invalid("v1: line longer than 107 bytes") : INCOMPLETE;
  const length = end + 2;
  const fields = Buffer.from(data.buffer, data.byteOffset + V1_PREFIX.length, end - V1_PREFIX.length)
    .toString("latin1")
    .split(" ");
  const family = fields[0]!;
  if (family === "UNKNOWN") {
    // The rest of the line is to be ignored (the specification says so).
    return { kind: "header", length, version: 1, command: "PROXY", family, source: null, destination: null };
  }
  if (family !== "TCP4" && family !== "TCP6") return invalid(`v1: unknown protocol family ${JSON.stringify(family)}`);
  if (fields.length !== 5) return invalid("v1: expected 4 fields after the family, separated by single spaces");
  const [, src, dst, sport, dport] = fields as [string, string, string, string, string];
  const isFamily = family === "TCP4" ? isIPv4 : isIPv6;
  if (!isFamily(src) || !isFamily(dst)) return invalid(`v1: address not ${family === "TCP4" ? "IPv4" : "IPv6"}`);
  const sp = port(sport);
  const dp = port(dport);
  if (sp === null || dp === null) return invalid("v1: bad port");
  return { kind: "header", length, version: 1, command: "PROXY", family, source: [src, sp], destination: [dst, dp] };
}

/** The address lengths of v2's families (source + destination + ports). */
const V2_ADDRESS_BYTES: Readonly<Record<number, number>> = { 0x1: 12, 0x2: 36, 0x3: 216 };
const V2_FAMILIES: Readonly<Record<number, string>> = { 0x0: "UNSPEC", 0x1: "INET", 0x2: "INET6", 0x3: "UNIX" };

function parseV2(data: Uint8Array): ProxyParse {
  const verCmd = data[12]!;
  if (verCmd >> 4 !== 2) return invalid("v2: version is not 2");
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return invalid("v2: unknown command");
  const famByte = data[13]!;
  const fam = famByte >> 4;
  const transport = famByte & 0x0f;
  if (!(fam in V2_FAMILIES) || transport > 2) return invalid("v2: unknown address family or transport");
  const bodyLength = (data[14]! << 8) | data[15]!;
  const need = V2_ADDRESS_BYTES[fam] ?? 0;
  if (cmd === 1 && bodyLength < need) return invalid("v2: length shorter than the addresses");
  const length = 16 + bodyLength;
  if (data.length < length) return INCOMPLETE;
  const family = V2_FAMILIES[fam]!;
  const command = cmd === 0 ? "LOCAL" : "PROXY";
  // LOCAL: the balancer speaking for itself; UNIX/UNSPEC or a datagram transport: nothing to use.
  if (cmd === 0 || (fam !== 1 && fam !== 2) || transport !== 1) {
    return { kind: "header", length, version: 2, command, family, source: null, destination: null };
  }
  const view = new DataView(data.buffer, data.byteOffset + 16, bodyLength);
  let source: ProxyAddress;
  let destination: ProxyAddress;
  if (fam === 1) {
    source = [ipv4(data, 16), view.getUint16(8)];
    destination = [ipv4(data, 20), view.getUint16(10)];
  } else {
    source = [ipv6(data, 16), view.getUint16(32)];
    destination = [ipv6(data, 32), view.getUint16(34)];
  }
  return { kind: "header", length, version: 2, command, family, source, destination };
}

function ipv4(data: Uint8Array, at: number): string {
  return `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
}

/** RFC 5952 text of 16 bytes: lower case, longest run (≥ 2) of zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`. */
export function ipv6(data: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((data[at + 2 * i]! << 8) | data[at + 2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4(data, at + 12)}`;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** A version 1 header for `source` → `destination` (for tests and tools). */
export function formatProxyV1(source: ProxyAddress | null, destination: ProxyAddress | null): Buffer {
  if (source === null || destination === null) return Buffer.from("PROXY UNKNOWN\r\n", "latin1");
  const family = source[0].includes(":") ? "TCP6" : "TCP4";
  return Buffer.from(`PROXY ${family} ${source[0]} ${destination[0]} ${source[1]} ${destination[1]}\r\n`, "latin1");
}
