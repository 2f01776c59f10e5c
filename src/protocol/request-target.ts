/**
 * The request target's form and the `Host` field (RFC 9112 §3.2, RFC 9110
 * §7.2), the `Connection` field's options (RFC 9110 §7.6.1), and which bytes
 * can start a request line at all.
 *
 * Strategy: pure functions over strings already split by the request-line
 * and header readers; each returns what to accept or `null` / `false` for a
 * 400. The target forms, in RFC 9112 §3.2's order:
 *   origin-form    `/path?query`                  any method
 *   absolute-form  `scheme://authority[/path][?q]` any method; the server serves
 *                  its path, and its authority is the request's host (§3.2.2)
 *   authority-form `host:port`                    CONNECT only (and CONNECT takes only it)
 *   asterisk-form  `*`                            OPTIONS only
 * Anything else is 400, including a two-word (HTTP/0.9) line whose second
 * word is not an origin-form path. The authority of an absolute-form target
 * and the `Host` value must be `uri-host [":" port]` (RFC 3986 §3.2.2):
 * userinfo (`user@`) is refused (RFC 9110 §4.2.4), as is an empty host in an
 * `http`/`https` URI (§4.2.1). An empty `Host` value is valid (RFC 9110 §7.2).
 */

import { isIPv4, isIPv6 } from "node:net";

/** The four forms of RFC 9112 §3.2. */
export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

/** An accepted request target. */
export interface Target {
  readonly form: TargetForm;
  /** The path and query a server serves: the target itself in origin-form, the path (`/` if none) and query of an absolute-form one, `""` otherwise. */
  readonly originPath: string;
  /** `host[:port]` of an absolute- or authority-form target, else `null`. */
  readonly authority: string | null;
}

// RFC 3986: unreserved / sub-delims, and the percent sign of pct-encoded (checked apart).
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const IPV_FUTURE = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;
const PORT = /^[0-9]*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** `uri-host [":" port]` (RFC 3986 §3.2.2–3.2.3), with an optional requirement that the host be non-empty. */
export function isValidAuthority(value: string, requireHost = false): boolean {
  let host: string;
  let port: string;
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close === -1) return false;
    const literal = value.slice(1, close);
    if (!isIPv6(literal) && !IPV_FUTURE.test(literal)) return false;
    const rest = value.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return false;
    return PORT.test(rest.slice(1));
  }
  const colon = value.lastIndexOf(":");
  if (colon === -1) {
    host = value;
    port = "";
  } else {
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
  }
  if (!PORT.test(port)) return false;
  if (requireHost && host === "") return false;
  // IPv4address is a reg-name too; only the reg-name characters matter here.
  return isIPv4(host) || REG_NAME.test(host);
}

/** A `Host` field value (RFC 9110 §7.2): `uri-host [":" port]`, possibly empty. */
export function isValidHost(value: string): boolean {
  // A connection's requests, and most clients', repeat one Host: remember the last valid one.
  if (value === lastValidHost) return true;
  if (!isValidAuthority(value)) return false;
  lastValidHost = value;
  return true;
}
let lastValidHost = "";

/**
 * Decides the request target's form for `method`.
 * @returns the target, or `null` when it is none of the forms allowed for the method (400).
 */
export function classifyTarget(method: string, target: string): Target | null {
  if (method === "CONNECT") {
    // authority-form: uri-host ":" port, both present (RFC 9110 §9.3.6).
    const colon = target.lastIndexOf(":");
    if (colon <= 0 || colon === target.length - 1 || target.includes("@") || target.includes("/")) return null;
    return isValidAuthority(target, true) ? { form: "authority", originPath: "", authority: target } : null;
  }
  const c = target.charCodeAt(0);
  if (c === 0x2f) return { form: "origin", originPath: target, authority: null };
  if (target === "*") return method === "OPTIONS" ? { form: "asterisk", originPath: "", authority: null } : null;
  const sep = target.indexOf("://");
  if (sep <= 0 || !SCHEME.test(target.slice(0, sep))) return null;
  const afterScheme = sep + 3;
  let end = target.length;
  for (const stop of ["/", "?", "#"]) {
    const i = target.indexOf(stop, afterScheme);
    if (i !== -1 && i < end) end = i;
  }
  const authority = target.slice(afterScheme, end);
  if (authority.includes("@")) return null; // userinfo: RFC 9110 §4.2.4
  const scheme = target.slice(0, sep).toLowerCase();
  if (!isValidAuthority(authority, scheme === "http" || scheme === "https")) return null;
  let originPath = target.slice(end);
  const hash = originPath.indexOf("#");
  if (hash !== -1) originPath = originPath.slice(0, hash);
  if (!originPath.startsWith("/")) originPath = "/" + originPath;
  return { form: "absolute", originPath, authority };
}

/**
 * Whether any `Connection` field line lists the `close` option (RFC 9110
 * §7.6.1: a comma-separated list of case-insensitive tokens, with optional
 * whitespace, in as many field lines as the client likes).
 */
export function connectionHas(values: readonly string[], option: string): boolean {
  for (const value of values) {
    for (const item of value.split(",")) {
      if (item.trim().toLowerCase() === option) return true;
    }
  }
  return false;
}

/** Characters that Python's `str.split()` splits on, within ISO-8859-1 (they may start a line CPython accepts). */
function isPyWhitespace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c === 0x85 || c === 0xa0;
}

/**
 * Whether the first bytes of a request line can start one at all: the first
 * byte that is not whitespace must be printable ASCII (a method's first
 * character). A TLS ClientHello (0x16 …), a NUL, binary garbage fail at
 * their first byte, so they are answered 400 at once instead of waiting for
 * a line end that never comes. (Control bytes later in a line wait for its
 * end, where the request-line rules refuse them with the whole line quoted.)
 * Incremental: `check()` is given the line's bytes so far each time more
 * arrive and looks only at the new ones, until the first word has begun.
 */
export class RequestLineScanner {
  #checked = 0;
  #decided = false;

  /** Starts over, for the next request line. */
  reset(): void {
    this.#checked = 0;
    this.#decided = false;
  }

  /** `false` when `bytes` (the line so far, from its first byte) cannot start a request line. */
  check(bytes: Uint8Array): boolean {
    if (this.#decided) return true;
    for (let i = this.#checked; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (isPyWhitespace(c)) continue;
      if (c < 0x21 || c > 0x7e) return false;
      this.#decided = true;
      return true;
    }
    this.#checked = bytes.length;
    return true;
  }
}

/** {@link RequestLineScanner} over a whole line at once. */
export function couldStartRequest(bytes: Uint8Array): boolean {
  return new RequestLineScanner().check(bytes);
}
