/**
 * HTTP/2 connections (RFC 9113) for every server class: over TLS when ALPN
 * chose `h2` (`alpn_protocols` includes it), over cleartext with prior
 * knowledge when the server's `http2` is set and the connection opens with
 * the client preface. Without either, nothing here runs.
 *
 * Strategy: node:http2 (nghttp2) does framing, HPACK and flow control; one
 * `http2.Http2Server` per server object takes each claimed socket through
 * its `connection` event. Each stream runs a new instance of the server's
 * handler class, so a handler written for HTTP/1.1 serves HTTP/2 unchanged:
 * directly (handler/h2-stream.ts: fields from the stream's headers, the
 * response head to `stream.respond()`), or, for a handler that parses its
 * own request head (overrides `parse_request()` or `handle_one_request()`),
 * over a `StreamSocket` that carries the stream as HTTP/1.1 text
 * (handler/h2-text.ts). The connection's service
 * (what `finish_request()` awaits) lasts as long as the session. Limits
 * (protocol/limits.ts) are SETTINGS given to nghttp2, plus our own per-second
 * budgets of client resets (rapid reset) and of SETTINGS/PING frames: past
 * one, the session gets GOAWAY ENHANCE_YOUR_CALM and is closed.
 * `server_close()` sends GOAWAY and lets streams in flight finish.
 */

import { constants, createServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import type { Socket } from "node:net";
import {
  H2_CONTROL_FRAMES_PER_SECOND,
  H2_INITIAL_WINDOW_SIZE,
  H2_MAX_CONCURRENT_STREAMS,
  H2_MAX_HEADER_LIST_SIZE,
  H2_MAX_SESSION_MEMORY_MB,
  H2_RESETS_PER_SECOND,
  HEADER_TIMEOUT,
  KEEP_ALIVE_TIMEOUT,
} from "../protocol/limits.js";
import { logDateTimeString, writeLog } from "../python/log-line.js";
import { StreamRequest } from "../handler/h2-stream.js";
import { StreamSocket } from "../handler/h2-text.js";
import { BASE } from "../handler/request-loop.js";
import { RESOLVED } from "../handler/wfile.js";

/** The client connection preface (RFC 9113 §3.4). */
export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

type ClientAddress = [host: string, port: number];

/** What this module needs of a server object. */
export interface H2Server {
  http2?: boolean;
  alpn_protocols?: string[];
  RequestHandlerClass: new (request: Socket, client_address: ClientAddress, server: never) => {
    setup(): void | Promise<void>;
    handle(): void | Promise<void>;
    finish(): void | Promise<void>;
    keep_alive_timeout?: number;
  };
  handle_error(request: Socket, client_address: ClientAddress): void;
}

const engines = new WeakMap<object, Http2Server>();
const sessions = new WeakMap<Socket, ServerHttp2Session>();

/** `true` when the server offers HTTP/2 at all (the no-flag path stays untouched). */
export function offersHttp2(server: H2Server): boolean {
  return server.http2 === true || (server.alpn_protocols?.includes("h2") ?? false);
}

/**
 * Whether `socket` is an HTTP/2 connection: ALPN said `h2`, or (cleartext,
 * `http2` set) its first bytes are the preface. Bytes peeked are put back.
 */
export async function claimsHttp2(server: H2Server, socket: Socket): Promise<boolean> {
  const alpn = (socket as { alpnProtocol?: string | false }).alpnProtocol;
  if (alpn !== undefined) return alpn === "h2";
  if (server.http2 !== true) return false;
  const first = await peek(socket, PREFACE.length);
  return first.length >= PREFACE.length && first.subarray(0, PREFACE.length).equals(PREFACE);
}

/** Reads until `n` bytes, a byte that differs from the preface, EOF or the header timeout; unshifts them. */
function peek(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let got: Buffer = Buffer.alloc(0);
    const done = (): void => {
      socket.off("data", onData);
      socket.off("end", done);
      socket.off("close", done);
      clearTimeout(timer);
      socket.pause();
      if (got.length > 0) socket.unshift(got);
      resolve(got);
    };
    const onData = (chunk: Buffer): void => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      const k = Math.min(got.length, n);
      if (got.length >= n || !got.subarray(0, k).equals(PREFACE.subarray(0, k))) done();
    };
    const timer = setTimeout(done, HEADER_TIMEOUT * 1000);
    socket.on("data", onData);
    socket.once("end", done);
    socket.once("close", done);
    socket.resume();
  });
}

