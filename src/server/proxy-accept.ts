/**
 * Extension (not in CPython): who may speak for a client, and reading the
 * PROXY protocol header off a fresh connection.
 *
 * Strategy: `TrustedProxies` is a set of addresses/CIDRs on `net.BlockList`
 * (IPv4-mapped IPv6 peers, as a dual-stack listener reports them, are
 * checked as IPv4). `acceptProxied()` runs before a connection reaches the
 * server's queue (and, with TLS, before the handshake): a peer outside the
 * trusted set is closed at once; otherwise the bytes are fed to the sans-IO
 * `parseProxyHeader()` until it decides, within `PROXY_HEADER_TIMEOUT`. A
 * valid header's bytes are consumed and whatever followed is put back
 * (`unshift`) for HTTP or TLS to read; the client address it names is
 * remembered per socket for `get_request()`. Anything else closes the
 * connection with one log line, never an HTTP answer (a balancer that sent
 * no header is misconfigured, and the peer is not who it claims to be).
 */

import { BlockList, isIPv4, isIPv6, type Socket } from "node:net";
import type { ClientAddress } from "../handler/base-handler.js";
import { escapeControl, logDateTimeString, writeLog } from "../python/log-line.js";
import { PROXY_V2_MAX, parseProxyHeader } from "./proxy-header.js";

/** Seconds a connection may take to send its PROXY header. */
export const PROXY_HEADER_TIMEOUT = 10;

/** The default trusted set: loopback only. */
export const DEFAULT_TRUSTED_PROXIES: readonly string[] = Object.freeze(["127.0.0.0/8", "::1/128"]);

/** `::ffff:a.b.c.d` → `a.b.c.d`; other addresses unchanged. */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m !== null ? m[1]! : address;
}

/** A set of trusted proxy addresses and networks. */
export class TrustedProxies {
  readonly #list = new BlockList();
  /** The entries as given. */
  readonly entries: readonly string[];

  /**
   * @param entries addresses (`10.0.0.1`, `::1`) or CIDRs (`10.0.0.0/8`,
   *   `fd00::/8`); `*` trusts every peer. @throws TypeError on a bad entry.
   */
  constructor(entries: Iterable<string>) {
    const kept: string[] = [];
    for (const raw of entries) {
      const entry = raw.trim();
      kept.push(entry);
      if (entry === "*") {
        this.#list.addSubnet("0.0.0.0", 0, "ipv4");
        this.#list.addSubnet("::", 0, "ipv6");
        continue;
      }
      const slash = entry.indexOf("/");
      const address = slash === -1 ? entry : entry.slice(0, slash);
      const type = isIPv4(address) ? "ipv4" : isIPv6(address) ? "ipv6" : null;
      if (type === null) throw new TypeError(`not an IP address or CIDR: ${JSON.stringify(entry)}`);
      const max = type === "ipv4" ? 32 : 128;
      let prefix = max;
      if (slash !== -1) {
        const text = entry.slice(slash + 1);
        prefix = /^[0-9]{1,3}$/.test(text) ? Number(text) : NaN;
        if (!(prefix <= max)) throw new TypeError(`bad prefix length in ${JSON.stringify(entry)}`);
      }
      this.#list.addSubnet(address, prefix, type);
    }
    this.entries = Object.freeze(kept);
  }

  /** Parses `--trusted-proxy`'s comma-separated list. @throws TypeError */
  static parse(text: string): TrustedProxies {
    const parts = text.split(",").filter((p) => p.trim() !== "");
    if (parts.length === 0) throw new TypeError("empty list");
    return new TrustedProxies(parts);
  }

  /** Whether `address` (as a socket reports it) is trusted. */
  has(address: string | undefined): boolean {
    if (address === undefined) return false;
    const a = unmapIPv4(address);
    if (isIPv4(a)) return this.#list.check(a, "ipv4");
    if (isIPv6(a)) return this.#list.check(a, "ipv6");
    return false;
  }
}

/** The client each proxied socket's header named. */
const proxiedPeers = new WeakMap<object, ClientAddress>();

/**
 * The client address a PROXY header gave for `socket` (or for the raw socket
 * under a TLS one), or `undefined`.
 */
export function proxiedAddress(socket: Socket): ClientAddress | undefined {
  return proxiedPeers.get(socket) ?? proxiedPeers.get((socket as unknown as { _parent?: object })._parent ?? {});
}

function refuse(socket: Socket, why: string): void {
  const who = socket.remoteAddress ?? "?";
  writeLog(`${escapeControl(who)} - - [${logDateTimeString()}] PROXY protocol: connection closed: ${escapeControl(why)}\n`);
  socket.destroy();
}

/**
 * Reads the PROXY header from `socket` (paused, just accepted), then calls
 * `next(socket)` with the bytes after the header put back and the socket
 * paused; or closes the connection and logs why.
 */
export function acceptProxied(socket: Socket, trusted: TrustedProxies, next: (socket: Socket) => void, timeoutSeconds = PROXY_HEADER_TIMEOUT): void {
  socket.on("error", () => {});
  if (!trusted.has(socket.remoteAddress)) {
    refuse(socket, "peer is not a trusted proxy");
    return;
  }
  let received: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => finish("no complete header in time"), timeoutSeconds * 1000);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const result = parseProxyHeader(received);
    if (result.kind === "incomplete") {
      if (received.length > PROXY_V2_MAX) finish("header too long");
      return;
    }
    if (result.kind === "invalid") {
      finish(result.reason);
      return;
    }
    if (result.source !== null) proxiedPeers.set(socket, [unmapIPv4(result.source[0]), result.source[1]]);
    cleanup();
    socket.pause();
    if (received.length > result.length) socket.unshift(received.subarray(result.length));
    next(socket);
  };
  const onEnd = (): void => finish("connection closed before the header");
  function cleanup(): void {
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("close", onEnd);
  }
  function finish(why: string): void {
    cleanup();
    refuse(socket, why);
  }
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onEnd);
  socket.resume();
}
