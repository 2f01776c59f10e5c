/**
 * Extension (not in CPython): who the client is, per the forwarding headers
 * a trusted proxy added — `Forwarded` (RFC 7239) or the de-facto
 * `X-Forwarded-For` / `-Proto` / `-Host`. Pure: header values in, verdict out.
 *
 * Strategy, the rightmost-untrusted rule: each proxy appends the address it
 * received the request from, so the list reads client, proxy 1, proxy 2, …
 * and only the entries added by proxies we trust can be believed. Starting
 * from the right (the entry added by our own peer, which is trusted, or the
 * caller would not be here), walk left while the entry is itself a trusted
 * proxy; the first untrusted address is the client. If every entry is
 * trusted, the leftmost is. An entry that is not an address (`unknown`, an
 * obfuscated `_name`) stops the walk: the client is then the last address
 * reached (or the peer). `Forwarded` wins over `X-Forwarded-*` when both are
 * present; a malformed `Forwarded` or `X-Forwarded-For` makes the whole set
 * ignored (the peer stays the client), since a client could otherwise
 * inject entries the proxy did not check. The scheme and host come from the
 * element whose `for` was chosen (`Forwarded`), or the `X-Forwarded-Proto` /
 * `-Host` entry at the same position when the lists line up, else their
 * rightmost entry.
 */

import { isIPv4, isIPv6 } from "node:net";

/** What the headers say about the request. */
export interface Forwarding {
  /** The client's address and port (0 when not given), or `null` to keep the peer. */
  client: [host: string, port: number] | null;
  /** `http` / `https` as the client used it, or `null`. */
  proto: string | null;
  /** The `Host` the client sent, or `null`. */
  host: string | null;
}

/** The headers involved, each list of values joined with `,` as HTTP folds repeated fields. */
export interface ForwardingHeaders {
  forwarded?: string | null;
  x_forwarded_for?: string | null;
  x_forwarded_proto?: string | null;
  x_forwarded_host?: string | null;
}

type Node = { ip: string; port: number } | { ip: null };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::[0-9]{1,5})?$/;

/** A node (`for=` value or X-Forwarded-For entry): an address with an optional port, `unknown`, `_obf`; `undefined` if malformed. */
function parseNode(text: string, strictForwarded: boolean): Node | undefined {
  if (text === "unknown" || (strictForwarded && /^_[A-Za-z0-9._-]+$/.test(text))) return { ip: null };
  let ip = text;
  let portText: string | null = null;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    ip = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      portText = rest.slice(1);
    }
    if (!isIPv6(ip)) return undefined;
  } else if (isIPv6(text)) {
    if (strictForwarded) return undefined; // RFC 7239: IPv6 in brackets
  } else {
    const colon = text.lastIndexOf(":");
    if (colon !== -1) {
      ip = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
    if (!isIPv4(ip)) return undefined;
  }
  let port = 0;
  if (portText !== null) {
    if (strictForwarded && /^_[A-Za-z0-9._-]+$/.test(portText)) portText = "0"; // obfuscated port
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return undefined;
    port = Number(portText);
  }
  return { ip: ip.toLowerCase(), port };
}

/** RFC 7239 elements as lists of lower-cased-name → value; `undefined` when malformed. */
export function parseForwarded(value: string): Record<string, string>[] | undefined {
  const elements: Record<string, string>[] = [];
  let i = 0;
  const n = value.length;
  const skipWs = (): void => {
    while (i < n && (value[i] === " " || value[i] === "\t")) i++;
  };
  let element: Record<string, string> = {};
  for (;;) {
    skipWs();
    // A pair: token "=" ( token / quoted-string )
    let j = i;
    while (j < n && value[j] !== "=" && value[j] !== ";" && value[j] !== ",") j++;
    const name = value.slice(i, j).trim();
    if (!TOKEN.test(name) || value[j] !== "=") return undefined;
    i = j + 1;
    let v: string;
    if (value[i] === '"') {
      v = "";
      i++;
      for (;;) {
        if (i >= n) return undefined;
        const c = value[i]!;
        if (c === '"') break;
        if (c === "\\") {
          i++;
          if (i >= n) return undefined;
        }
        v += value[i]!;
        i++;
      }
      i++;
    } else {
      j = i;
      while (j < n && value[j] !== ";" && value[j] !== "," && value[j] !== " " && value[j] !== "\t") j++;
      v = value.slice(i, j);
      if (!TOKEN.test(v)) return undefined;
      i = j;
    }
    const key = name.toLowerCase();
    if (key in element) return undefined; // each parameter at most once per element
    element[key] = v;
    skipWs();
    if (i >= n) {
      elements.push(element);
      return elements;
    }
    if (value[i] === ";") {
      i++;
      continue;
    }
    if (value[i] === ",") {
      elements.push(element);
      element = {};
      i++;
      continue;
    }
    return undefined;
  }
}

/** Walks `nodes` right to left under the rightmost-untrusted rule; the index chosen, or -1 to keep the peer. */
function pick(nodes: Node[], trusted: (ip: string) => boolean): number {
  let chosen = -1;
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    if (node.ip === null) break;
    chosen = k;
    if (!trusted(node.ip)) break;
  }
  return chosen;
}

const splitList = (v: string): string[] => v.split(",").map((s) => s.trim());

/**
 * The client, scheme and host the forwarding headers establish, for a
 * request whose peer is a trusted proxy; `null` when the headers are absent
 * or malformed (keep the peer; ignore them).
 * @param trusted whether an address is a trusted proxy.
 */
export function resolveForwarding(h: ForwardingHeaders, trusted: (ip: string) => boolean): Forwarding | null {
  if (h.forwarded != null) {
    const elements = parseForwarded(h.forwarded);
    if (elements === undefined || elements.length === 0) return null;
    const nodes: Node[] = [];
    for (const e of elements) {
      const node = e["for"] === undefined ? { ip: null } : parseNode(e["for"], true);
      if (node === undefined) return null;
      nodes.push(node);
    }
    const k = pick(nodes, trusted);
    const at = elements[k === -1 ? elements.length - 1 : k]!;
    const node = k === -1 ? null : (nodes[k] as { ip: string; port: number });
    const proto = at["proto"] !== undefined && SCHEME.test(at["proto"]) ? at["proto"].toLowerCase() : null;
    const host = at["host"] !== undefined && HOST.test(at["host"]) ? at["host"] : null;
    return { client: node === null ? null : [node.ip, node.port], proto, host };
  }
  let client: [string, number] | null = null;
  let index = -1;
  let count = 0;
  if (h.x_forwarded_for != null) {
    const entries = splitList(h.x_forwarded_for);
    const nodes: Node[] = [];
    for (const e of entries) {
      const node = parseNode(e, false);
      if (node === undefined) return null;
      nodes.push(node);
    }
    count = nodes.length;
    index = pick(nodes, trusted);
    if (index !== -1) {
      const node = nodes[index] as { ip: string; port: number };
      client = [node.ip, node.port];
    }
  }
  const entryAt = (v: string | null | undefined, valid: RegExp): string | null => {
    if (v == null) return null;
    const list = splitList(v);
    const e = list.length === count && index !== -1 ? list[index]! : list[list.length - 1]!;
    return valid.test(e) ? e : null;
  };
  const proto = entryAt(h.x_forwarded_proto, SCHEME)?.toLowerCase() ?? null;
  const host = entryAt(h.x_forwarded_host, HOST);
  if (client === null && proto === null && host === null) return null;
  return { client, proto, host };
}