function engine(server: H2Server): Http2Server {
  let e = engines.get(server);
  if (e !== undefined) return e;
  e = createServer({
    maxSessionMemory: H2_MAX_SESSION_MEMORY_MB,
    maxHeaderListPairs: 256,
    settings: {
      maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: H2_MAX_HEADER_LIST_SIZE,
      initialWindowSize: H2_INITIAL_WINDOW_SIZE,
      enablePush: false,
    },
  });
  engines.set(server, e);
  return e;
}

/** Serves one HTTP/2 connection until its session closes. */
export function serveHttp2(server: H2Server, socket: Socket, client_address: ClientAddress): Promise<void> {
  return new Promise<void>((resolve) => {
    const e = engine(server);
    let session: ServerHttp2Session | null = null;
    // node:http2 emits `session` synchronously inside `connection` (its
    // `socket` is a proxy, so identity cannot be compared).
    const onSession = (s: ServerHttp2Session): void => {
      session ??= s;
    };
    e.on("session", onSession);
    e.emit("connection", socket);
    e.off("session", onSession);
    if (session === null) {
      socket.destroy();
      resolve();
      return;
    }
    const s: ServerHttp2Session = session;
    sessions.set(socket, s);
    const encrypted = (socket as { encrypted?: boolean }).encrypted === true;
    const budget = new Budget(s, client_address);
    let open = 0;
    let closed = false;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      resolve();
    };
    s.on("close", finish);
    s.on("error", () => {});
    socket.on("close", () => {
      if (open === 0) finish();
    });
    const idle = (server.RequestHandlerClass.prototype as { keep_alive_timeout?: number }).keep_alive_timeout ?? KEEP_ALIVE_TIMEOUT;
    s.setTimeout(idle * 1000, () => {
      if (open === 0) s.close();
    });
    s.on("remoteSettings", () => budget.control());
    s.on("ping", () => budget.control());
    const direct = directPath(server.RequestHandlerClass);
    // One listener for every stream of the session (the stream is `this`).
    const onStreamClose = function (this: ServerHttp2Stream): void {
      open--;
      const code = this.rstCode;
      if (code !== constants.NGHTTP2_NO_ERROR && !this.sentHeaders) budget.reset();
      else if (code === constants.NGHTTP2_CANCEL) budget.reset();
    };
    s.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, raw: string[]) => {
      open++;
      stream.on("close", onStreamClose);
      stream.on("error", ignore);
      if (direct) runDirect(server, new StreamRequest(stream, headers, raw, encrypted, client_address), client_address);
      else void runStream(server, stream, headers, client_address, encrypted);
    });
  });
}

const ignore = (): void => {};

/**
 * Whether streams go to the handler directly: unless it reads its request
 * head itself (overrides `parse_request()` or `handle_one_request()`).
 */
function directPath(Handler: H2Server["RequestHandlerClass"]): boolean {
  const proto = Handler.prototype as { parse_request?: unknown; handle_one_request?: unknown };
  return proto.parse_request === BASE.parse_request && proto.handle_one_request === BASE.handle_one_request;
}

/** What the direct path calls on a handler. */
type DirectHandler = InstanceType<H2Server["RequestHandlerClass"]>;

/**
 * Runs one handler instance on one stream, directly (handler/h2-stream.ts):
 * `setup()`, `handle()`, `finish()`, then the stream's end; any of them
 * throwing goes to `handle_error()`. Synchronous as far as the handler
 * allows: a step returning a Promise still pending (`RESOLVED` is not) gets
 * one continuation, so a stream costs no Promise of its own.
 */
function runDirect(server: H2Server, request: StreamRequest, client_address: ClientAddress): void {
  let handler: DirectHandler;
  let setup: unknown;
  try {
    handler = new server.RequestHandlerClass(request as unknown as Socket, client_address, server as never);
    setup = handler.setup();
  } catch {
    endDirect(server, request, client_address, true);
    return;
  }
  if (setup instanceof Promise && setup !== RESOLVED) {
    setup.then(
      () => handleDirect(server, request, client_address, handler),
      () => endDirect(server, request, client_address, true),
    );
  } else handleDirect(server, request, client_address, handler);
}

