/**
 * Extension (not in CPython): what BaseHTTPRequestHandler does per request
 * when it runs behind a load balancer — the health endpoint, the client
 * address from trusted forwarding headers, and access lines in the
 * `combined` / `json` formats or to a file. Kept out of base-handler.ts,
 * which calls in at four points and only when `lbConfigured()` says one of
 * these is switched on, so with none of them nothing changes.
 *
 * Strategy: per handler (connection), a `LbState` remembers the connection's
 * own client address (the TCP peer, or the PROXY header's client) so each
 * request starts from it again; `requestStarted()` also notes the time and
 * bytes written so far; `beforeDispatch()` answers the health path (not
 * logged) and applies `Forwarded` / `X-Forwarded-*` when the server has
 * `trusted_proxies` and the peer is in it; `logRequest()` keeps the status
 * instead of writing Python's line; `requestEnded()` writes the access line
 * once the response has been handed to the socket, so the byte count (body
 * bytes, head excluded) and the duration are real.
 */

import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { formatAccess, writeAccess, type LogFormat } from "./access-log.js";
import { resolveForwarding } from "./forwarded.js";
import { escapeControl } from "../python/log-line.js";
import type { TrustedProxies } from "../server/proxy-accept.js";

/** The part of a handler the hooks use. */
export interface LbHandler {
  client_address: [string, number];
  command: string | null;
  path: string;
  request_version: string;
  requestline: string;
  close_connection: boolean;
  headers: { get(name: string): string | undefined | null; get_all(name: string): string[] | undefined };
  server: unknown;
  wfile: { write(data: Buffer | Uint8Array): unknown };
  request: Socket;
  health_path: string | null;
  log_format: LogFormat;
  access_log: string | null;
  forwarded_proto: string | null;
  forwarded_host: string | null;
  protocol_version: string;
  send_response_only(code: number, message?: string | null): void;
  send_header(keyword: string, value: string | number): void;
  end_headers(): void;
  version_string(): string;
  date_time_string(): string;
  address_string(): string;
  log_date_time_string(): string;
}

/** What the hooks need of the server (all optional: a handler may run under any server). */
interface LbServer {
  trusted_proxies?: unknown;
  _trustedProxies?: TrustedProxies;
  draining?: boolean;
}

/** Per-connection state. */
export interface LbState {
  /** The connection's client address, before any forwarding header. */
  peer: [string, number];
  /** When the current request's line arrived. */
  start: number;
  startHr: bigint;
  /** Bytes the writer had accepted when the request started / when its head was flushed. */
  writtenAtStart: number;
  headBytes: number;
  /** The status `log_request()` reported, or `null` when no line is due. */
  status: number | null;
}

const states = new WeakMap<object, LbState>();

/** Whether any of the extensions is on for this handler (cheap; read per request). */
export function lbConfigured(h: LbHandler): boolean {
  const s = h.server as LbServer | null;
  return (
    h.health_path !== null ||
    h.log_format !== "python" ||
    h.access_log !== null ||
    (s !== null && typeof s === "object" && ((s.trusted_proxies ?? null) !== null || s.draining === true))
  );
}

function stateOf(h: LbHandler): LbState {
  let st = states.get(h);
  if (st === undefined) {
    st = { peer: [h.client_address[0], h.client_address[1]], start: 0, startHr: 0n, writtenAtStart: 0, headBytes: 0, status: null };
    states.set(h, st);
  }
  return st;
}

/** A request line has arrived: reset the client to the peer and start the clock. */
export function requestStarted(h: LbHandler, written: number): void {
  const st = stateOf(h);
  if (st.status !== null) requestEnded(h, written);
  h.client_address = [st.peer[0], st.peer[1]];
  h.forwarded_proto = null;
  h.forwarded_host = null;
  st.start = Date.now();
  st.startHr = process.hrtime.bigint();
  st.writtenAtStart = written;
  st.headBytes = 0;
}

/**
 * The response head about to be sent: while the server is draining, an
 * HTTP/1.1 response that does not say `Connection:` gets `Connection: close`,
 * so the client (or balancer) knows not to send another request on it.
 */
export function drainingHead(h: LbHandler, head: string): string {
  if ((h.server as LbServer).draining !== true || h.request_version !== "HTTP/1.1" || !head.endsWith("\r\n\r\n")) return head;
  if (/\r\nConnection:/i.test(head)) return head;
  h.close_connection = true;
  return head.slice(0, -2) + "Connection: close\r\n\r\n";
}

/** The head of the response was flushed (`bytes` long). */
export function headFlushed(h: LbHandler, bytes: number): void {
  const st = states.get(h);
  if (st !== undefined) st.headBytes += bytes;
}

const HEALTH_OK = Buffer.from('{"status":"ok"}\n');
const HEALTH_DRAINING = Buffer.from('{"status":"draining"}\n');

/**
 * After the request head is parsed, before `do_<COMMAND>()`: answers the
 * health path (GET or HEAD, query ignored; 503 while draining) and returns
 * `true`, or applies trusted forwarding headers and returns `false`.
 */
export function beforeDispatch(h: LbHandler): boolean {
  const server = h.server as LbServer;
  const draining = server.draining === true;
  if (draining) h.close_connection = true; // one response more, then the balancer must reconnect elsewhere
  if (h.health_path !== null && (h.command === "GET" || h.command === "HEAD")) {
    const q = h.path.indexOf("?");
    if ((q === -1 ? h.path : h.path.slice(0, q)) === h.health_path) {
      const body = draining ? HEALTH_DRAINING : HEALTH_OK;
      h.send_response_only(draining ? 503 : 200);
      h.send_header("Server", h.version_string());
      h.send_header("Date", h.date_time_string());
      h.send_header("Content-Type", "application/json");
      h.send_header("Content-Length", body.length);
      h.send_header("Cache-Control", "no-store");
      if (draining) h.send_header("Connection", "close");
      h.end_headers();
      if (h.command === "GET") h.wfile.write(body);
      const st = states.get(h);
      if (st !== undefined) st.status = null; // never logged
      return true;
    }
  }
  if ((server.trusted_proxies ?? null) !== null && server._trustedProxies !== undefined) {
    const trusted = server._trustedProxies;
    const st = stateOf(h);
    if (trusted.has(st.peer[0])) {
      const joined = (name: string): string | null => {
        const all = h.headers.get_all(name);
        return all === undefined ? null : all.join(",");
      };
      const f = resolveForwarding(
        {
          forwarded: joined("Forwarded"),
          x_forwarded_for: joined("X-Forwarded-For"),
          x_forwarded_proto: joined("X-Forwarded-Proto"),
          x_forwarded_host: joined("X-Forwarded-Host"),
        },
        (ip) => trusted.has(ip),
      );
      if (f !== null) {
        if (f.client !== null) h.client_address = f.client;
        h.forwarded_proto = f.proto;
        h.forwarded_host = f.host;
      }
    }
  }
  return false;
}

/**
 * `log_request()` with a non-Python format or an access log file: remembers
 * the status for `requestEnded()`, or (Python format to a file) writes
 * Python's line there. Returns `true` when it took care of the line.
 */
export function logRequest(h: LbHandler, code: string, size: string): boolean {
  if (h.log_format === "python") {
    if (h.access_log === null) return false;
    writeAccess(h.access_log, `${h.address_string()} - - [${h.log_date_time_string()}] ${escapeControl(`"${h.requestline}" ${code} ${size}`)}\n`);
    return true;
  }
  const st = stateOf(h);
  if (st.start === 0) {
    // The head could not be read (400, 431 …): the clock starts now.
    st.start = Date.now();
    st.startHr = process.hrtime.bigint();
  }
  const n = Number(code);
  st.status = Number.isInteger(n) ? n : 0;
  return true;
}

/** The response has been handed to the socket (or the connection ends): writes the pending access line. */
export function requestEnded(h: LbHandler, written: number): void {
  const st = states.get(h);
  if (st === undefined || st.status === null || h.log_format === "python") return;
  const status = st.status;
  st.status = null;
  const duration = Number(process.hrtime.bigint() - st.startHr) / 1e6;
  const header = (name: string): string | null => h.headers.get(name) ?? null;
  const given = header("X-Request-Id");
  const line = formatAccess(h.log_format, {
    client: h.client_address[0],
    start: st.start,
    duration,
    method: h.command ?? "",
    path: h.path ?? "",
    protocol: h.request_version ?? "",
    requestline: h.requestline,
    status,
    bytes: Math.max(0, written - st.writtenAtStart - st.headBytes),
    referer: header("Referer"),
    user_agent: header("User-Agent"),
    request_id: given !== null && /^[\x21-\x7e]{1,200}$/.test(given) ? given : randomUUID(),
  });
  writeAccess(h.access_log, line + "\n");
}