function handleDirect(server: H2Server, request: StreamRequest, client_address: ClientAddress, handler: DirectHandler): void {
  let handled: unknown;
  try {
    handled = handler.handle();
  } catch {
    finishDirect(server, request, client_address, handler, true);
    return;
  }
  if (handled === undefined || handled === RESOLVED) finishDirect(server, request, client_address, handler, false);
  else {
    Promise.resolve(handled).then(
      () => finishDirect(server, request, client_address, handler, false),
      () => finishDirect(server, request, client_address, handler, true),
    );
  }
}

/** `finish()` runs whether or not `handle()` failed; `failed` says whether it did. */
function finishDirect(server: H2Server, request: StreamRequest, client_address: ClientAddress, handler: DirectHandler, failed: boolean): void {
  let finished: unknown;
  try {
    finished = handler.finish();
  } catch {
    endDirect(server, request, client_address, true);
    return;
  }
  if (!(finished instanceof Promise) || finished === RESOLVED) endDirect(server, request, client_address, failed);
  else {
    finished.then(
      () => endDirect(server, request, client_address, failed),
      () => endDirect(server, request, client_address, true),
    );
  }
}

/** The handler is done: a failure is reported (`handle_error()`), and the stream ends. */
function endDirect(server: H2Server, request: StreamRequest, client_address: ClientAddress, failed: boolean): void {
  try {
    if (failed) server.handle_error(request as unknown as Socket, client_address);
  } finally {
    request._end();
  }
}

/** Runs one handler instance over one stream carried as HTTP/1.1 text (handler/h2-text.ts). */
async function runStream(
  server: H2Server,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  client_address: ClientAddress,
  encrypted: boolean,
): Promise<void> {
  const transport = new StreamSocket(stream, headers, encrypted);
  transport.on("error", () => {});
  const request = transport as unknown as Socket;
  try {
    const handler = new server.RequestHandlerClass(request, client_address, server as never);
    presentAsHttp2(handler);
    await handler.setup();
    try {
      await handler.handle();
    } finally {
      await handler.finish();
    }
  } catch {
    server.handle_error(request, client_address);
  } finally {
    transport.end_response();
  }
}

/** The handler's `request_version` is `HTTP/2.0` and its `requestline` ends with it (log lines). */
function presentAsHttp2(handler: object): void {
  let line = "";
  Object.defineProperty(handler, "request_version", {
    configurable: true,
    enumerable: true,
    get: () => "HTTP/2.0",
    set: () => {},
  });
  Object.defineProperty(handler, "requestline", {
    configurable: true,
    enumerable: true,
    get: () => line,
    set: (v: string) => {
      line = v.endsWith(" HTTP/1.1") ? v.slice(0, -8) + "HTTP/2.0" : v;
    },
  });
}

/**
 * Per-session budgets per second: streams the client resets (CVE-2023-44487,
 * rapid reset) and SETTINGS/PING frames (CVE-2019-9512/9515 floods).
 */
class Budget {
  #second = 0;
  #resets = 0;
  #control = 0;
  readonly #session: ServerHttp2Session;
  readonly #who: string;
  constructor(session: ServerHttp2Session, client_address: ClientAddress) {
    this.#session = session;
    this.#who = client_address[0];
  }
  #tick(): void {
    const now = Math.floor(Date.now() / 1000);
    if (now !== this.#second) {
      this.#second = now;
      this.#resets = 0;
      this.#control = 0;
    }
  }
  reset(): void {
    this.#tick();
    if (++this.#resets > H2_RESETS_PER_SECOND) this.#calm(`more than ${H2_RESETS_PER_SECOND} stream resets in a second`);
  }
  control(): void {
    this.#tick();
    if (++this.#control > H2_CONTROL_FRAMES_PER_SECOND) this.#calm(`more than ${H2_CONTROL_FRAMES_PER_SECOND} SETTINGS/PING frames in a second`);
  }
  #calm(why: string): void {
    const s = this.#session;
    if (s.destroyed || s.closed) return;
    writeLog(`${this.#who} - - [${logDateTimeString()}] HTTP/2 connection closed: ${why}\n`);
    s.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    s.destroy(); // node:http2 follows with its own GOAWAY NO_ERROR; clients act on the first
  }
}

/** For `server_close()`: sends GOAWAY on an HTTP/2 connection and lets its streams finish. `false` if not one. */
export function closeHttp2(socket: Socket): boolean {
  const s = sessions.get(socket);
  if (s === undefined) return false;
  if (!s.closed && !s.destroyed) s.close();
  return true;
}
